// foldMany against one fold per event on random stateful traces (every event kind, packets
// included, malformed ones left out): cut anywhere, the same results and the same final state.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { initialState, type KernelState } from '@bpfsim/reducer';
import type { Result } from '@bpfsim/events';
import { kernelFold, kernelFoldMany } from '@bpfsim/kernel';
import { DEFAULT_UNIVERSE, traceArb } from '../src/index.ts';

describe('foldMany', () => {
  it('equals one fold per event, wherever the trace is cut into batches', () => {
    fc.assert(fc.property(traceArb(DEFAULT_UNIVERSE, { length: { min: 1, max: 120 } }), fc.array(fc.nat(120), { maxLength: 6 }), (events, cuts) => {
      let want: KernelState = initialState(3);
      const wantResults: Result[] = [];
      for (const e of events) { const f = kernelFold(want, e); want = f.state; wantResults.push(f.result); }
      const bounds = [...new Set([0, ...cuts.map((c) => c % (events.length + 1)), events.length])].sort((a, b) => a - b);
      let s: KernelState = initialState(3);
      const results: Result[] = [];
      for (let k = 0; k + 1 < bounds.length; k++) {
        const f = kernelFoldMany(s, events.slice(bounds[k], bounds[k + 1]));
        s = f.state;
        results.push(...f.results);
      }
      expect(results).toEqual(wantResults);
      expect(s).toEqual(want);
    }), { numRuns: 300, seed: 11 });
  });
});
