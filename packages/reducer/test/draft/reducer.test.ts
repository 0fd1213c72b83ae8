// The reducer itself, folded once with its drafting engine and once with immer's produce standing
// in for it (a module mock local to this test): the same events must give the same states,
// results, structural sharing and patches, on random event streams and on the benchmark workload.
import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import * as immer from 'immer';
import type { Event } from '@bpfsim/events';
import * as draft from '../../src/draft/index.ts';
import { eventArb } from '../arbitraries.ts';
import { cycle } from '../../../../bench/workload.ts';
import { ser, unfrozen, walk3 } from './model.ts';

immer.enablePatches();

type Reducer = typeof import('../../src/index.ts');

let draftProduces = 0;
function produceCounting<T>(base: T, recipe: (d: draft.Draft<T>) => void): T {
  draftProduces++;
  return draft.produce(base, recipe);
}

/** The patches of the last produce() of the reducer loaded with mode 'patches'. */
let last: { patches: immer.Patch[]; inverse: immer.Patch[] } = { patches: [], inverse: [] };
function producePatching<T>(base: T, recipe: (d: draft.Draft<T>) => void): T {
  const [next, patches, inverse] = draft.produceWithPatches(base, recipe);
  last = { patches, inverse };
  return next;
}

const ENGINE = '../../src/draft/index.ts';

async function loadReducer(mode: 'immer' | 'draft' | 'patches'): Promise<Reducer> {
  vi.resetModules();
  const produce = mode === 'immer' ? immer.produce : mode === 'draft' ? produceCounting : producePatching;
  const freeze = mode === 'immer' ? immer.freeze : draft.freeze;
  vi.doMock(ENGINE, async (orig) => ({ ...(await orig<typeof draft>()), produce, freeze }));
  return await import('../../src/index.ts');
}

const withImmer = await loadReducer('immer');
const withDraft = await loadReducer('draft');
const withPatches = await loadReducer('patches');
vi.doUnmock(ENGINE);

function runBoth(events: readonly Event[], seed = 0) {
  let a = withImmer.initialState(seed), b = withDraft.initialState(seed);
  expect(ser(b)).toBe(ser(a));
  for (const [i, e] of events.entries()) {
    const ra = withImmer.fold(a, e), rb = withDraft.fold(b, e);
    expect(rb.result, `result of event ${i}`).toEqual(ra.result);
    expect(ser(rb.state), `state after event ${i}`).toBe(ser(ra.state));
    const sharedA: string[] = [], sharedB: string[] = [];
    walk3(a, ra.state, a, (p, x, y) => { if (x === y) sharedA.push(p); });
    walk3(b, rb.state, b, (p, x, y) => { if (x === y) sharedB.push(p); });
    expect(sharedB, `sharing after event ${i}`).toEqual(sharedA);
    expect(unfrozen(rb.state)).toBeUndefined();
    a = ra.state;
    b = rb.state;
  }
  return b;
}

/**
 * immer cannot store a key "__proto__" (its set trap assigns, which sets the prototype; it then
 * refuses setPrototypeOf on a draft), nor apply a patch through one: event streams compared with
 * immer leave out pins and directories of that name (test/core/bpffs-names.test.ts covers them).
 */
const immerCanFold = (e: Event) => !('pathname' in e && e.pathname === '/sys/fs/bpf/__proto__')
  && !(e.kind === 'bpf' && (e.attr as { pathname?: unknown }).pathname === '/sys/fs/bpf/__proto__');
const immerEventArb = eventArb.filter(immerCanFold);

describe('the reducer on the drafting engine', () => {
  it('is checked against the immer one (the mock took)', () => {
    const before = draftProduces;
    withDraft.fold(withDraft.initialState(0), { kind: 'close', pid: 100, fd: 3 });
    expect(draftProduces).toBe(before + 1);
    withImmer.fold(withImmer.initialState(0), { kind: 'close', pid: 100, fd: 3 });
    expect(draftProduces).toBe(before + 1);
  });

  it('folds random event streams exactly as with immer', () => {
    fc.assert(fc.property(fc.array(immerEventArb, { maxLength: 60 }), fc.integer(), (events, seed) => {
      runBoth(events, seed);
    }), { numRuns: 300 });
  });

  it('folds the benchmark workload exactly as with immer', () => {
    runBoth([0, 1, 2].flatMap((c) => cycle(c)));
  });

  it('gives patches that step a folded trace back and forth', () => {
    fc.assert(fc.property(fc.array(immerEventArb, { maxLength: 40 }), (events) => {
      let s = withPatches.initialState(0), plain = withDraft.initialState(0);
      for (const e of events) {
        last = { patches: [], inverse: [] }; // read-only commands open no draft
        const next = withPatches.fold(s, e).state;
        plain = withDraft.fold(plain, e).state;
        expect(ser(next)).toBe(ser(plain));
        if (next === s) expect(last.patches).toEqual([]);
        expect(ser(immer.applyPatches(s, last.patches), true)).toBe(ser(next, true));
        expect(ser(immer.applyPatches(next, last.inverse), true)).toBe(ser(s, true));
        s = next;
      }
    }), { numRuns: 150 });
  });
});
