// The drafting engine: copies and freezing of nodes, the drafts (proxies over frozen nodes that
// copy a node on its first write), the produce loop, and the finalization that turns a finished
// draft tree back into frozen nodes. One module on purpose: under tsx each module is compiled to
// CommonJS, where every call or binding read across modules goes through a getter; splitting
// this hot code over three modules made a 3-level write ~25% slower.

// ---------------------------------------------------------------------------------------------
// Copies and freezing: shallow copies of frozen nodes, and freezing new ones, by the fastest means
// V8 (Node 20) offers for each kind of node (the measurements are in index.ts).
//
// - Objects with only named keys are copied by an object literal compiled for their key list (a
//   "cloner"), once a key list has been seen a few times: ~10 ns for 12 keys, where spreading a
//   frozen object takes the runtime's slow path (~10-15 ns a key).
// - Objects with integer-like keys (element storage) are the expensive case: spreading or
//   enumerating a frozen one costs 30-120 ns a key (the keys are turned into strings), but
//   spreading an *unfrozen* one copies its element store in bulk (~50 ns, whatever the size). So
//   each integer-keyed node this engine freezes gets an unfrozen twin (its "shadow") in a bounded
//   cache; the next write to that node takes the shadow as its copy.
//   One spread site must never see an object in dictionary-elements mode: V8's clone IC then goes
//   generic for good, and every spread there costs ~1.7 us. V8 switches an object to dictionary
//   elements when an element is deleted from a sparse store, or when a store would grow sparse past
//   500 slots (an index of ~330 or more); so nodes that had an integer key deleted, or hold one of
//   320 or more, are published as they are, without a shadow (their next copy enumerates their keys).
// - Arrays are copied by a push loop (spread and Array.from are as fast; slice is slow on frozen arrays).
//
// The caches here change speed, never results: a cloner copies exactly the keys of its key list,
// and a shadow is an exact unfrozen copy of its node that nothing outside this module can reach,
// used once (as the node's next copy). Both caches are bounded, and simply emptied when full.


/**
 * The shadows of recently frozen integer-keyed nodes: node -> unfrozen copy with the same own
 * properties, in a ring of the last SHADOWS published, searched newest first. A Map keyed by the
 * nodes cost more: each new frozen key needs an identity hash made (~5% of a one-event fold), and
 * a miss (every named-key node copied asks) is no cheaper than this scan. A miss scans the whole
 * ring, so it is small: a node's shadow is taken by its next write, a few publishes later (64
 * slots instead of 16: fuzzing ~4% slower, bench/fold.ts and bench/draft.ts no faster).
 */
const SHADOWS = 16;
const shadowNodes: (object | null)[] = new Array(SHADOWS).fill(null);
const shadowCopies: (object | null)[] = new Array(SHADOWS).fill(null);
let shadowAt = 0;

function rememberShadow(node: object, shadow: object): void {
  shadowNodes[shadowAt] = node;
  shadowCopies[shadowAt] = shadow;
  shadowAt = (shadowAt + 1) & (SHADOWS - 1);
}

/** The shadow of `node`, forgotten as it is handed out (it becomes the node's copy), or undefined. */
function takeShadow(node: object): object | undefined {
  for (let k = 1; k <= SHADOWS; k++) {
    const i = (shadowAt - k) & (SHADOWS - 1);
    if (shadowNodes[i] === node) {
      const sh = shadowCopies[i]!;
      shadowNodes[i] = shadowCopies[i] = null;
      return sh;
    }
  }
  return undefined;
}

interface Shape { readonly keys: readonly string[]; hits: number; clone: ((b: any) => any) | null }
/** Key lists seen, by first key. */
const shapes = new Map<string, Shape[]>();
let shapeCount = 0;
const MAX_SHAPES = 1024;
/** A key list gets a compiled cloner once it has been copied this many times. */
const COMPILE_AFTER = 3;
/** Key lists longer than this are copied by spread (tables, rather than records). */
const MAX_SHAPE_KEYS = 32;

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

