// The drafting engine's API, case by case: what the reducer does with drafts, copy-on-write
// (reads copy nothing, a write copies its path once), freezing, revocation, patches.
import { describe, expect, it } from 'vitest';
import * as immer from 'immer';
import { current, freeze, isDraft, keys, original, produce, produceWithPatches, type Patch } from '../../src/draft/index.ts';
import { ser, unfrozen } from './model.ts';
import type { S } from '../../src/core/draft.ts';
import { initialState } from '../../src/index.ts';

immer.enablePatches();

const base = () => freeze({
  rng: 1,
  procs: { 100: { pid: 100, fds: { 0: { kind: 'file', id: 0 }, 3: { kind: 'map', id: 1 } } } } as Record<number, { pid: number; fds: Record<number, { kind: string; id: number }> }>,
  maps: { 1: { id: 1, refs: 1, map_ids: [] as number[], data: { buckets: { 5: [['k', 'v']] } as Record<number, string[][]> } } } as Record<number, any>,
  list: [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }],
  named: { a: 1, b: { c: 2 } },
}, true);

function roundTrip<T extends object>(b: T, patches: Patch[], inverse: Patch[], next: T) {
  expect(ser(immer.applyPatches(b, patches), true)).toBe(ser(next, true));
  expect(ser(immer.applyPatches(next, inverse), true)).toBe(ser(b, true));
}

/** A frozen tree whose objects below the root count how often their keys are enumerated, as
 *  every copy of an object does. (Not the root: produce asks the root whether it is frozen.) */
function counted<T>(v: T, counts: Map<string, number>, path = ''): T {
  if (typeof v !== 'object' || v === null) return v;
  const target: any = Array.isArray(v) ? [] : {};
  for (const k of Object.keys(v)) target[k] = counted((v as any)[k], counts, `${path}/${k}`);
  Object.freeze(target);
  if (path === '' || Array.isArray(v)) return target;
  return new Proxy(target, {
    ownKeys(t) { counts.set(path, (counts.get(path) ?? 0) + 1); return Reflect.ownKeys(t); },
  });
}

