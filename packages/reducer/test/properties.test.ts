// Properties of the fold that a broken implementation would violate.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fold, initialState, step, checkReferences, type KernelState } from '../src/index.ts';
import { eventArb } from './arbitraries.ts';
import type { Event } from '@bpfsim/events';

function run(events: readonly Event[], seed = 0) {
  let state = initialState(seed);
  const results = [];
  const states: KernelState[] = [state];
  for (const e of events) {
    const r = fold(state, e);
    state = r.state;
    results.push(r.result);
    states.push(state);
  }
  return { state, results, states };
}

function deeplyFrozen(v: unknown, seen = new Set<unknown>()): boolean {
  if (v === null || typeof v !== 'object' || seen.has(v)) return true;
  seen.add(v);
  if (!Object.isFrozen(v)) return false;
  return Object.values(v as object).every((x) => deeplyFrozen(x, seen));
}

const streams = fc.array(eventArb, { maxLength: 60 });

describe('the fold', () => {
  it('is deterministic: the same seed and events give the same states and results', () => {
    fc.assert(fc.property(streams, fc.integer(), (events, seed) => {
      const a = run(events, seed), b = run(events, seed);
      expect(b.results).toEqual(a.results);
      expect(b.states).toEqual(a.states);
    }), { numRuns: 150 });
  });

  it('yields deeply frozen states and never changes the state it was given', () => {
    fc.assert(fc.property(streams, (events) => {
      const { states } = run(events);
      const snapshot = JSON.stringify(states[0]);
      for (const s of states) expect(deeplyFrozen(s)).toBe(true);
      expect(JSON.stringify(states[0])).toBe(snapshot);
    }), { numRuns: 100 });
  });

  it('conserves references: every live object is held, counts match holders, nothing held is freed', () => {
    fc.assert(fc.property(streams, (events) => {
      const { states } = run(events);
      for (const [i, s] of states.entries()) expect(checkReferences(s), `after event ${i - 1}`).toEqual([]);
    }), { numRuns: 200 });
  });

  it('frees everything once every process has exited and every pin is unlinked', () => {
    fc.assert(fc.property(streams, (events) => {
      let { state } = run(events);
      for (const path of Object.keys(state.bpffs).sort().reverse()) {
        state = fold(state, { kind: 'unlink', pid: 100, pathname: `/sys/fs/bpf/${path}`, dir: state.bpffs[path].kind === 'dir' }).state;
      }
      for (const pid of Object.keys(state.procs)) state = fold(state, { kind: 'exit', pid: Number(pid) }).state;
      expect(Object.keys(state.progs)).toEqual([]);
      expect(Object.keys(state.maps)).toEqual([]);
      expect(Object.keys(state.links)).toEqual([]);
    }), { numRuns: 100 });
  });

  it('never throws on random or malformed event streams', () => {
    const anyEvent = fc.oneof(eventArb as fc.Arbitrary<unknown>, fc.anything(), fc.jsonValue(),
      fc.record({ kind: fc.constant('bpf'), pid: fc.anything(), cmd: fc.string(), attr: fc.anything() }),
      eventArb.map((e) => ({ ...e, attr: { ...(e as { attr?: object }).attr, junk: 1 } })));
    fc.assert(fc.property(fc.array(anyEvent, { maxLength: 40 }), (events) => {
      let state = initialState();
      for (const e of events) {
        const r = step(state, e);
        if (r.ok) state = r.state;
        else expect(r.error.message.length).toBeGreaterThan(0);
      }
    }), { numRuns: 300 });
  });
});