function compile(keys: readonly string[]): ((b: any) => any) | null {
  // A literal `"__proto__": v` would set the prototype instead of defining a property.
  if (keys.includes('__proto__')) return null;
  const body = keys.map((k) => { const q = JSON.stringify(k); return `${q}: b[${q}]`; }).join(', ');
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    return new Function('b', `return { ${body} };`) as (b: any) => any;
  } catch {
    return null; // code generation from strings disallowed: spread instead
  }
}

/** Copies an object whose keys are all named (no integer-like key): `keys` is Object.keys(b). */
function copyNamed(b: any, keys: string[]): any {
  if (keys.length > MAX_SHAPE_KEYS) return { ...b };
  const first = keys[0];
  let list = shapes.get(first);
  if (list !== undefined) {
    for (let i = 0; i < list.length; i++) {
      const sh = list[i];
      if (!sameKeys(sh.keys, keys)) continue;
      if (sh.clone !== null) return sh.clone(b);
      if (++sh.hits >= COMPILE_AFTER) {
        sh.clone = compile(keys);
        if (sh.clone === null) sh.hits = -Infinity;
        else return sh.clone(b);
      }
      return { ...b };
    }
  }
  if (shapeCount >= MAX_SHAPES) {
    shapes.clear();
    shapeCount = 0;
    list = undefined;
  }
  shapeCount++;
  if (list === undefined) shapes.set(first, (list = []));
  list.push({ keys, hits: 1, clone: null });
  return { ...b };
}

/**
 * `o[k] = v` as an own data property: for "__proto__", a plain assignment would call
 * Object.prototype's setter and change `o`'s prototype instead (a bpffs pin may be named so).
 */
function setOwn(o: any, k: PropertyKey, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else o[k] = v;
}

/** Whether a property key is an array index ("0", "17", not "017" or "-1"): stored as an element. */
function isIndexKey(k: PropertyKey): boolean {
  if (typeof k !== 'string') return false;
  const n = k.length;
  if (n === 0 || n > 10) return false;
  const c0 = k.charCodeAt(0);
  if (c0 < 48 || c0 > 57) return false;
  if (c0 === 48) return n === 1;
  for (let i = 1; i < n; i++) {
    const c = k.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return n < 10 || +k <= 4294967294;
}

/** Integer-like keys from this one up may put an object in dictionary-elements mode (growing an
 *  element store to more than 500 slots may normalize it when it is sparse). */
const FAR_INDEX = 320;
/** An index far enough that storing it puts an object's elements in dictionary mode. */
const DICTIONARY_INDEX = 0x7ffffff0;

/** Copies an object with integer-like keys (maybe followed by named ones) that has no shadow. */
function copyIndexed(b: any, keys: string[]): any {
  const n = keys.length;
  const c: any = {};
  let j = 0;
  // Integer-like keys come first, ascending. Reserving the element store up to the largest one
  // avoids growing it key by key (when the keys are dense enough for a flat store).
  let last = n - 1;
  while (last > 0 && !isIndexKey(keys[last])) last--;
  const max = +keys[last];
  if (max >= FAR_INDEX) {
    copyKind |= COPY_FAR;
    // Start the copy in dictionary-elements mode: left to itself V8 gives {937: x} a flat store of
    // ~940 slots, and the copy (with Object.keys over the holes) costs 4.4 us instead of 0.6.
    c[DICTIONARY_INDEX] = 0;
    delete c[DICTIONARY_INDEX];
  } else if (max < 4 * n + 64) c[max] = undefined;
  for (; j < n; j++) {
    const k = keys[j];
    if (!isIndexKey(k)) break;
    const i = +k;
    c[i] = b[i];
  }
  for (; j < n; j++) {
    const k = keys[j];
    setOwn(c, k, b[k]);
  }
  return c;
}

/** What the last shallowObject() copied: COPY_INDEXED (integer-like keys), COPY_FAR (one of them >= FAR_INDEX). */
let copyKind = 0;
const COPY_INDEXED = 1, COPY_FAR = 2;

/** A shallow, unfrozen copy of a plain object (own enumerable string keys; prototype Object.prototype or null). */
function shallowObject(b: any): any {
  const sh = takeShadow(b);
  if (sh !== undefined) {
    // The shadow becomes the copy: nothing else refers to it. Should `b` be copied again (an
    // older state revisited), it takes the slower path below.
    copyKind = COPY_INDEXED;
    return sh;
  }
  copyKind = 0;
  const keys = Object.keys(b);
  if (Object.getPrototypeOf(b) === null) return Object.assign(Object.create(null), b);
  if (keys.length === 0) return {};
  if (isIndexKey(keys[0])) {
    copyKind = COPY_INDEXED;
    return copyIndexed(b, keys);
  }
  return copyNamed(b, keys);
}

/** A shallow, unfrozen copy of an array. */
function shallowArray(b: readonly unknown[]): unknown[] {
  const n = b.length;
  const c: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const v = b[i];
    // Holes stay holes (as immer's slice keeps them); slice itself is slow on frozen arrays.
    if (v === undefined && !(i in b)) return Array.prototype.slice.call(b);
    c.push(v);
  }
  return c;
}