describe('produce', () => {
  it('returns the base itself when the recipe only reads, or writes back what is there', () => {
    const s = base();
    expect(produce(s, (d) => { void d.procs[100].fds[3].id; void Object.keys(d.maps[1]); void [...d.list]; })).toBe(s);
    expect(produce(s, (d) => { d.rng = 1; d.named.b = d.named.b; d.procs[100].fds[3] = original(d.procs[100].fds[3])!; })).toBe(s);
  });

  it('copies the nodes on the written path only, shares the rest, and freezes deeply', () => {
    const s = base();
    const n = produce(s, (d) => { d.procs[100].fds[3].id = 7; });
    expect(n.procs[100].fds[3]).toEqual({ kind: 'map', id: 7 });
    expect(n).not.toBe(s);
    expect(n.procs).not.toBe(s.procs);
    expect(n.procs[100].fds[0]).toBe(s.procs[100].fds[0]);
    expect(n.maps).toBe(s.maps);
    expect(n.list).toBe(s.list);
    expect(unfrozen(n)).toBeUndefined();
    expect(s.procs[100].fds[3].id).toBe(1);
  });

  it('reads copy nothing; a write copies each node of its path once, however many writes', () => {
    const counts = new Map<string, number>();
    const s = counted({ a: { b: { c: 1, d: 2 }, e: [1, 2, 3] }, f: { g: 1 } }, counts);
    expect(produce(s, (d) => { void d.a.b.c; void d.a.e[1]; void d.f; void d.a.b; })).toBe(s);
    expect(counts.size).toBe(0);
    produce(s, (d) => { d.a.b.c = 5; });
    const once = Object.fromEntries(counts);
    expect(Object.keys(once).sort()).toEqual(['/a', '/a/b']);
    counts.clear();
    const n = produce(s, (d) => { d.a.b.c = 5; d.a.b.d = 6; d.a.b.c++; d.a.e.push(4); d.a.e[0] = 0; void d.f; d.a.b.c++; });
    expect(Object.fromEntries(counts)).toEqual(once);
    expect(n).toEqual({ a: { b: { c: 7, d: 6 }, e: [0, 2, 3, 4] }, f: { g: 1 } });
  });

  it('deep-freezes values stored into the draft, in place (as immer)', () => {
    const payload = { insns: [{ code: 1 }], meta: { x: [1] } };
    const n = produce(base(), (d) => { (d.maps[1] as any).extra = payload; });
    expect(n.maps[1].extra).toBe(payload);
    expect(unfrozen(n)).toBeUndefined();
    expect(Object.isFrozen(payload.insns[0])).toBe(true);
  });

  it('resolves drafts stored inside new values to their final values', () => {
    const s = base();
    const n: any = produce(s, (d: any) => {
      d.moved = d.named.b;                       // unchanged: the base node itself
      d.named.b.c = 3;                           // ...changed afterwards: the final node
      d.wrapped = { inner: d.procs[100], list: [d.list[0]] };
      d.list.push(d.list[1]);
      d.filtered = d.list.filter((x: { n: number }) => x.n % 2 === 1);
      d.spread = [...d.list.slice(0, 2), { n: 9 }];
      d.list[0].n = 10;
    });
    expect(n.moved).toBe(n.named.b);
    expect(n.named.b).toEqual({ c: 3 });
    expect(n.wrapped.inner).toBe(s.procs[100]);
    expect(n.list[5]).toBe(s.list[1]);
    expect(n.filtered).toEqual([{ n: 10 }, { n: 3 }, { n: 5 }]);
    expect(n.filtered[0]).toBe(n.list[0]);
    expect(n.spread[1]).toBe(s.list[1]);
    expect(unfrozen(n)).toBeUndefined();
    expect(ser(n).includes('Proxy')).toBe(false);
    expect(isDraft(n.filtered[0])).toBe(false);
  });

  it('supports what the reducer does with drafts', () => {
    const s = base();
    const n = produce(s, (d) => {
      // unref(): read an object, delete it from its table, keep reading it.
      const m = d.maps[1];
      m.refs--;
      delete d.maps[1];
      expect(m.refs).toBe(0);
      expect([...m.map_ids]).toEqual([]);
      // proc(): store a new object, read it back, mutate it (it is not a draft).
      d.procs[101] = { pid: 101, fds: { 0: d.procs[100].fds[0] } };
      const p = d.procs[101];
      p.fds[1] = p.fds[0];
      expect(isDraft(p)).toBe(false);
      // hashUpdate(): findIndex / filter on a draft array, spread into a new array stored back.
      const bucket = s.maps[1].data.buckets[5];
      void bucket;
      // allocId()-like read-modify-write, `in`, Object.keys on tables with integer keys.
      d.rng++;
      expect(100 in d.procs).toBe(true);
      expect(Object.keys(d.procs)).toEqual(['100', '101']);
      expect(Object.entries(d.procs[100].fds).map(([k, v]) => [k, v.kind])).toEqual([['0', 'file'], ['3', 'map']]);
    });
    expect(n.maps).toEqual({});
    expect(n.procs[101].fds[1]).toBe(s.procs[100].fds[0]);
    expect(n.rng).toBe(2);
  });

  it('updates a hash bucket the way maps/hash.ts does', () => {
    const s = base();
    const update = (key: string, value: string) => produce(s, (d) => {
      const data = d.maps[1].data;
      const list: string[][] = data.buckets[5] ?? [];
      const at = list.findIndex((e) => e[0] === key);
      const rest = at >= 0 ? list.filter((_, i) => i !== at) : list;
      data.buckets[5] = [[key, value], ...rest];
    });
    const n1 = update('k', 'w');
    expect(n1.maps[1].data.buckets[5]).toEqual([['k', 'w']]);
    const n2 = update('j', 'x');
    expect(n2.maps[1].data.buckets[5]).toEqual([['j', 'x'], ['k', 'v']]);
    expect(n2.maps[1].data.buckets[5][1]).toBe(s.maps[1].data.buckets[5][0]);
    expect(unfrozen(n2)).toBeUndefined();
  });

  it('supports the array operations the reducer uses', () => {
    const s = base();
    const seen: unknown[] = [];
    const n = produce(s, (d) => {
      const l = d.list;
      seen.push(l.length, l.find((x) => x.n === 2)?.n, l.findIndex((x) => x.n === 3), l.includes(l[1]), l.indexOf(l[4]),
        l.map((x) => x.n).join(), l.slice(1, 3).length, Array.isArray(l), [...l].length);
      for (const x of l) seen.push(x.n);
      l.splice(1, 2, { n: 20 });
      l.push({ n: 6 });
      l.length = 4;
      l[0].n = 0;
    });
    expect(seen).toEqual([5, 2, 2, true, 4, '1,2,3,4,5', 2, true, 5, 1, 2, 3, 4, 5]);
    expect(n.list).toEqual([{ n: 0 }, { n: 20 }, { n: 4 }, { n: 5 }]);
    expect(n.list[2]).toBe(s.list[3]);
  });

  it('supports object reflection: in, keys, entries, values, spread, for-in', () => {
    const s = base();
    produce(s, (d) => {
      d.named.a = 5;
      delete (d.named as any).b;
      (d.named as any).z = 1;
      expect('b' in d.named).toBe(false);
      expect(Object.keys(d.named)).toEqual(['a', 'z']);
      expect(Object.values(d.named)).toEqual([5, 1]);
      expect({ ...d.named }).toEqual({ a: 5, z: 1 });
      const ks: string[] = [];
      for (const k in d.procs[100].fds) ks.push(k);
      expect(ks).toEqual(['0', '3']);
      expect(Object.getPrototypeOf(d.named)).toBe(Object.prototype);
    });
  });

  it('replaces the root with a returned value, and refuses a returned value after modifying', () => {
    const s = base();
    const n = produce(s, (d) => ({ ...d, rng: 9 }) as typeof d);
    expect(n.rng).toBe(9);
    expect(n.procs).toBe(s.procs);
    expect(Object.isFrozen(n)).toBe(true);
    expect(() => produce(s, (d) => { d.rng = 2; return { ...d }; })).toThrow(/returned a new value/);
    expect(produce(5, (x) => x + 1)).toBe(6);
  });

  it('stores -0 over 0 (immer does not, once the node is modified)', () => {
    const n = produce(freeze({ a: 0, b: 1 }), (d) => { d.b = 2; d.a = -0; });
    expect(Object.is(n.a, -0)).toBe(true);
  });

  it('keeps holes in arrays as holes', () => {
    const s = freeze([1, , 3], true); // eslint-disable-line no-sparse-arrays
    const n = produce(s, (d) => { d.push(4); });
    expect(1 in n).toBe(false);
    expect(n.length).toBe(4);
  });

  it('copies objects with any key: integer-like, mixed, quotes, __proto__ as an own key', () => {
    const odd = JSON.parse('{"__proto__": 1, "a\\"b": 2, "line\\nbreak": 3, "é": 4}');
    let s = freeze({ odd, mixed: { 0: 'a', 7: 'b', x: 'c' }, big: { 4000000000: 1, 5: 2 } }, true);
    for (let i = 0; i < 6; i++) {
      s = produce(s, (d: any) => { d.odd['a"b']++; d.mixed[7] += '!'; d.mixed.y = i; d.big[4000000000]++; });
    }
    expect(Object.getPrototypeOf(s.odd)).toBe(Object.prototype);
    expect(Object.keys(s.odd)).toEqual(['__proto__', 'a"b', 'line\nbreak', 'é']);
    expect(s.odd['a"b']).toBe(8);
    expect(s.mixed).toEqual({ 0: 'a', 7: 'b!!!!!!', x: 'c', y: 5 });
    expect(s.big).toEqual({ 5: 2, 4000000000: 7 });
    expect(unfrozen(s)).toBeUndefined();
  });

  it('gives correct results when an older state is produced from again (time travel)', () => {
    const s0 = freeze({ t: { 1: 'a', 2: 'b' } as Record<number, string> }, true);
    const s1 = produce(s0, (d) => { d.t[3] = 'c'; });
    const s2 = produce(s1, (d) => { d.t[4] = 'd'; });
    const s2b = produce(s1, (d) => { d.t[5] = 'e'; });
    const s3 = produce(s2, (d) => { delete d.t[1]; });
    expect(s1.t).toEqual({ 1: 'a', 2: 'b', 3: 'c' });
    expect(s2.t).toEqual({ 1: 'a', 2: 'b', 3: 'c', 4: 'd' });
    expect(s2b.t).toEqual({ 1: 'a', 2: 'b', 3: 'c', 5: 'e' });
    expect(s3.t).toEqual({ 2: 'b', 3: 'c', 4: 'd' });
  });
});

