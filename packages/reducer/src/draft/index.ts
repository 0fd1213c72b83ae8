// A small copy-on-write drafting engine: a drop-in for the way the reducer uses immer's produce
// (autoFreeze on, plain objects and arrays), 8-12x faster on the reducer's shapes (bench/draft.ts)
// and ~3.5x on the fold workload of bench/fold.ts.
//
//   produce(base, recipe)             -> next state (base itself if nothing changed)
//   produceWithPatches(base, recipe)  -> [next, patches, inversePatches] in immer's patch format
//   original(draft), current(draft), isDraft(x), isDraftable(x), freeze(x, deep)  as immer's
//   keys(x)                           Object.keys of a draft without its Proxy's reflection cost
//   peek(x, key)                      x[key] for reading, without the Proxy and without making a draft
//   peekPath(x, keys, n)              x[keys[0]]...[keys[n-1]] likewise, plain reads once past the drafts
//   child(x, key)                     x[key] as the draft answers it, without the Proxy's cost for integer keys
//   assign(x, key, v), remove(x, key) x[key] = v and delete x[key] likewise
//   view(x)                           the node a draft stands for now, to read its primitive fields without the Proxy
//
// How it works: a draft is a Proxy over a frozen node. Reading copies nothing: child drafts live
// in a side table of their parent's state, not in a copy of the parent (immer shallow-copies every
// parent on the read path). The first write to a node copies it and each ancestor not yet copied,
// once per produce. At the end the copies are frozen bottom-up, with child drafts and drafts stored
// inside new values resolved; values stored into the draft are deep-frozen. Once produce returns,
// its drafts throw on any use. Patches are generated afterwards, from the finished tree (patches.ts).
//
// What V8 makes fast, measured on this machine (AMD EPYC, 2 cores, Node v20.20.2), ns per op,
// each case in its own process so that no inline cache sees other shapes:
//
//   copying a frozen object with named keys      5 keys   9 keys   12 keys
//     {...o}                                        75      132      172
//     Object.assign({}, o)                          85      118      186
//     for-in copy                                   76      149      182
//     a literal compiled for the key list            -        -       10   (44 with freeze)
//   -> named-key objects are copied by literals compiled per key list, after 3 sightings (engine.ts).
//
//   integer-like keys (element storage)          frozen 0..63  frozen 1..20  frozen 13,26..65
//     {...o}                                       7,500          2,600          890
//     for-in copy                                  2,400            960          600
//     Object.keys(o) alone                           600            250          200
//     Object.keys, then numeric reads/writes       1,380            680          410
//     {...o} of the same object NOT frozen            55             40           80
//     a keyed read o[i]                              ~5 (frozen)    ~1 (not frozen)
//   -> Enumerating element keys is what costs (each key becomes a string), and V8's bulk element
//      copy only works on unfrozen objects. So every integer-keyed node frozen here keeps an
//      unfrozen twin (a "shadow") in a bounded cache, and its next copy is the shadow itself:
//      ~170 ns for copy + write + new shadow + freeze of a 64-key node instead of ~2 us.
//   -> A spread site that once sees an object in dictionary-elements mode goes generic for good:
//      every later spread there took 1,700 ns instead of 15-20. V8 puts an object in dictionary
//      elements when an element is deleted from a sparse store (radix leaves after a hash delete),
//      or for far indexes; such nodes are published without a shadow (engine.ts). Found in the fold
//      workload, where it made the engine 3x slower than in isolation.
//   -> V8 sizes an element store by the largest index: a table {300: m} holds ~450 slots, and each
//      copy of it costs ~300 ns whatever the number of keys. (Growing ids make tables sparse.)
//      Copy + write + freeze of a one-key table, by its key: 5 -> 305 ns, 300 -> 1,100, 937 -> 4,800
//      (a ~940-slot store, its holes enumerated), 93700 -> 450 (V8 picks dictionary elements). So
//      copies of tables with a key of FAR_INDEX or more start in dictionary mode: 937 -> 570 ns
//      (fold of a hash map update with ids past 1,000: 5.4 -> 3.9 us). Dictionary elements cost
//      ~170 ns a key to copy, though: 50 live maps with ids past 320 make an update ~15 us, 200
//      ~48 us (ids below 320: 3.6 us, shadows). Only a state shape with small id-keyed nodes fixes that.
//   -> foldMany folds many events in one draft: each node is copied and frozen once per batch
//      (bench/fold.ts: ~2.5-3x the events/s of one produce per event).
//
//   Proxy traps (what any Proxy-based draft pays, immer included):
//     d.name (named key)            ~15    d[100] / d['100'] (integer-like key)   ~90-110
//       (V8 handles element keys on a Proxy in its C++ runtime, not in the inline-cache path)
//     Object.keys(d), 3 keys        ~1,700 (an ownKeys trap that V8 checks against every own key of
//       the target, then a getOwnPropertyDescriptor trap per key); the target here is a one-key
//       holder, not the ten-field state (which cost +500); keys(d) costs what Object.keys(o) does.
//     new Proxy ~13, Proxy.revocable ~20 (revocation is a per-produce flag instead).
//
//   arrays (frozen, 5 elements): [...a] 45, Array.from 45, index loop 53, a.slice() 520.
//   Object.freeze of a fresh copy: 30-60 ns (named keys, cached frozen map), 50-130 ns with elements;
//   but freezing a spread of an *unfrozen* named-key object took 660 ns (12 keys): avoided.
//   Object.isFrozen 10-25 ns; a Map get ~9 ns, set ~45 ns; WeakMap set ~230 ns and
//   Object.defineProperty of a hidden symbol property 150-250 ns (both rejected as shadow links).
//   A bigger shadow cache (8192 entries) kept old nodes alive through scavenges: 2x slower overall.
//   Under tsx every module is compiled to CommonJS, and each call or binding read into another
//   module goes through a getter: with its hot code split over three modules the engine was ~25%
//   slower on (b) of bench/draft.ts, so it is one module (engine.ts). The reducer pays the same tax
//   on its own cross-module calls when run with tsx.
//   When to freeze: at the end, bottom-up, once per new node (freezing at copy time would make the
//   copy read-only for the rest of the recipe; nothing is frozen on the read path).
//
// Differences from immer (the reducer relies on none of them; test/draft/reducer.test.ts folds it
// under both and compares states, results and sharing):
//   - Only plain objects and arrays are drafted; anything else (Map, Set, Date, class instances)
//     is a plain value: returned as is, never frozen. immer drafts Map/Set (with enableMapSet).
//   - A base whose root is frozen is taken as deeply frozen (the invariant of every result); immer
//     visits every property of every copied node to freeze what is not. A base whose root is not
//     frozen has the result deep-frozen at the end, as immer does.
//   - -0 written over 0 is kept; immer drops it once the node is modified (its set trap uses ===).
//   - Patches are minimal: a child changed in place gets patches under its path, a value written
//     over another is diffed against it, arrays are aligned (one `remove` for a splice, where
//     immer replaces every shifted index and removes the last).
//   - produce(draft, ...) (nested produce on a draft), curried produce and `nothing` are not
//     supported; storing a draft inside itself throws instead of overflowing the stack.
//   - Object.getOwnPropertyDescriptor(draft, k).value is the child's draft (immer's: the raw value).
//   - A key "__proto__" is stored as an own property, as any other key (immer's set trap assigns it,
//     which sets the prototype; a bpffs pin may be named so).
//   - isDraft() is true for a finished draft (immer's revoked proxies throw on any access).
import { currentState, deepFreeze, isDraftable, run, stateOf, type DraftState } from './engine.ts';
import { generatePatches, type Patch } from './patches.ts';

