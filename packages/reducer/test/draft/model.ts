// Random trees and random recipes, run the same way against any produce() with immer's API, for
// the differential tests of the drafting engine against immer.
import fc from 'fast-check';

export interface Engine {
  produce<T>(base: T, recipe: (d: any) => void): T;
  original(d: unknown): unknown;
  current(d: unknown): unknown;
  isDraft(d: unknown): boolean;
}

// Named and integer-like keys (1000 is past the engine's FAR_INDEX; 2**32-1 looks like one but is
// named), none of them a property of Object.prototype.
const KEYS = ['a', 'b', 'c', 'x', 'yy', '0', '1', '2', '5', '17', '100', '1000', '4294967295'] as const;
export const keyArb = fc.constantFrom(...KEYS);
// No -0: immer does not store -0 over 0 once a node is modified (its set trap compares with ===);
// the engine's handling of -0 is tested on its own.
export const primArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -3, max: 3 }).map((n) => n || 0),
  fc.constantFrom('s', 't', true, false, null, undefined, NaN, 0),
);

export type Tree = unknown;
/** Plain JSON-like trees: objects (named and integer-like keys) and arrays of small depth. */
export const treeArb: fc.Arbitrary<Tree> = fc.letrec<{ node: Tree; arr: Tree[]; obj: Record<string, Tree> }>((tie) => ({
  node: fc.oneof({ depthSize: 'small', maxDepth: 4 }, primArb, primArb, tie('arr'), tie('obj')),
  arr: fc.array(tie('node'), { maxLength: 4 }),
  obj: fc.array(fc.tuple(keyArb, tie('node')), { maxLength: 5 }).map((es) => Object.fromEntries(es)),
})).node;

/** A root object, sometimes with one subtree referenced from two places (as the kernel state shares constants). */
export const baseArb: fc.Arbitrary<Record<string, unknown>> = fc.tuple(
  fc.array(fc.tuple(keyArb, treeArb), { minLength: 1, maxLength: 6 }),
  fc.option(fc.tuple(keyArb, keyArb, fc.oneof(fc.array(treeArb, { maxLength: 3 }), fc.array(fc.tuple(keyArb, treeArb), { maxLength: 3 }).map((es) => Object.fromEntries(es))))),
).map(([es, shared]) => {
  const root: Record<string, unknown> = Object.fromEntries(es);
  if (shared) { const [k1, k2, sub] = shared; root[k1] = sub; root[k2 === k1 ? 'dup' : k2] = sub; }
  return root;
});

/** A fresh copy of a tree (shares nothing with it), preserving shared subtrees as shared. */
export function clone<T>(v: T, seen = new Map<unknown, unknown>()): T {
  if (typeof v !== 'object' || v === null) return v;
  if (seen.has(v)) return seen.get(v) as T;
  const c: any = Array.isArray(v) ? [] : {};
  seen.set(v, c);
  for (const k of Object.keys(v)) c[k] = clone((v as any)[k], seen);
  if (Array.isArray(v)) c.length = v.length;
  return c;
}

export function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze((v as any)[k]);
  }
  return v;
}

/** Serializes a value exactly (undefined, NaN, -0, key order, holes as undefined), through drafts. */
export function ser(v: unknown, sortKeys = false): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v !== 'object' || v === null) return JSON.stringify(v);
  if (Array.isArray(v)) {
    const parts: string[] = [];
    for (let i = 0; i < v.length; i++) parts.push(ser(v[i], sortKeys));
    return `[${parts.join(',')}]`;
  }
  const keys = Object.keys(v);
  if (sortKeys) keys.sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${ser((v as any)[k], sortKeys)}`).join(',')}}`;
}

type KeySel = { readonly existing: number } | { readonly key: string };
type ValSpec =
  | { readonly t: 'prim'; readonly v: unknown }
  | { readonly t: 'fresh'; readonly v: Tree }
  | { readonly t: 'ref' | 'filter' | 'map' | 'slice' | 'spread' | 'wrap' | 'original' | 'current'; readonly p: readonly number[] };
