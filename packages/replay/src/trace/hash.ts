// sh64: a canonical 64-bit hash of kernel state (any JSON-like value), the same across runs,
// machines and key insertion orders, and cheap to keep up to date.
//
// Non-cryptographic: it detects accidental divergence, not an adversary. Two independent 32-bit
// lanes are fed the same stream of 32-bit words:
//   lane A: MurmurHash3 x86_32's block step (c1 0xcc9e2d51, c2 0x1b873593, rotl 15 / 13, *5 + 0xe6546b64),
//           seed 0x3c6ef372, finished with fmix32 over (lane ^ word count);
//   lane B: xxHash32's round (acc + w * PRIME2, rotl 13, * PRIME1), seed 0x165667b1 (PRIME5),
//           finished with xxHash32's avalanche over (lane ^ word count).
// The 64-bit hash is A:B, written as 16 lowercase hex digits (A first).
//
// Values are encoded as words (see FORMAT.md, "State hash"): a tag word, then
//   int32 (a number n with (n | 0) === n, -0 counting as 0): n;
//   other numbers: their IEEE-754 float64 bits, low word then high word (NaN is one NaN);
//   strings: the length, then UTF-16 code units two per word (low half first);
//   arrays: the length, then each element's 64-bit hash (A, B);
//   objects: the number of keys whose value is not undefined, then for each such key in ascending
//           UTF-16 code unit order the key's string hash (A, B) and the value's hash (A, B);
//   byte arrays (typed arrays): the length, then the bytes four per word, little-endian;
//   null, true, false, undefined: the tag alone.
// A node's hash depends only on its children's hashes, so it is memoised per frozen object (see
// memoGet): frozen state is structurally shared between events, so hashing the state after an
// event rehashes only the objects that event copied (the path from the root to what changed).
//
// The lanes live in local variables (stepA / stepB inline), so hashing allocates no hasher.

const enum Tag { Null = 1, False, True, Undefined, Int, Float, String, Array, Object, Bytes, Other }

const M1 = 0xcc9e2d51, M2 = 0x1b873593;
const P1 = 0x9e3779b1, P2 = 0x85ebca77, P3 = 0xc2b2ae3d, P5 = 0x165667b1;
const SEED_A = 0x3c6ef372, SEED_B = P5;

const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));

/** Lane A after word w. */
function stepA(a: number, w: number): number {
  const k = Math.imul(rotl(Math.imul(w, M1), 15), M2);
  return (Math.imul(rotl(a ^ k, 13), 5) + 0xe6546b64) | 0;
}
/** Lane B after word w. */
const stepB = (b: number, w: number) => Math.imul(rotl((b + Math.imul(w, P2)) | 0, 13), P1);
/** Lane A finished after n words (unsigned). */
function finishA(a: number, n: number): number {
  a ^= n;
  a ^= a >>> 16; a = Math.imul(a, 0x85ebca6b); a ^= a >>> 13; a = Math.imul(a, 0xc2b2ae35); a ^= a >>> 16;
  return a >>> 0;
}
/** Lane B finished after n words (unsigned). */
function finishB(b: number, n: number): number {
  b ^= n;
  b ^= b >>> 15; b = Math.imul(b, P2); b ^= b >>> 13; b = Math.imul(b, P3); b ^= b >>> 16;
  return b >>> 0;
}

// The lanes after a tag word, for the values whose hash starts with one.
const INT_A = stepA(SEED_A, Tag.Int), INT_B = stepB(SEED_B, Tag.Int);
const STR_A = stepA(SEED_A, Tag.String), STR_B = stepB(SEED_B, Tag.String);
const ARR_A = stepA(SEED_A, Tag.Array), ARR_B = stepB(SEED_B, Tag.Array);
const OBJ_A = stepA(SEED_A, Tag.Object), OBJ_B = stepB(SEED_B, Tag.Object);
/** The whole hashes of the values that are a tag alone, by tag. */
const TAG_A: number[] = [], TAG_B: number[] = [];
for (const t of [Tag.Null, Tag.False, Tag.True, Tag.Undefined]) { TAG_A[t] = finishA(stepA(SEED_A, t), 1); TAG_B[t] = finishB(stepB(SEED_B, t), 1); }