export type { Patch } from './patches.ts';
export { assign, child, isDraftable, peek, peekPath, remove, view } from './engine.ts';

type PrimitiveType = number | string | boolean;
type AtomicObject = Function | Promise<any> | Date | RegExp;
type IfAvailable<T, Fallback = void> = true | false extends (T extends never ? true : false) ? Fallback : keyof T extends never ? Fallback : T;
type WeakReferences = IfAvailable<WeakMap<any, any>> | IfAvailable<WeakSet<any>>;
export type WritableDraft<T> = { -readonly [K in keyof T]: Draft<T[K]> };
/** The mutable view of a readonly type (immer's Draft). */
export type Draft<T> = T extends PrimitiveType ? T : T extends AtomicObject ? T
  : T extends ReadonlyMap<infer K, infer V> ? Map<Draft<K>, Draft<V>> : T extends ReadonlySet<infer V> ? Set<Draft<V>>
  : T extends WeakReferences ? T : T extends object ? WritableDraft<T> : T;

export type Recipe<T> = (draft: Draft<T>) => Draft<T> | void | undefined;

/**
 * Runs `recipe` on a draft of `base` and returns the next state: `base` itself if nothing changed,
 * else new frozen nodes along the changed paths sharing every unchanged node with `base`.
 */
export function produce<T>(base: T, recipe: Recipe<T>): T {
  return run(base, recipe, null);
}

/** produce(), with the patches from `base` to the result and the inverse patches back, in immer's format. */
export function produceWithPatches<T>(base: T, recipe: Recipe<T>): [T, Patch[], Patch[]] {
  const patches: Patch[] = [], inverse: Patch[] = [];
  const next = run(base, recipe, (root: DraftState, replacement) => {
    if (replacement === null) generatePatches(root, [], patches, inverse);
    else if (replacement.value !== base) {
      patches.push({ op: 'replace', path: [], value: replacement.value });
      inverse.push({ op: 'replace', path: [], value: base });
    }
  });
  return [next, patches, inverse];
}

/** Whether `value` is a draft (of a live or finished produce). */
export function isDraft(value: unknown): boolean {
  return stateOf(value) !== undefined;
}

function liveState(value: unknown, fn: string) {
  const s = stateOf(value);
  if (s === undefined) throw new TypeError(`bpfsim draft: ${fn}() expects a draft, got ${value === null ? 'null' : typeof value}`);
  if (!s.scope.live) throw new TypeError(`bpfsim draft: cannot call ${fn}() on a draft after its produce() returned`);
  return s;
}

/** The node a draft was made from. */
export function original<T>(draft: T): T {
  return liveState(draft, 'original').base;
}

/** A snapshot of a draft's current value, not frozen, free of drafts. */
export function current<T>(draft: T): T {
  return currentState(liveState(draft, 'current'));
}

/**
 * Object.keys(value), for a draft without going through its Proxy: the keys of the node it
 * currently stands for. Object.keys on a Proxy costs ~0.8 us plus ~0.2 us a key in V8 (an ownKeys
 * trap, then a getOwnPropertyDescriptor trap per key); this costs what Object.keys on a plain
 * object does.
 */
export function keys(value: object): string[] {
  const s = stateOf(value);
  if (s === undefined) return Object.keys(value);
  if (!s.scope.live) throw new TypeError('bpfsim draft: cannot call keys() on a draft after its produce() returned');
  return Object.keys(s.copy === null ? s.base : s.copy);
}

/** Freezes `value` (deeply with `deep`), as immer's freeze; returns it. */
export function freeze<T>(value: T, deep = false): T {
  if (stateOf(value) !== undefined) return value;
  if (deep) deepFreeze(value);
  else if (isDraftable(value)) Object.freeze(value);
  return value;
}