/**
 * Freezes a finished copy and returns the node to publish: the copy itself; for a named-key copy
 * that had a key deleted (which leaves V8 objects in slow dictionary mode), a compact rebuild; for
 * an integer-keyed copy that is safe to spread (`indexed` and not `risky`), a compact spread,
 * keeping the copy as its shadow.
 */
function freezeObject(copy: any, indexed: boolean, risky: boolean, deletedName: boolean): any {
  let node = copy;
  if (deletedName) {
    const keys = Object.keys(copy);
    if (keys.length > 0 && keys.length <= MAX_SHAPE_KEYS && !isIndexKey(keys[0]) && Object.getPrototypeOf(copy) !== null) node = copyNamed(copy, keys);
  }
  if (indexed && !risky && Object.getPrototypeOf(node) !== null) {
    const published = Object.freeze({ ...node });
    rememberShadow(published, node);
    return published;
  }
  return Object.freeze(node);
}

// ---------------------------------------------------------------------------------------------
// Drafts

/** The property by which a draft proxy answers its state (never visible as an own key). */
export const DRAFT_STATE: unique symbol = Symbol('bpfsim.draftState');

/** One produce() call: its drafts work while `live`, and throw once it has returned. */
export class Scope {
  live = true;
}

/**
 * The state behind one draft: the frozen node it drafts (`base`), and from its first write on a
 * shallow copy (`copy`). Child drafts are kept in a side table (the first one inline, the others
 * in a Map), never in the copy: reading through a draft copies nothing. A child stays in the
 * table while the parent's property still holds the child's base, so `copy[key]` is the child's
 * base until finalization writes the child's result there.
 */
export class DraftState {
  /** The shallow copy, from the first write on; after finalization, the published node. */
  copy: any = null;
  proxy: any = null;
  k0: PropertyKey | undefined = undefined;
  c0: DraftState | undefined = undefined;
  more: Map<PropertyKey, DraftState> | null = null;
  /** Keys set or deleted since the copy was made (with repeats), in order. */
  assigned: PropertyKey[] | null = null;
  /** ARRAY | INDEXED | DELETED_NAME | FINALIZED | RISKY | FINALIZING */
  flags: number;
  constructor(
    readonly base: any,
    readonly parent: DraftState | null,
    readonly scope: Scope,
    isArray: boolean,
  ) {
    this.flags = isArray ? ARRAY : 0;
  }
}

export const ARRAY = 1;
/** The copy has integer-like keys (element storage). */
const INDEXED = 2;
/** A named (non-index) key was deleted from the copy. */
const DELETED_NAME = 4;
const FINALIZED = 8;
const FINALIZING = 32;
/** The copy may be in dictionary-elements mode: an integer-like key was deleted, or one >= FAR_INDEX is there. */
const RISKY = 16;

export function childOf(s: DraftState, prop: PropertyKey): DraftState | undefined {
  if (s.k0 === prop) return s.c0;
  const m = s.more;
  return m === null ? undefined : m.get(prop);
}