// The last computed hash (avoids allocating a pair per value), the words hashing it fed that a
// rehash of the same value would feed again (its objects not memoised; see hashInto), and, for an
// object, the words hashing it whole feeds (memoised parts included: the size of the state).
let OUT_A = 0, OUT_B = 0, OUT_COST = 0, OUT_FULL = 0;

// The memo: two generations of strong maps instead of a WeakMap (whose set cost ~0.2 us and
// whose entries slow every garbage collection). A lookup that finds a node in the older
// generation copies it into the current one; when the current one is full it becomes the older
// one. So what the last hashes touched stays (consecutive states share almost everything), and a
// node forgotten is simply hashed again: the memo changes speed, never a hash. (The memo trusts a
// frozen node not to change: the reducer's states are frozen all the way down.)
//
// Not every node is worth an entry: an entry costs more than rehashing a small node (a Map set
// measured 0.3-0.5 us here), and in a state that changes all over between two hashes (a map
// filled and freed every few hundred events) it is rarely used. So a node is memoised when
// rehashing it would cost at least MEMO_COST words (its own and those of its children that are
// not memoised), or when its parent has at least WIDE children: a wide node (a radix node, a long
// instruction array) that changes then rehashes one child, not all.
//
// An entry keeps its node alive, and with it the children that have no entry of their own (about
// its cost in words). A generation is full at MEMO_GENERATION entries or MEMO_BUDGET words of
// cost; and between two hashes of whole values (stateHash, hashLanes), once its entries cost
// twice the largest value hashed in it (MIN_MEMO_BUDGET at least). So the memo keeps alive a few
// times what the state takes, not MEMO_BUDGET's megabytes when the state is small: what it kept
// alive survived every scavenge and was promoted (~1.1 MB a scavenge, a fifth of replay's time
// going to garbage collection, when a small state churned through a memo sized for large ones).
const MEMO_COST = 400, WIDE = 16;
const MEMO_GENERATION = 1 << 15, MEMO_BUDGET = 1 << 20, MIN_MEMO_BUDGET = 1 << 15;
/** What one object costs besides its words (key listing, lookups), in words. */
const OBJECT_COST = 8;
/** An entry: the hash's lanes and the value's full cost (OUT_FULL). */
type Entry = readonly [number, number, number];
let memo = new Map<object, Entry>();
let older = new Map<object, Entry>();
/** The cost of the current generation's entries. */
let memoCost = 0;
/** The current generation's budget, and the largest full cost of a whole value hashed in it. */
let memoBudget = MIN_MEMO_BUDGET, largest = 0;

function rotate(): void {
  older = memo; memo = new Map(); memoCost = 0;
  memoBudget = Math.min(MEMO_BUDGET, Math.max(MIN_MEMO_BUDGET, 2 * largest));
  largest = 0;
}

function memoGet(v: object): Entry | undefined {
  const m = memo.get(v);
  if (m !== undefined) return m;
  const o = older.get(v);
  // Promoted: its children are in use as well (or in the memo), so it costs about its own object.
  if (o !== undefined) memoSet(v, o, OBJECT_COST);
  return o;
}

function memoSet(v: object, h: Entry, cost: number): void {
  if (memo.size >= MEMO_GENERATION || memoCost >= MEMO_BUDGET) rotate();
  memo.set(v, h);
  memoCost += cost;
}

/** Hashes a whole value (the top of a hash): the memo's generation turns first if it has outgrown its budget. */
function hashWhole(v: unknown): void {
  if (memoCost >= memoBudget) rotate();
  hashInto(v, false);
  if (typeof v === 'object' && v !== null && OUT_FULL > largest) largest = OUT_FULL;
}

