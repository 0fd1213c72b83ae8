// Differential, model-based tests of the drafting engine against immer itself: random recipes over
// random trees must observe the same values, give deep-equal results with the same structural
// sharing, deeply frozen, leave the base untouched, and give patches that immer's applyPatches
// replays in both directions.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as immer from 'immer';
import * as draft from '../../src/draft/index.ts';
import { baseArb, clone, deepFreeze, recipeArb, runRecipe, ser, unfrozen, walk3, type Engine, type Op } from './model.ts';

immer.enablePatches();
immer.setAutoFreeze(true);

/** DRAFT_TEST_SCALE=10 runs ten times as many random cases. */
const SCALE = Number(process.env.DRAFT_TEST_SCALE ?? 1);
const runs = (n: number) => ({ numRuns: Math.round(n * SCALE) });

const IMMER: Engine = immer as unknown as Engine;
const DRAFT: Engine = draft as unknown as Engine;

interface Outcome { readonly next: unknown; readonly trace: string[]; readonly stash: unknown[]; readonly threw?: string }

function apply(engine: Engine, base: unknown, ops: readonly Op[]): Outcome {
  const stash: unknown[] = [];
  let trace: string[] = [];
  try {
    const next = engine.produce(base, (d) => { trace = runRecipe(engine, d, ops, stash); });
    return { next, trace, stash };
  } catch (e) {
    return { next: undefined, trace, stash, threw: (e as Error).message };
  }
}

/** Checks one step of both engines from their own bases (deep-equal to each other). */
function compareStep(baseI: unknown, baseD: unknown, ops: readonly Op[]): { nextI: unknown; nextD: unknown } {
  const before = ser(baseD);
  const i = apply(IMMER, baseI, ops);
  const d = apply(DRAFT, baseD, ops);
  expect(d.threw).toBe(i.threw);
  expect(d.trace).toEqual(i.trace);
  expect(ser(d.next)).toBe(ser(i.next));
  // The base is untouched, and the result deeply frozen.
  expect(ser(baseD)).toBe(before);
  expect(unfrozen(d.next)).toBeUndefined();
  // Structural sharing: a node is the base's node in one result exactly when it is in the other.
  const sharedI = new Set<string>(), sharedD = new Set<string>();
  walk3(baseI, i.next, baseI, (path, b, n) => { if (b === n) sharedI.add(path); });
  walk3(baseD, d.next, baseD, (path, b, n) => { if (b === n) sharedD.add(path); });
  expect([...sharedD].sort()).toEqual([...sharedI].sort());
  // Drafts do not outlive their produce.
  for (const s of d.stash) if (DRAFT.isDraft(s)) expect(() => Object.keys(s as object)).toThrow(/after its produce\(\) returned/);
  return { nextI: i.next, nextD: d.next };
}

function checkPatches(base: unknown, ops: readonly Op[]): void {
  let next: unknown, patches: immer.Patch[] = [], inverse: immer.Patch[] = [];
  try {
    [next, patches, inverse] = draft.produceWithPatches(base, (d) => { runRecipe(DRAFT, d, ops, []); });
  } catch { return; }
  expect(ser(next)).toBe(ser(draft.produce(base, (d) => { runRecipe(DRAFT, d, ops, []); })));
  if (next === base) expect(patches).toEqual([]);
  // Key order after a patch replay may differ (a removed then re-added key moves to the end).
  expect(ser(immer.applyPatches(base as object, patches), true)).toBe(ser(next, true));
  expect(ser(immer.applyPatches(next as object, inverse), true)).toBe(ser(base, true));
  for (const p of [...patches, ...inverse]) {
    expect(p.path.length).toBeGreaterThan(0);
    if (p.op === 'remove') expect('value' in p).toBe(false);
  }
}

describe('draft engine vs immer', () => {
  it('random recipes on frozen bases: same observations, results, sharing; frozen results; untouched bases', () => {
    fc.assert(fc.property(baseArb, recipeArb, (tree, ops) => {
      const base = deepFreeze(tree);
      compareStep(base, base, ops);
    }), runs(3000));
  });

  it('random recipes on unfrozen bases (both engines freeze what they share)', () => {
    // original() and current() would hand the recipe nodes of the (mutable) base itself.
    const ownValues = (ops: readonly Op[]) => !JSON.stringify(ops).match(/"t":"(original|current)"/);
    fc.assert(fc.property(baseArb, recipeArb.filter(ownValues), (tree, ops) => {
      const bi = clone(tree), bd = clone(tree);
      const i = apply(IMMER, bi, ops), d = apply(DRAFT, bd, ops);
      expect(d.threw).toBe(i.threw);
      expect(d.trace).toEqual(i.trace);
      expect(ser(d.next)).toBe(ser(i.next));
      expect(unfrozen(d.next)).toBeUndefined();
      expect(Object.isFrozen(bd)).toBe(Object.isFrozen(bi));
    }), runs(1000));
  });

  it('chains of recipes (each result the next base), revisiting older states as time travel does', () => {
    fc.assert(fc.property(baseArb, fc.array(recipeArb, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 3 }), (tree, recipes, revisits) => {
      const base = deepFreeze(tree);
      const statesI = [base], statesD: unknown[] = [base];
      for (const ops of recipes) {
        const { nextI, nextD } = compareStep(statesI.at(-1), statesD.at(-1), ops);
        if (nextI === undefined) return;
        statesI.push(nextI as Record<string, unknown>);
        statesD.push(nextD);
      }
      for (const r of revisits) {
        const at = r % statesI.length;
        compareStep(statesI[at], statesD[at], recipes[r % recipes.length]);
      }
    }), runs(600));
  });

  it('patches replay through immer.applyPatches in both directions', () => {
    fc.assert(fc.property(baseArb, recipeArb, (tree, ops) => {
      checkPatches(deepFreeze(tree), ops);
    }), runs(3000));
  });

  it('patches along chains of recipes', () => {
    fc.assert(fc.property(baseArb, fc.array(recipeArb, { minLength: 1, maxLength: 5 }), (tree, recipes) => {
      let s: unknown = deepFreeze(tree);
      for (const ops of recipes) {
        checkPatches(s, ops);
        s = draft.produce(s, (d) => { runRecipe(DRAFT, d, ops, []); });
      }
    }), runs(500));
  });
});