function addChild(s: DraftState, prop: PropertyKey, c: DraftState): void {
  if (s.c0 === undefined) { s.k0 = prop; s.c0 = c; return; }
  if (s.more === null) s.more = new Map();
  s.more.set(prop, c);
}

function dropChild(s: DraftState, prop: PropertyKey): void {
  if (s.k0 === prop) { s.k0 = undefined; s.c0 = undefined; return; }
  if (s.more !== null) s.more.delete(prop);
}

/** Calls `f` for each child draft in the side table. */
export function eachChild(s: DraftState, f: (key: PropertyKey, c: DraftState) => void): void {
  if (s.c0 !== undefined) f(s.k0!, s.c0);
  if (s.more !== null) for (const [k, c] of s.more) f(k, c);
}

const hasOwn = (o: object, k: PropertyKey) => Object.prototype.hasOwnProperty.call(o, k);

/** Plain objects (prototype Object.prototype or null) and arrays: the values drafts are made for. */
export function isDraftable(v: unknown): v is object {
  if (typeof v !== 'object' || v === null) return false;
  if (Array.isArray(v)) return true;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

function revoked(prop: PropertyKey): never {
  throw new TypeError(`bpfsim draft: cannot use a draft (reading or writing ${String(prop)}) after its produce() returned`);
}

export function createDraft(base: any, parent: DraftState | null, scope: Scope): DraftState {
  const isArray = Array.isArray(base);
  const s = new DraftState(base, parent, scope, isArray);
  // The proxy's target is a holder with a single own property: V8 checks the keys an ownKeys trap
  // returns against every own key of the target, and the state has ten. Arrays need an array
  // target (for Array.isArray).
  s.proxy = isArray ? new Proxy([s], arrayTraps) : new Proxy({ s }, objectTraps);
  return s;
}

/** Copies `s` and every unmodified ancestor: a write's path, each node at most once per produce. */
function markChanged(s: DraftState | null): void {
  while (s !== null && s.copy === null) {
    if ((s.flags & ARRAY) !== 0) s.copy = shallowArray(s.base);
    else {
      s.copy = shallowObject(s.base);
      if ((copyKind & COPY_INDEXED) !== 0) s.flags |= INDEXED;
      if ((copyKind & COPY_FAR) !== 0) s.flags |= RISKY;
    }
    s = s.parent;
  }
}

function recordAssigned(s: DraftState, prop: PropertyKey): void {
  const a = s.assigned;
  if (a === null) s.assigned = [prop];
  else if (a[a.length - 1] !== prop) a.push(prop);
}

function get(s: DraftState, prop: PropertyKey): any {
  if (prop === DRAFT_STATE) return s;
  if (!s.scope.live) revoked(prop);
  const copy = s.copy;
  const src = copy === null ? s.base : copy;
  const v = src[prop];
  if (typeof v !== 'object' || v === null) return v;
  const c = childOf(s, prop);
  if (c !== undefined) return handOut(c);
  // A value the recipe put there (a new object, or a draft moved here) is returned as it is.
  if (copy !== null && v !== s.base[prop]) return v;
  // The only object-valued property a plain object or array inherits is __proto__ (and symbols).
  if (typeof prop === 'symbol' || prop === '__proto__') return v;
  if (!isDraftable(v)) return v;
  const child = createDraft(v, s, s.scope);
  addChild(s, prop, child);
  return handOut(child);
}

function set(s: DraftState, prop: PropertyKey, value: unknown): void {
  if (!s.scope.live) revoked(prop);
  if ((s.flags & ARRAY) !== 0) {
    if (prop === 'length') { setLength(s, value); return; }
    if (!isIndexKey(prop)) throw new TypeError(`bpfsim draft: only array indices and 'length' can be set on an array draft, not ${String(prop)}`);
  }
  const c = childOf(s, prop);
  if (c !== undefined) {
    if (value === c.proxy) return;
    dropChild(s, prop);
    // Putting back the base of an unchanged child changes nothing (as immer).
    if (s.copy === null && value === c.base) return;
  } else {
    const src = s.copy === null ? s.base : s.copy;
    if (Object.is(src[prop], value) && (value !== undefined || hasOwn(src, prop))) return;
  }
  if (s.copy === null) markChanged(s);
  setOwn(s.copy, prop, value);
  recordAssigned(s, prop);
  if ((prop as string).length > 2 && (s.flags & ARRAY) === 0 && isIndexKey(prop) && +(prop as string) >= FAR_INDEX) s.flags |= RISKY;
}

function setLength(s: DraftState, value: unknown): void {
  const src = s.copy === null ? s.base : s.copy;
  if (src.length === value) return;
  if (s.copy === null) markChanged(s);
  s.copy.length = value;
  const n = s.copy.length as number;
  const stale: PropertyKey[] = [];
  eachChild(s, (k) => { if (+(k as string) >= n) stale.push(k); });
  for (const k of stale) dropChild(s, k);
}

function deleteProperty(s: DraftState, prop: PropertyKey): void {
  if (!s.scope.live) revoked(prop);
  if ((s.flags & ARRAY) !== 0) {
    // As immer: deleting an array element stores undefined (pop and splice then cut the length).
    if (!isIndexKey(prop)) throw new TypeError(`bpfsim draft: only array indices can be deleted from an array draft, not ${String(prop)}`);
    set(s, prop, undefined);
    return;
  }
  if (childOf(s, prop) !== undefined) dropChild(s, prop);
  const src = s.copy === null ? s.base : s.copy;
  if (!hasOwn(src, prop)) return;
  if (s.copy === null) markChanged(s);
  delete s.copy[prop];
  recordAssigned(s, prop);
  s.flags |= isIndexKey(prop) ? RISKY : DELETED_NAME;
}

function getOwnPropertyDescriptor(s: DraftState, prop: PropertyKey): PropertyDescriptor | undefined {
  if (!s.scope.live) revoked(prop);
  const src = s.copy === null ? s.base : s.copy;
  const desc = Reflect.getOwnPropertyDescriptor(src, prop);
  if (desc === undefined) return undefined;
  const c = childOf(s, prop);
  return {
    writable: true,
    configurable: (s.flags & ARRAY) === 0 || prop !== 'length',
    enumerable: desc.enumerable,
    value: c !== undefined ? c.proxy : desc.value,
  };
}

function unsupported(what: string): never {
  throw new TypeError(`bpfsim draft: ${what} is not supported on a draft`);
}

function has(s: DraftState, prop: PropertyKey): boolean {
  if (!s.scope.live) revoked(prop);
  return prop in (s.copy === null ? s.base : s.copy);
}

function ownKeys(s: DraftState): (string | symbol)[] {
  if (!s.scope.live) revoked('keys');
  return Reflect.ownKeys(s.copy === null ? s.base : s.copy);
}

type Holder = { readonly s: DraftState };
const objectTraps: ProxyHandler<Holder> = {
  get: (t, prop) => get(t.s, prop),
  set: (t, prop, value) => { set(t.s, prop, value); return true; },
  deleteProperty: (t, prop) => { deleteProperty(t.s, prop); return true; },
  has: (t, prop) => has(t.s, prop),
  ownKeys: (t) => ownKeys(t.s),
  getOwnPropertyDescriptor: (t, prop) => getOwnPropertyDescriptor(t.s, prop),
  getPrototypeOf: (t) => Object.getPrototypeOf(t.s.base),
  defineProperty: () => unsupported('Object.defineProperty'),
  setPrototypeOf: () => unsupported('Object.setPrototypeOf'),
  preventExtensions: () => unsupported('Object.preventExtensions (or freeze, seal)'),
};

const arrayTraps: ProxyHandler<[DraftState]> = {
  get: (t, prop) => get(t[0], prop),
  set: (t, prop, value) => { set(t[0], prop, value); return true; },
  deleteProperty: (t, prop) => { deleteProperty(t[0], prop); return true; },
  has: (t, prop) => has(t[0], prop),
  ownKeys: (t) => ownKeys(t[0]),
  getOwnPropertyDescriptor: (t, prop) => getOwnPropertyDescriptor(t[0], prop),
  getPrototypeOf: (t) => Object.getPrototypeOf(t[0].base),
  defineProperty: () => unsupported('Object.defineProperty'),
  setPrototypeOf: () => unsupported('Object.setPrototypeOf'),
  preventExtensions: () => unsupported('Object.preventExtensions (or freeze, seal)'),
};

// The proxy of the running produce()'s root draft, and the three proxies last handed out by
// peek(), child() or the get trap, with their states: most accessor calls are on one of these, and
// finding a draft's state otherwise costs a Proxy get (~30 ns; ~18 ns to learn that a frozen node
// is no draft).
let rootProxy: object | null = null, rootState: DraftState | null = null;
let lastProxy: object | null = null, lastState: DraftState | null = null;
let last2Proxy: object | null = null, last2State: DraftState | null = null;
let last3Proxy: object | null = null, last3State: DraftState | null = null;

/** The state behind `node` (an object), or undefined if it is no draft. */
function draftState(node: object): DraftState | undefined {
  if (node === lastProxy) return lastState!;
  if (node === rootProxy) return rootState!;
  if (node === last2Proxy) return last2State!;
  if (node === last3Proxy) return last3State!;
  return (node as any)[DRAFT_STATE];
}

/** Remembers a proxy being handed out, for draftState(). */
function handOut(c: DraftState): any {
  const p = c.proxy;
  if (p !== lastProxy) {
    if (p !== last2Proxy) { last3Proxy = last2Proxy; last3State = last2State; }
    last2Proxy = lastProxy; last2State = lastState;
    lastProxy = p; lastState = c;
  }
  return p;
}

/** Forgets the proxies remembered, when a produce() returns (they would keep its drafts alive). */
function forgetHandedOut(): void {
  lastProxy = last2Proxy = last3Proxy = null;
  lastState = last2State = last3State = null;
}

/** The state behind a draft, or undefined for any other value. */
export function stateOf(v: unknown): DraftState | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  return (v as any)[DRAFT_STATE];
}

