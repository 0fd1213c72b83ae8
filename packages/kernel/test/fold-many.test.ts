// foldMany (one draft per run of datapath-free events) against one fold per event, over every
// scenario recorded on the live kernel, cut into batches of several sizes: the same results, the
// same states at every batch boundary, and those states deeply frozen.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { assertEvent, type Event, type Result } from '@bpfsim/events';
import { initialState, type KernelState } from '@bpfsim/reducer';
import { kernelFold, kernelFoldMany } from '../src/index.ts';

const root = new URL('../../../fixtures/kernel/', import.meta.url).pathname;
const fixtureFiles = (dir: string): string[] => readdirSync(dir).flatMap((f) => {
  const p = join(dir, f);
  return statSync(p).isDirectory() ? fixtureFiles(p) : f.endsWith('.json') ? [p] : [];
});

function deeplyFrozen(v: unknown, seen = new Set<object>()): boolean {
  if (typeof v !== 'object' || v === null || seen.has(v)) return true;
  seen.add(v);
  return Object.isFrozen(v) && Object.values(v).every((x) => deeplyFrozen(x, seen));
}

/** One fold per event: the states after every event and the results. */
function sequential(events: readonly Event[]): { states: KernelState[]; results: Result[] } {
  let s = initialState(0);
  const states = [s], results: Result[] = [];
  for (const e of events) { const f = kernelFold(s, e); s = f.state; states.push(s); results.push(f.result); }
  return { states, results };
}

describe('foldMany equals one fold per event', () => {
  const files = fixtureFiles(root);
  it('has scenarios', () => expect(files.length).toBeGreaterThan(300));
  for (const size of [1, 7, 64, Infinity]) {
    it(`in batches of ${size}, on every kernel scenario`, () => {
      let checked = 0;
      for (const file of files) {
        const fx = JSON.parse(readFileSync(file, 'utf8')) as { events: unknown[] };
        const events = fx.events.map((raw, i) => assertEvent(raw, i));
        const want = sequential(events);
        let s = initialState(0);
        const results: Result[] = [];
        for (let i = 0; i < events.length; i += Math.min(size, events.length)) {
          const end = Math.min(events.length, i + size);
          const f = kernelFoldMany(s, events.slice(i, end));
          s = f.state;
          results.push(...f.results);
          expect(s, `${relative(root, file)} after ${end} events`).toEqual(want.states[end]);
          expect(deeplyFrozen(s)).toBe(true);
          checked++;
        }
        expect(results, relative(root, file)).toEqual(want.results);
      }
      expect(checked).toBeGreaterThan(files.length - 1);
    });
  }
  it('returns the base state itself when nothing changes, and an empty batch is no change', () => {
    const s = initialState(0);
    expect(kernelFoldMany(s, []).state).toBe(s);
    const f = kernelFoldMany(s, [{ kind: 'bpf', pid: 1, cmd: 'BPF_MAP_LOOKUP_ELEM', attr: { map_fd: 3, key: '00' } } as Event]);
    expect(f.results).toEqual([kernelFold(s, { kind: 'bpf', pid: 1, cmd: 'BPF_MAP_LOOKUP_ELEM', attr: { map_fd: 3, key: '00' } } as Event).result]);
  });
});