describe('drafts after produce', () => {
  it('throw a clear error on any use', () => {
    let leaked: any;
    produce(base(), (d) => { leaked = d.procs[100]; });
    expect(() => leaked.pid).toThrow(/after its produce\(\) returned/);
    expect(() => { leaked.pid = 1; }).toThrow(/after its produce\(\) returned/);
    expect(() => { delete leaked.pid; }).toThrow(/after its produce\(\) returned/);
    expect(() => Object.keys(leaked)).toThrow(/after its produce\(\) returned/);
    expect(() => 'pid' in leaked).toThrow(/after its produce\(\) returned/);
    expect(() => current(leaked)).toThrow(/after its produce\(\) returned/);
    expect(isDraft(leaked)).toBe(true);
  });

  it('throw when the recipe threw, and the base is untouched', () => {
    const s = base();
    let leaked: any;
    expect(() => produce(s, (d) => { leaked = d.named; d.named.a = 2; throw new Error('boom'); })).toThrow('boom');
    expect(() => leaked.a).toThrow(/after its produce\(\) returned/);
    expect(s.named.a).toBe(1);
  });

  it('refuse to be stored inside themselves', () => {
    expect(() => produce(base(), (d: any) => { d.named.b.loop = d.named; })).toThrow(/inside itself/);
  });

  it('cannot be the base of a nested produce, nor be stored into another produce', () => {
    const s = base();
    expect(() => produce(s, (d) => { produce(d.named, (x) => { x.a = 2; }); })).toThrow(/nested produce/);
    let leaked: any;
    produce(s, (d) => { leaked = d.named; });
    expect(() => produce(s, (d: any) => { d.x = { y: leaked }; })).toThrow(/another produce/);
    // An unrelated produce inside a recipe is fine.
    expect(produce(s, (d) => { d.rng = produce(freeze({ v: 1 }), (x) => { x.v = 2; }).v; }).rng).toBe(2);
  });
});