/**
 * `node[key]` for reading only, without the Proxy: the child's draft if it has one, else the value
 * itself (a node of the base, unchanged with its whole subtree, or a value the recipe stored).
 * No draft is made for what is read. A Proxy get with an integer-like key costs ~100 ns in V8
 * (its C++ runtime path) and a new child draft as much again; this costs a few property reads.
 */
export function peek<T, K extends keyof NonNullable<T>>(node: T, key: K): NonNullable<T>[K] {
  if (node === undefined || node === null) return undefined as NonNullable<T>[K];
  const s = draftState(node as object);
  if (s === undefined) return (node as any)[key];
  if (!s.scope.live) revoked(key);
  // Child drafts are filed under the keys Proxy traps see: strings.
  const c = childOf(s, typeof key === 'number' ? String(key) : key);
  if (c !== undefined) return handOut(c);
  return (s.copy === null ? s.base : s.copy)[key];
}

/**
 * `node[keys[0]][keys[1]]...` over the first `n` keys, for reading only: what nested peek() calls
 * answer (undefined past a missing node). Once the path leaves the draft tree for a node of the
 * base (frozen, with no drafts inside), it reads plain properties without asking each node whether
 * it is a draft (~18 ns a node that is not).
 */
export function peekPath(node: any, keys: readonly PropertyKey[], n: number): any {
  let v = node;
  let i = 0;
  let s = v === undefined || v === null ? undefined : draftState(v);
  while (s !== undefined) {
    if (!s.scope.live) revoked('peekPath');
    if (i === n) return handOut(s);
    const k = keys[i++];
    const c = childOf(s, typeof k === 'number' ? String(k) : k);
    if (c !== undefined) { s = c; continue; }
    const copy = s.copy;
    v = (copy === null ? s.base : copy)[k];
    // A value the recipe stored may hold drafts: the rest of the path is read as peek() reads it.
    if (copy !== null && v !== s.base[k]) {
      for (; i < n; i++) v = peek(v, keys[i] as never);
      return v;
    }
    s = undefined;
  }
  for (; i < n; i++) {
    if (v === undefined || v === null) return undefined;
    v = v[keys[i]];
  }
  return v;
}