// Object keys repeat (field names, small indexes): their string hashes are kept, a bounded map,
// and for the canonical decimal strings of 0..SMALL-1, two arrays (0, 0: not yet hashed; a string
// hash is never both zero in practice, and if it were it would only be recomputed).
const SMALL = 4096;
const SMALL_A = new Uint32Array(SMALL), SMALL_B = new Uint32Array(SMALL);
/** The number a key names when it is the canonical decimal string of 0..SMALL-1 ("0", "17", not "017"), else -1. */
function smallIndex(k: string): number {
  const n = k.length;
  if (n === 0 || n > 4) return -1;
  let x = 0;
  for (let i = 0; i < n; i++) {
    const c = k.charCodeAt(i) - 48;
    if (c < 0 || c > 9 || (c === 0 && i === 0 && n > 1)) return -1;
    x = x * 10 + c;
  }
  return x < SMALL ? x : -1;
}
const keyMemo = new Map<string, readonly [number, number]>();
const MAX_KEY_MEMO = 1 << 14;

const f64 = new DataView(new ArrayBuffer(8));

/** A string's hash into OUT_A / OUT_B (and its words into OUT_COST). */
const hashString = (s: string) => hashStringAfter(STR_A, STR_B, 1, s);

/** Feeds string `s`'s length and code units to lanes (a, b) that have had `n` words, and finishes them into OUT_A / OUT_B. */
function hashStringAfter(a: number, b: number, n: number, s: string): void {
  const len = s.length;
  a = stepA(a, len); b = stepB(b, len);
  let i = 0;
  for (; i + 1 < len; i += 2) { const w = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16); a = stepA(a, w); b = stepB(b, w); }
  if (i < len) { const w = s.charCodeAt(i); a = stepA(a, w); b = stepB(b, w); }
  n += 1 + ((len + 1) >> 1);
  OUT_A = finishA(a, n); OUT_B = finishB(b, n); OUT_COST = n;
}

/** Hashes `v` into OUT_A / OUT_B; `keep`: memoise it (when frozen) whatever it costs. */
function hashInto(v: unknown, keep: boolean): void {
  switch (typeof v) {
    case 'number':
      if ((v | 0) === v) { OUT_A = finishA(stepA(INT_A, v), 2); OUT_B = finishB(stepB(INT_B, v), 2); OUT_COST = 2; return; } // -0 | 0 is 0: -0 hashes as 0
      hashFloat(v);
      return;
    case 'string': hashString(v); return;
    case 'boolean': { const t = v ? Tag.True : Tag.False; OUT_A = TAG_A[t]; OUT_B = TAG_B[t]; OUT_COST = 1; return; }
    case 'undefined': OUT_A = TAG_A[Tag.Undefined]; OUT_B = TAG_B[Tag.Undefined]; OUT_COST = 1; return;
    case 'object': {
      if (v === null) { OUT_A = TAG_A[Tag.Null]; OUT_B = TAG_B[Tag.Null]; OUT_COST = 1; return; }
      const m = memoGet(v);
      if (m !== undefined) { OUT_A = m[0]; OUT_B = m[1]; OUT_COST = 0; OUT_FULL = m[2]; return; }
      hashObject(v);
      if ((keep || OUT_COST >= MEMO_COST) && Object.isFrozen(v)) { memoSet(v, [OUT_A, OUT_B, OUT_FULL], OUT_COST); OUT_COST = 0; }
      return;
    }
    default: hashOther(v);
  }
}

function hashFloat(v: number): void {
  f64.setFloat64(0, Number.isNaN(v) ? NaN : v, true);
  const lo = f64.getUint32(0, true), hi = f64.getUint32(4, true);
  const a = stepA(stepA(stepA(SEED_A, Tag.Float), lo), hi), b = stepB(stepB(stepB(SEED_B, Tag.Float), lo), hi);
  OUT_A = finishA(a, 3); OUT_B = finishB(b, 3); OUT_COST = 3;
}