describe('types', () => {
  it("drafts are the reducer's S (immer's Draft<KernelState>)", () => {
    const reducerStep = (s: S) => { s.rng++; return s.procs; };
    const next = produce(initialState(0), (d) => { reducerStep(d); });
    expect(next.rng).toBe(initialState(0).rng + 1);
  });
});

describe('original, current, isDraft, keys', () => {
  it('keys() lists a draft\'s current keys without its proxy', () => {
    produce(base(), (d) => {
      delete d.procs[100].fds[0];
      d.procs[100].fds[9] = { kind: 'prog', id: 1 };
      expect(keys(d.procs[100].fds)).toEqual(Object.keys(d.procs[100].fds));
      expect(keys(d.named)).toEqual(['a', 'b']);
      expect(keys({ x: 1 })).toEqual(['x']);
    });
  });

  it('answer as immer does', () => {
    const s = base();
    produce(s, (d) => {
      expect(isDraft(d)).toBe(true);
      expect(isDraft(s)).toBe(false);
      expect(isDraft(d.rng)).toBe(false);
      expect(original(d.named)).toBe(s.named);
      d.named.b.c = 9;
      const c = current(d);
      expect(isDraft(c)).toBe(false);
      expect(c.named.b.c).toBe(9);
      expect(c.procs).toBe(s.procs);
      expect(Object.isFrozen(c.named)).toBe(false);
      d.named.b.c = 10;
      expect(c.named.b.c).toBe(9);
      expect(original(d.named.b)).toBe(s.named.b);
      expect(() => original({})).toThrow(/expects a draft/);
    });
  });
});