/**
 * `node[key]` as the draft's get trap answers it (the child's draft, made if need be), called
 * directly: a Proxy get with an integer-like key takes V8's C++ runtime path (~100 ns).
 */
export function child<T extends object, K extends keyof T>(node: T, key: K): T[K] {
  const s = draftState(node);
  if (s === undefined) return node[key];
  return get(s, typeof key === 'number' ? String(key) : key as PropertyKey);
}

/**
 * The node a draft stands for now (its copy once written, else its base), or `x` itself when it is
 * not a draft: for reading the node's own primitive fields without the Proxy (~40 ns a read through
 * its get trap). Its object-valued fields can be stale (a child changed through its own draft is
 * written back only at the end): read those with peek() or child().
 */
export function view<T>(x: T): T {
  const s = typeof x === 'object' && x !== null ? draftState(x) : undefined;
  if (s === undefined) return x;
  if (!s.scope.live) revoked('view');
  return s.copy === null ? s.base : s.copy;
}

/** `node[key] = value` as the draft's set trap does it, called directly (see child). */
export function assign<T extends object, K extends keyof T>(node: T, key: K, value: T[K]): void {
  const s = draftState(node);
  if (s === undefined) { node[key] = value; return; }
  set(s, typeof key === 'number' ? String(key) : key as PropertyKey, value);
}

