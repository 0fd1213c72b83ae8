// The references invariant counts the slots of prog arrays as holders of their programs: on the
// states of the recorded prog array scenarios it holds, and the fast verdict is the explaining
// code's verdict on those states broken by one reference either way.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { assertEvent } from '@bpfsim/events';
import { checkReferences, forEachProgArraySlot, initialState, type KernelState } from '@bpfsim/reducer';
import { kernelFold } from '@bpfsim/kernel';
import { references } from '../src/model/kernel-invariants.ts';

function fixtureStates(name: string): KernelState[] {
  const fx = JSON.parse(readFileSync(new URL(`../../../fixtures/kernel/${name}.json`, import.meta.url), 'utf8')) as { events: unknown[] };
  let s = initialState(0);
  return fx.events.map((e, i) => (s = kernelFold(s, assertEvent(e, i)).state));
}

/** `s` with program `id`'s count moved by `by`. */
const recount = (s: KernelState, id: number, by: number): KernelState =>
  Object.freeze({ ...s, progs: Object.freeze({ ...s.progs, [id]: Object.freeze({ ...s.progs[id], refs: s.progs[id].refs + by }) }) });

describe('references with prog arrays', () => {
  const states = ['prog-array-elems', 'prog-array-owner', 'prog-array-owner-types', 'prog-array-uref', 'prog-array-tail-calls'].flatMap(fixtureStates);
  const empty = initialState(0);

  it('hold after every event', () => {
    for (const s of states) expect(references.check(s, empty)).toEqual([]);
  });

  it('a count off by one for a program in an array fails, fast and explained alike', () => {
    let broken = 0;
    for (const s of states) {
      const inArrays = new Set<number>();
      for (const m of Object.values(s.maps)) forEachProgArraySlot(m, (_, id) => inArrays.add(id));
      for (const id of inArrays) {
        for (const by of [1, -1]) {
          const b = recount(s, id, by);
          expect(checkReferences(b).length).toBeGreaterThan(0);
          expect(references.check(b, empty).length).toBeGreaterThan(0);
          broken++;
        }
      }
    }
    expect(broken).toBeGreaterThan(100);
  });
});