/** Anything else (bigint, symbol, function): the tag, then the words of the string `typeof:String(v)`. */
const hashOther = (v: unknown) => hashStringAfter(stepA(stepA(SEED_A, Tag.Other), Tag.String), stepB(stepB(SEED_B, Tag.Other), Tag.String), 2, `${typeof v}:${String(v)}`);

function hashObject(v: object): void {
  if (Array.isArray(v)) { hashArray(v); return; }
  if (ArrayBuffer.isView(v)) { hashBytes(v); return; }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  const len = keys.length;
  // Named keys (no integer index, which Object.keys would list first) repeat as records: their order and hashes are planned once.
  if (len > 1 && len <= MAX_PLAN_KEYS) { const c = keys[0].charCodeAt(0); if (c > 57 || c < 48) { hashPlanned(o, planOf(keys)); return; } }
  // Integer keys, listed first in numeric order: often in order already (all below 10, or all as long); a pass checks.
  for (let i = 1; i < len; i++) if (keys[i - 1] > keys[i]) { keys.sort(byCodeUnits); break; }
  const vals = new Array<unknown>(len), ka = new Array<number>(len), kb = new Array<number>(len);
  for (let i = 0; i < len; i++) {
    const k = keys[i];
    vals[i] = o[k];
    // A small index (radix slots, fds, ids) is looked up by its number, not hashed as a Map key.
    const x = smallIndex(k);
    if (x >= 0) {
      if (SMALL_A[x] === 0 && SMALL_B[x] === 0) { hashString(k); SMALL_A[x] = OUT_A; SMALL_B[x] = OUT_B; }
      ka[i] = SMALL_A[x]; kb[i] = SMALL_B[x];
      continue;
    }
    let kh = keyMemo.get(k);
    if (kh === undefined) {
      hashString(k);
      if (keyMemo.size >= MAX_KEY_MEMO) keyMemo.clear();
      keyMemo.set(k, kh = [OUT_A, OUT_B]);
    }
    ka[i] = kh[0]; kb[i] = kh[1];
  }
  hashEntries(vals, undefined, ka, kb);
}

/** A list of keys as Object.keys gives it, with its ascending order and its keys' hashes in that order. */
interface Plan {
  readonly keys: readonly string[];
  /** sorted position -> index in keys. */
  readonly order: Int32Array;
  readonly ka: Int32Array;
  readonly kb: Int32Array;
  /** The next plan whose first key is the same. */
  next: Plan | undefined;
}
/** Plans by first key (a chain each, of at most MAX_CHAIN); cleared when it holds MAX_PLANS. */
const plans = new Map<string, Plan>();
let planCount = 0;
const MAX_PLANS = 1 << 12, MAX_PLAN_KEYS = 64, MAX_CHAIN = 8;

/** The plan of a key list (Object.keys' order), made on first sight. */
function planOf(keys: readonly string[]): Plan {
  const first = plans.get(keys[0]);
  let chain = 0;
  for (let p = first; p !== undefined; p = p.next, chain++) {
    const pk = p.keys;
    if (pk.length !== keys.length) continue;
    let i = 1;
    while (i < keys.length && pk[i] === keys[i]) i++;
    if (i === keys.length) return p;
  }
  const len = keys.length;
  const sorted = Array.from({ length: len }, (_, i) => i).sort((x, y) => byCodeUnits(keys[x], keys[y]));
  const ka = new Int32Array(len), kb = new Int32Array(len);
  for (let i = 0; i < len; i++) { hashString(keys[sorted[i]]); ka[i] = OUT_A; kb[i] = OUT_B; }
  if (planCount >= MAX_PLANS) { plans.clear(); planCount = 0; }
  const p: Plan = { keys: keys.slice(), order: Int32Array.from(sorted), ka, kb, next: chain < MAX_CHAIN ? first : undefined };
  plans.set(keys[0], p);
  planCount++;
  return p;
}