/** `delete node[key]` as the draft's deleteProperty trap does it, called directly (see child). */
export function remove<T extends object>(node: T, key: keyof T): void {
  const s = draftState(node);
  if (s === undefined) { delete node[key]; return; }
  deleteProperty(s, typeof key === 'number' ? String(key) : key as PropertyKey);
}

/** The final value of a draft: its base if nothing changed, else its copy with children resolved, frozen. */
export function finalizeState(s: DraftState): any {
  if (s.copy === null) return s.base;
  const flags = s.flags;
  if ((flags & FINALIZED) !== 0) return s.copy;
  if ((flags & FINALIZING) !== 0) throw new TypeError('bpfsim draft: a draft was stored inside itself (a cycle)');
  s.flags = flags | FINALIZING;
  const copy = s.copy;
  if (s.c0 !== undefined && s.c0.copy !== null) copy[s.k0!] = finalizeState(s.c0);
  if (s.more !== null) for (const [k, c] of s.more) if (c.copy !== null) copy[k] = finalizeState(c);
  const a = s.assigned;
  let indexed = (flags & INDEXED) !== 0;
  if (a !== null) {
    for (let i = 0; i < a.length; i++) {
      const k = a[i];
      const v = copy[k];
      // (a deleted "__proto__" reads as Object.prototype, which is no value of the copy's)
      if (typeof v === 'object' && v !== null && (k !== '__proto__' || hasOwn(copy, k))) {
        const f = finalizeValue(v, s.scope);
        if (f !== v) setOwn(copy, k, f);
      }
      if (!indexed && isIndexKey(k)) indexed = true;
    }
  }
  s.copy = (flags & ARRAY) !== 0 ? Object.freeze(copy)
    : freezeObject(copy, indexed, (s.flags & RISKY) !== 0, (flags & DELETED_NAME) !== 0);
  s.flags |= FINALIZED;
  return s.copy;
}

/** Resolves the drafts inside a value the recipe stored, and deep-freezes it (in place, as immer). */
export function finalizeValue(v: object, scope: Scope): any {
  const st: DraftState | undefined = (v as any)[DRAFT_STATE];
  if (st !== undefined) {
    if (st.scope !== scope) throw new TypeError('bpfsim draft: a draft of another produce() call was stored in this one');
    return finalizeState(st);
  }
  if (Object.isFrozen(v) || !isDraftable(v)) return v;
  const o = v as any;
  if (Array.isArray(o)) {
    for (let i = 0; i < o.length; i++) {
      const c = o[i];
      if (typeof c === 'object' && c !== null) {
        const f = finalizeValue(c, scope);
        if (f !== c) o[i] = f;
      }
    }
  } else {
    for (const k of Object.keys(o)) {
      const c = o[k];
      if (typeof c === 'object' && c !== null) {
        const f = finalizeValue(c, scope);
        if (f !== c) o[k] = f;
      }
    }
  }
  return Object.freeze(o);
}