export type Op =
  | { readonly t: 'read' | 'keys' | 'pop' | 'shift' | 'reverse' | 'stash' | 'entries'; readonly p: readonly number[] }
  | { readonly t: 'set'; readonly p: readonly number[]; readonly k: KeySel; readonly v: ValSpec }
  | { readonly t: 'del' | 'inc' | 'has'; readonly p: readonly number[]; readonly k: KeySel }
  | { readonly t: 'push' | 'unshift'; readonly p: readonly number[]; readonly v: ValSpec }
  | { readonly t: 'splice'; readonly p: readonly number[]; readonly start: number; readonly del: number; readonly items: readonly ValSpec[] }
  | { readonly t: 'len'; readonly p: readonly number[]; readonly n: number }
  | { readonly t: 'viaStash'; readonly i: number; readonly k: KeySel; readonly v: ValSpec };

const pathArb = fc.array(fc.nat(7), { maxLength: 4 });
const keySelArb: fc.Arbitrary<KeySel> = fc.oneof(fc.nat(7).map((existing) => ({ existing })), keyArb.map((key) => ({ key })));
const valArb: fc.Arbitrary<ValSpec> = fc.oneof(
  { weight: 3, arbitrary: primArb.map((v) => ({ t: 'prim' as const, v })) },
  { weight: 2, arbitrary: treeArb.map((v) => ({ t: 'fresh' as const, v })) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('ref', 'filter', 'map', 'slice', 'spread', 'wrap', 'original', 'current'), pathArb).map(([t, p]) => ({ t, p }) as ValSpec) },
);
export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ t: fc.constantFrom('read', 'keys', 'entries', 'stash'), p: pathArb }) as fc.Arbitrary<Op> },
  { weight: 6, arbitrary: fc.record({ t: fc.constant('set'), p: pathArb, k: keySelArb, v: valArb }) as fc.Arbitrary<Op> },
  { weight: 3, arbitrary: fc.record({ t: fc.constantFrom('del', 'inc', 'has'), p: pathArb, k: keySelArb }) as fc.Arbitrary<Op> },
  { weight: 2, arbitrary: fc.record({ t: fc.constantFrom('push', 'unshift'), p: pathArb, v: valArb }) as fc.Arbitrary<Op> },
  { weight: 1, arbitrary: fc.record({ t: fc.constantFrom('pop', 'shift', 'reverse'), p: pathArb }) as fc.Arbitrary<Op> },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('splice'), p: pathArb, start: fc.integer({ min: -2, max: 4 }), del: fc.nat(3), items: fc.array(valArb, { maxLength: 2 }) }) as fc.Arbitrary<Op> },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('len'), p: pathArb, n: fc.nat(5) }) as fc.Arbitrary<Op> },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('viaStash'), i: fc.nat(3), k: keySelArb, v: valArb }) as fc.Arbitrary<Op> },
);
export const recipeArb = fc.array(opArb, { maxLength: 14 });

const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null;

/** Follows `p` from `root`, each step choosing among the children that are objects or arrays. */
function nav(root: any, p: readonly number[]): any {
  let node = root;
  for (const step of p) {
    const ks = Object.keys(node).filter((k) => isObj(node[k]));
    if (ks.length === 0) break;
    node = node[ks[step % ks.length]];
  }
  return node;
}

/** Whether `target` is reachable from `v` (so that storing `v` under `target` would make a cycle). */
function reaches(v: unknown, target: unknown, seen = new Set<unknown>()): boolean {
  if (!isObj(v)) return false;
  if (v === target) return true;
  if (seen.has(v)) return false;
  seen.add(v);
  return Object.keys(v).some((k) => reaches(v[k], target, seen));
}

function key(node: any, k: KeySel, forWrite: boolean): string | undefined {
  const ks = Object.keys(node);
  if (Array.isArray(node)) {
    const n = node.length + (forWrite ? 1 : 0);
    if (n === 0) return undefined;
    return String(('existing' in k ? k.existing : Number(k.key.charCodeAt(0))) % n);
  }
  if ('existing' in k) return ks.length ? ks[k.existing % ks.length] : undefined;
  return k.key;
}

