// replayTrace folds the events between two records in one foldMany; the reports must be exactly
// those of folding one event at a time, whether the trace agrees or not: a tampered result, a
// tampered hash record, a malformed event, or a foldMany that gets the state wrong or throws.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Event, Result } from '@bpfsim/events';
import { fold, foldMany, initialState, type FoldMany } from '@bpfsim/reducer';
import { kernelFold } from '@bpfsim/kernel';
import { eventArb } from '../../reducer/test/arbitraries.ts';
import { traceFromEntries, replayTrace, type ReplayReport } from '../src/trace/index.ts';

function entriesOf(events: readonly Event[]): { event: Event; result: Result }[] {
  let s = initialState(0);
  return events.map((event) => { const f = fold(s, event); s = f.state; return { event, result: f.result }; });
}

/** What a report says, without the state objects (compared by value elsewhere). */
const said = (r: ReplayReport) => ({ ...r, state: undefined, divergence: r.divergence && { ...r.divergence } });

describe('batched replay reports what one-at-a-time replay reports', () => {
  it('on agreeing traces, traces with one result changed, and traces cut anywhere into hash records', () => {
    fc.assert(fc.property(fc.array(eventArb, { minLength: 1, maxLength: 60 }), fc.nat(), fc.integer({ min: 0, max: 9 }), fc.boolean(), (events, at, hashEvery, tamper) => {
      const entries = entriesOf(events);
      const i = at % entries.length;
      if (tamper) entries[i] = { ...entries[i], result: { ret: entries[i].result.ret === -1 ? -2 : -1 } };
      const { trace } = traceFromEntries(entries, { hashEvery });
      const batched = replayTrace(trace);
      const single = replayTrace(trace, { fold: kernelFold });
      expect(said(batched)).toEqual(said(single));
      expect(batched.state).toEqual(single.state);
      expect(batched.ok).toBe(!tamper);
    }), { numRuns: 200, seed: 5 });
  });

  it('a foldMany that gets the state wrong is caught by the hash records, as a fold would be', () => {
    const events = fc.sample(fc.array(eventArb, { minLength: 30, maxLength: 30 }), { seed: 3, numRuns: 1 })[0];
    const { trace } = traceFromEntries(entriesOf(events), { hashEvery: 4 });
    const wrong: FoldMany = (s, evs) => { const f = foldMany(s, evs); return { ...f, state: { ...f.state, nextIfindex: f.state.nextIfindex + 1 } }; };
    const r = replayTrace(trace, { foldMany: wrong });
    expect(r.divergence).toMatchObject({ kind: 'hash', position: 4, since: 0 });
  });

  it('a foldMany that throws is retried one event at a time with the fold', () => {
    const events = fc.sample(fc.array(eventArb, { minLength: 30, maxLength: 30 }), { seed: 4, numRuns: 1 })[0];
    const { trace } = traceFromEntries(entriesOf(events), { hashEvery: 8 });
    const r = replayTrace(trace, { foldMany: () => { throw new Error('boom'); } });
    expect(r.ok).toBe(true);
    expect(r.hashesChecked).toBe(Math.floor(30 / 8));
  });
});