/** An object whose keys are those of plan p, in the plan's order. */
const hashPlanned = (o: Record<string, unknown>, p: Plan) => hashEntries(Object.values(o), p.order, p.ka, p.kb);

/**
 * An object's hash from its values (vals[order[j]], or vals[j]) in ascending order of their keys,
 * whose hashes are (ka[j], kb[j]).
 */
function hashEntries(vals: readonly unknown[], order: Int32Array | undefined, ka: ArrayLike<number>, kb: ArrayLike<number>): void {
  const len = vals.length;
  let defined = 0;
  for (let i = 0; i < len; i++) if (vals[i] !== undefined) defined++;
  let a = stepA(OBJ_A, defined), b = stepB(OBJ_B, defined);
  const keep = len >= WIDE;
  let cost = OBJECT_COST + 2 + 4 * defined, full = cost;
  for (let j = 0; j < len; j++) {
    const x = vals[order === undefined ? j : order[j]];
    if (x === undefined) continue;
    a = stepA(a, ka[j]); b = stepB(b, ka[j]);
    a = stepA(a, kb[j]); b = stepB(b, kb[j]);
    hashInto(x, keep);
    cost += OUT_COST;
    full += typeof x === 'object' && x !== null ? OUT_FULL : OUT_COST;
    a = stepA(a, OUT_A); b = stepB(b, OUT_A);
    a = stepA(a, OUT_B); b = stepB(b, OUT_B);
  }
  const n = 2 + 4 * defined;
  OUT_A = finishA(a, n); OUT_B = finishB(b, n); OUT_COST = cost; OUT_FULL = full;
}

function hashArray(v: readonly unknown[]): void {
  const len = v.length;
  let a = stepA(ARR_A, len), b = stepB(ARR_B, len);
  const keep = len >= WIDE;
  let cost = OBJECT_COST + 2 + 2 * len, full = cost;
  for (let i = 0; i < len; i++) {
    const x = v[i];
    hashInto(x, keep);
    cost += OUT_COST;
    full += typeof x === 'object' && x !== null ? OUT_FULL : OUT_COST;
    a = stepA(a, OUT_A); b = stepB(b, OUT_A);
    a = stepA(a, OUT_B); b = stepB(b, OUT_B);
  }
  const n = 2 + 2 * len;
  OUT_A = finishA(a, n); OUT_B = finishB(b, n); OUT_COST = cost; OUT_FULL = full;
}

function hashBytes(v: ArrayBufferView): void {
  const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  const len = bytes.length;
  let a = stepA(stepA(SEED_A, Tag.Bytes), len), b = stepB(stepB(SEED_B, Tag.Bytes), len);
  let i = 0;
  for (; i + 3 < len; i += 4) { const w = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24); a = stepA(a, w); b = stepB(b, w); }
  if (len & 3) {
    let w = 0;
    for (let s = 0; i < len; i++, s += 8) w |= bytes[i] << s;
    a = stepA(a, w); b = stepB(b, w);
  }
  const n = 2 + ((len + 3) >> 2);
  OUT_A = finishA(a, n); OUT_B = finishB(b, n); OUT_COST = OUT_FULL = OBJECT_COST + n;
}

/** Ascending UTF-16 code unit order (Array.prototype.sort's default, without its string conversions); keys are distinct. */
const byCodeUnits = (a: string, b: string) => (a < b ? -1 : 1);

const hex8 = (x: number) => x.toString(16).padStart(8, '0');

/** The canonical hash of a value (kernel state, an event, a result): 16 lowercase hex digits. */
export function stateHash(v: unknown): string {
  hashWhole(v);
  return hex8(OUT_A) + hex8(OUT_B);
}

/** The two 32-bit lanes of stateHash(v), [A, B]. */
export function hashLanes(v: unknown): [number, number] {
  hashWhole(v);
  return [OUT_A, OUT_B];
}

/** The algorithm's name, as recorded in trace headers. */
export const STATE_HASH_ALGORITHM = 'sh64-v1';