describe('produceWithPatches', () => {
  it('gives one patch per changed property at the deepest changed node', () => {
    const s = base();
    const [n, p, ip] = produceWithPatches(s, (d) => { d.procs[100].fds[3].id = 2; d.named.a = 2; });
    expect(p).toEqual([
      { op: 'replace', path: ['procs', '100', 'fds', '3', 'id'], value: 2 },
      { op: 'replace', path: ['named', 'a'], value: 2 },
    ]);
    expect(ip).toEqual([
      { op: 'replace', path: ['procs', '100', 'fds', '3', 'id'], value: 1 },
      { op: 'replace', path: ['named', 'a'], value: 1 },
    ]);
    roundTrip(s, p, ip, n);
  });

  it('diffs arrays as prefix, middle and suffix', () => {
    const s = base();
    let [n, p, ip] = produceWithPatches(s, (d) => { d.list.splice(1, 1); });
    expect(p).toEqual([{ op: 'remove', path: ['list', 1] }]);
    expect(ip).toEqual([{ op: 'add', path: ['list', 1], value: { n: 2 } }]);
    roundTrip(s, p, ip, n);
    // Elements that moved are aligned: one insert, and the moved element's own change.
    [n, p, ip] = produceWithPatches(s, (d) => { d.list.unshift({ n: 0 }); d.list[3].n = 30; });
    expect(p).toEqual([{ op: 'add', path: ['list', 0], value: { n: 0 } }, { op: 'replace', path: ['list', 3, 'n'], value: 30 }]);
    expect(ip).toEqual([{ op: 'remove', path: ['list', 0] }, { op: 'replace', path: ['list', 2, 'n'], value: 3 }]);
    roundTrip(s, p, ip, n);
    [n, p, ip] = produceWithPatches(s, (d) => { d.list[2].n = 30; d.list.push({ n: 6 }); });
    expect(p).toEqual([{ op: 'replace', path: ['list', 2, 'n'], value: 30 }, { op: 'add', path: ['list', 5], value: { n: 6 } }]);
    roundTrip(s, p, ip, n);
  });

  it('diffs a value stored over another against it (as the reducer replaces buckets and entries)', () => {
    const s = base();
    const [n, p, ip] = produceWithPatches(s, (d) => {
      const data = d.maps[1].data;
      data.buckets[5] = [['j', 'x'], ...data.buckets[5]];
      d.procs[100] = { pid: 100, fds: { ...d.procs[100].fds, 4: { kind: 'prog', id: 2 } } };
    });
    expect(p).toEqual([
      { op: 'add', path: ['maps', '1', 'data', 'buckets', '5', 0], value: ['j', 'x'] },
      { op: 'add', path: ['procs', '100', 'fds', '4'], value: { kind: 'prog', id: 2 } },
    ]);
    expect(ip).toEqual([
      { op: 'remove', path: ['maps', '1', 'data', 'buckets', '5', 0] },
      { op: 'remove', path: ['procs', '100', 'fds', '4'] },
    ]);
    roundTrip(s, p, ip, n);
  });

  it('round-trips deletes, re-adds, moves and key order changes', () => {
    const s = base();
    const [n, p, ip] = produceWithPatches(s, (d: any) => {
      const b = d.named.b;
      delete d.named.b;
      d.named.b = 5;
      d.moved = b;
      b.c = 7;
      delete d.maps[1];
      d.maps[2] = { id: 2 };
    });
    roundTrip(s, p, ip, n);
    expect(p.every((x) => x.path.length > 0)).toBe(true);
  });

  it('gives no patches when nothing changed, a root replacement when the recipe returns a value', () => {
    const s = base();
    expect(produceWithPatches(s, (d) => { void d.named.b.c; })).toEqual([s, [], []]);
    const [n, p, ip] = produceWithPatches(s, () => freeze({ other: 1 }) as any);
    expect(p).toEqual([{ op: 'replace', path: [], value: n }]);
    expect(ip).toEqual([{ op: 'replace', path: [], value: s }]);
  });
});
