// peek(node, key) (and peekPath(node, keys, n), nested peeks in one call) reads a draft without its Proxy: after any recipe, along any path, it must see
// what reading through the draft sees (with integer-like keys given as numbers or strings), make
// no draft, and work on plain (frozen or not) values too.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as draft from '../../src/draft/index.ts';
import { baseArb, deepFreeze, keyArb, primArb, recipeArb, runRecipe, ser, type Engine } from './model.ts';

const DRAFT: Engine = draft as unknown as Engine;
const pathArb = fc.array(fc.tuple(keyArb, fc.boolean()), { minLength: 1, maxLength: 4 });
/** An integer-like key as a number (as reducers pass ids), or as it is. */
const asKey = (k: string, numeric: boolean): PropertyKey => (numeric && /^(0|[1-9]\d*)$/.test(k) && +k < 2 ** 32 - 1 ? +k : k);

describe('peek', () => {
  it('sees what the draft sees, along any path, after any recipe', () => {
    fc.assert(fc.property(baseArb, recipeArb, fc.array(pathArb, { minLength: 1, maxLength: 6 }), (base, ops, paths) => {
      deepFreeze(base);
      try {
        draft.produce(base, (d) => {
          runRecipe(DRAFT, d, ops, []);
          for (const path of paths) {
            let viaProxy: any = d, viaPeek: any = d;
            for (const [k, numeric] of path) {
              viaProxy = typeof viaProxy === 'object' && viaProxy !== null ? viaProxy[k] : undefined;
              viaPeek = typeof viaPeek === 'object' && viaPeek !== null ? draft.peek(viaPeek, asKey(k, numeric)) : undefined;
            }
            expect(ser(viaPeek)).toBe(ser(viaProxy));
            // peekPath over the whole path answers what nested peek() calls answer (the same node or draft).
            const keys = path.map(([k, numeric]) => asKey(k, numeric));
            const nested = keys.reduce((v: any, k) => draft.peek(v, k as never), d);
            expect(draft.peekPath(d, keys, keys.length)).toBe(nested);
            expect(draft.peekPath(d, keys, 1)).toBe(draft.peek(d, keys[0] as never));
          }
        });
      } catch (e) {
        if (!(e instanceof TypeError)) throw e; // a recipe the engine refuses (as immer does) says nothing of peek
      }
    }), { numRuns: 600, seed: 21 });
  });

  it('makes no draft when it reads through an unmodified node, and reads plain values as they are', () => {
    const base = deepFreeze({ procs: { 100: { fds: { 3: { kind: 'map', id: 7 } } } } });
    draft.produce(base, (d: any) => {
      const entry = draft.peek(draft.peek(draft.peek(draft.peek(d, 'procs'), 100), 'fds'), 3);
      expect(entry).toBe(base.procs[100].fds[3]); // the base node itself, not a draft
      expect(draft.isDraft(entry)).toBe(false);
      d.procs[100].fds[4] = { kind: 'prog', id: 1 };
      expect(draft.peek(draft.peek(draft.peek(draft.peek(d, 'procs'), 100), 'fds'), 4)).toEqual({ kind: 'prog', id: 1 });
    });
    expect(draft.peek({ 5: 'x' }, 5)).toBe('x');
    expect(draft.peek(undefined, 'a')).toBeUndefined();
  });

  it('assign and remove do what writing and deleting through the draft do, on any node of any path', () => {
    const opArb = fc.tuple(fc.array(keyArb, { maxLength: 2 }), keyArb, fc.option(primArb, { nil: undefined }), fc.boolean());
    fc.assert(fc.property(baseArb, fc.array(opArb, { maxLength: 8 }), (base, ops) => {
      deepFreeze(base);
      const run = (direct: boolean) => {
        try {
          return ser(draft.produce(base, (d: any) => {
            for (const [path, k, v, numeric] of ops) {
              let node = d;
              for (const p of path) node = node !== null && typeof node === 'object' ? node[p] : undefined;
              if (node === null || typeof node !== 'object') continue;
              const key = asKey(k, numeric) as never;
              if (direct) { if (v === undefined) draft.remove(node, key); else draft.assign(node, key, v as never); }
              else if (v === undefined) delete node[k];
              else node[k] = v;
            }
          }), true);
        } catch (e) {
          if (!(e instanceof TypeError)) throw e;
          return `TypeError ${(e as Error).message}`;
        }
      };
      expect(run(true)).toBe(run(false));
    }), { numRuns: 600, seed: 22 });
  });

  it('view gives the primitive fields a draft answers, along any path, after any recipe', () => {
    fc.assert(fc.property(baseArb, recipeArb, fc.array(fc.array(keyArb, { maxLength: 3 }), { minLength: 1, maxLength: 6 }), (base, ops, paths) => {
      deepFreeze(base);
      try {
        draft.produce(base, (d) => {
          runRecipe(DRAFT, d, ops, []);
          for (const path of paths) {
            let node: any = d;
            for (const k of path) if (node !== null && typeof node === 'object') node = node[k];
            if (node === null || typeof node !== 'object') continue;
            const v = draft.view(node);
            expect(draft.isDraft(v)).toBe(false);
            expect(Object.keys(v)).toEqual(Object.keys(node));
            for (const k of Object.keys(node)) if (typeof node[k] !== 'object' || node[k] === null) expect(v[k]).toBe(node[k]);
          }
        });
      } catch (e) {
        if (!(e instanceof TypeError)) throw e;
      }
    }), { numRuns: 600, seed: 23 });
    expect(draft.view(7)).toBe(7);
  });
});