/** A snapshot of a draft's current value: unfrozen copies where it changed, base nodes elsewhere. */
export function currentState(s: DraftState): any {
  if (s.copy === null) return s.base;
  let c: any;
  if ((s.flags & ARRAY) !== 0) c = s.copy.slice();
  else {
    c = Object.create(Object.getPrototypeOf(s.base));
    for (const k of Object.keys(s.copy)) setOwn(c, k, s.copy[k]);
  }
  eachChild(s, (k, ch) => { c[k] = currentState(ch); });
  if (s.assigned !== null) {
    for (const k of s.assigned) {
      const v = c[k];
      if (typeof v === 'object' && v !== null && childOf(s, k) === undefined && hasOwn(c, k)) setOwn(c, k, currentValue(v));
    }
  }
  return c;
}

function currentValue(v: object): any {
  const st = stateOf(v);
  if (st !== undefined) return currentState(st);
  if (Object.isFrozen(v) || !isDraftable(v)) return v;
  const o = v as any;
  if (Array.isArray(o)) return o.map((c) => (typeof c === 'object' && c !== null ? currentValue(c) : c));
  const c: any = Object.create(Object.getPrototypeOf(o));
  for (const k of Object.keys(o)) {
    const x = o[k];
    setOwn(c, k, typeof x === 'object' && x !== null ? currentValue(x) : x);
  }
  return c;
}

/** Deep-freezes a tree of plain objects and arrays, skipping subtrees already frozen. */
export function deepFreeze(v: unknown): void {
  if (typeof v !== 'object' || v === null || Object.isFrozen(v) || !isDraftable(v)) return;
  Object.freeze(v);
  const o = v as any;
  if (Array.isArray(o)) for (let i = 0; i < o.length; i++) deepFreeze(o[i]);
  else for (const k of Object.keys(o)) deepFreeze(o[k]);
}

/** Freezes every node of a tree that is not frozen, looking inside frozen nodes too. */
function freezeAll(v: unknown, seen = new Set<object>()): void {
  if (typeof v !== 'object' || v === null || seen.has(v) || !isDraftable(v)) return;
  seen.add(v);
  Object.freeze(v);
  for (const k of Object.keys(v)) freezeAll((v as any)[k], seen);
}

/** Called once the tree is finished (before the drafts are revoked): the root draft, and the value
 *  the recipe returned in place of the draft, if it did. */
export type Finished = (root: DraftState, replacement: { readonly value: unknown } | null) => void;

/** produce(): runs `recipe` on a draft of `base`, and returns the finished, frozen result. */
export function run(base: any, recipe: (draft: any) => unknown, finished: Finished | null): any {
  if (!isDraftable(base)) {
    const r = recipe(base);
    return r === undefined ? base : r;
  }
  if (stateOf(base) !== undefined) throw new TypeError('bpfsim draft: produce() on a draft (nested produce) is not supported');
  const frozen = Object.isFrozen(base);
  const scope = new Scope();
  const root = createDraft(base, null, scope);
  const outerRoot = rootProxy, outerRootState = rootState;
  forgetHandedOut();
  rootProxy = root.proxy;
  rootState = root;
  try {
    const ret = recipe(root.proxy);
    let result: any;
    if (ret !== undefined && ret !== root.proxy) {
      if (root.copy !== null) throw new TypeError('bpfsim draft: the recipe returned a new value *and* modified its draft');
      result = typeof ret === 'object' && ret !== null ? finalizeValue(ret, scope) : ret;
      if (finished !== null) finished(root, { value: result });
    } else {
      result = finalizeState(root);
      if (finished !== null) finished(root, null);
    }
    // An unfrozen base: freeze the parts of it the result shares (immer freezes them too).
    if (!frozen) freezeAll(result);
    return result;
  } finally {
    scope.live = false;
    rootProxy = outerRoot; rootState = outerRootState;
    forgetHandedOut();
  }
}