/** Runs a recipe on a draft, returning a trace of everything it observed (identical for equivalent engines). */
export function runRecipe(engine: Engine, root: any, ops: readonly Op[], stash: unknown[]): string[] {
  const trace: string[] = [];
  const value = (v: ValSpec, target: unknown): { ok: boolean; v?: unknown } => {
    let out: unknown;
    switch (v.t) {
      case 'prim': return { ok: true, v: v.v };
      case 'fresh': return { ok: true, v: clone(v.v) };
      case 'ref': out = nav(root, v.p); break;
      case 'original': { const n = nav(root, v.p); out = engine.isDraft(n) ? engine.original(n) : n; break; }
      case 'current': { const n = nav(root, v.p); out = engine.isDraft(n) ? engine.current(n) : n; break; }
      case 'wrap': out = { w: nav(root, v.p) }; break;
      default: {
        const n = nav(root, v.p);
        if (!Array.isArray(n)) return { ok: false };
        out = v.t === 'filter' ? n.filter((_, i) => i % 2 === 0) : v.t === 'map' ? n.map((x) => x) : v.t === 'slice' ? n.slice(1) : [...n];
      }
    }
    return reaches(out, target) ? { ok: false } : { ok: true, v: out };
  };
  for (const op of ops) {
    const node = op.t === 'viaStash' ? stash[op.i % Math.max(stash.length, 1)] : nav(root, op.p);
    if (!isObj(node)) { trace.push('skip'); continue; }
    if (Object.isFrozen(node)) { trace.push('frozen'); continue; }
    try {
      switch (op.t) {
        case 'read': trace.push(ser(node)); break;
        case 'keys': trace.push(Object.keys(node).join(',') + '|' + ('length' in node ? node.length : '')); break;
        case 'entries': trace.push(ser(Object.entries(node)) + ser({ ...node }) + Object.values(node).length); break;
        case 'stash': stash.push(node); trace.push('stash'); break;
        case 'has': { const k = key(node, op.k, false); trace.push(String(k !== undefined && k in node)); break; }
        case 'set': case 'viaStash': {
          const k = key(node, op.k, true);
          const v = value(op.v, node);
          if (k === undefined || !v.ok) { trace.push('skip'); break; }
          node[k] = v.v;
          trace.push(`set ${k}`);
          break;
        }
        case 'del': {
          const k = key(node, op.k, false);
          if (k === undefined) { trace.push('skip'); break; }
          trace.push(`del ${k} ${String(delete node[k])}`);
          break;
        }
        case 'inc': {
          const k = key(node, op.k, false);
          if (k === undefined || typeof node[k] !== 'number') { trace.push('skip'); break; }
          node[k]++;
          trace.push(`inc ${k}`);
          break;
        }
        case 'push': case 'unshift': {
          const v = value(op.v, node);
          if (!Array.isArray(node) || !v.ok) { trace.push('skip'); break; }
          trace.push(`${op.t} ${op.t === 'push' ? node.push(v.v) : node.unshift(v.v)}`);
          break;
        }
        case 'pop': case 'shift': case 'reverse': {
          if (!Array.isArray(node)) { trace.push('skip'); break; }
          const r = op.t === 'pop' ? node.pop() : op.t === 'shift' ? node.shift() : node.reverse();
          trace.push(`${op.t} ${op.t === 'reverse' ? '' : ser(r)}`);
          break;
        }
        case 'splice': {
          if (!Array.isArray(node)) { trace.push('skip'); break; }
          const items = op.items.map((i) => value(i, node));
          if (items.some((i) => !i.ok)) { trace.push('skip'); break; }
          trace.push(`splice ${ser(node.splice(op.start, op.del, ...items.map((i) => i.v)))}`);
          break;
        }
        case 'len': {
          if (!Array.isArray(node)) { trace.push('skip'); break; }
          node.length = op.n;
          trace.push(`len ${op.n}`);
          break;
        }
      }
    } catch (e) {
      trace.push(`threw ${(e as Error).constructor.name}`);
    }
  }
  trace.push(ser(root));
  return trace;
}

/** Applies `f` to each (path, a, b, c) where all three trees have an object at `path`. */
export function walk3(a: unknown, b: unknown, c: unknown, f: (path: string, a: object, b: object, c: object) => void, path = ''): void {
  if (!isObj(a) || !isObj(b) || !isObj(c)) return;
  f(path, a, b, c);
  for (const k of Object.keys(b)) if (k in a && k in c) walk3(a[k], b[k], c[k], f, `${path}/${k}`);
}

/** The first object reachable from `v` that is not frozen, by path, or undefined. */
export function unfrozen(v: unknown, path = '', seen = new Set<unknown>()): string | undefined {
  if (!isObj(v) || seen.has(v)) return undefined;
  seen.add(v);
  if (!Object.isFrozen(v)) return path || '/';
  for (const k of Object.keys(v)) {
    const r = unfrozen(v[k], `${path}/${k}`, seen);
    if (r !== undefined) return r;
  }
  return undefined;
}
