// radixGet, radixSet and radixScan through the draft engine's accessors (DRAFT_ACCESS: child, peek, keys)
// must do on drafts exactly what plain property access does on plain objects.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { radixGet, radixScan, radixSet, type RadixNode } from '@bpfsim/state';
import { produce } from '../../src/draft/index.ts';
import { DRAFT_ACCESS } from '../../src/maps/radix-access.ts';

const depthArb = fc.integer({ min: 1, max: 3 });
/** Rounds of writes (each round one produce()): an index and a value, or undefined to delete. */
const roundsArb = (depth: number) => fc.array(fc.array(fc.tuple(fc.nat(64 ** depth - 1), fc.option(fc.nat(999), { nil: undefined })), { maxLength: 12 }), { minLength: 1, maxLength: 5 });

function scanAll(root: RadixNode<number>, depth: number, from: number, access = DRAFT_ACCESS) {
  const seen: [number, number][] = [];
  radixScan(root, depth, from, (i, v) => { seen.push([i, v]); }, access);
  return seen;
}

describe('radix trees through DRAFT_ACCESS', () => {
  it('agree with plain access: the same trees, pruned alike, and the same scans', () => {
    fc.assert(fc.property(depthArb.chain((d) => fc.tuple(fc.constant(d), roundsArb(d), fc.nat(64 ** d))), ([depth, rounds, from]) => {
      const plain: RadixNode<number> = {};
      let state: { t: RadixNode<number> } = Object.freeze({ t: Object.freeze({}) });
      for (const round of rounds) {
        for (const [i, v] of round) radixSet(plain, depth, i, v);
        state = produce(state, (s) => {
          for (const [i, v] of round) radixSet(s.t, depth, i, v, DRAFT_ACCESS);
          expect(scanAll(s.t, depth, from)).toEqual(scanAll(plain, depth, from, undefined));
          for (const [i] of round) expect(radixGet(s.t, depth, i, DRAFT_ACCESS)).toBe(radixGet(plain, depth, i));
          expect(radixGet(s.t, depth, from % 64 ** depth, DRAFT_ACCESS)).toBe(radixGet(plain, depth, from % 64 ** depth));
        });
        expect(state.t).toEqual(plain);
        expect(scanAll(state.t, depth, from)).toEqual(scanAll(plain, depth, from, undefined));
      }
    }), { numRuns: 400 });
  });
});
