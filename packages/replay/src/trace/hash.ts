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

const enum Tag { Null = 1, False, True, Undefined, Int, Float, String, Array, Object, Bytes, Other }

const M1 = 0xcc9e2d51, M2 = 0x1b873593;
const P1 = 0x9e3779b1, P2 = 0x85ebca77, P3 = 0xc2b2ae3d, P4 = 0x27d4eb2f, P5 = 0x165667b1;
const SEED_A = 0x3c6ef372, SEED_B = P5;

const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));

/** A running hash: both lanes and the word count. */
class Hasher {
  a = SEED_A;
  b = SEED_B;
  n = 0;
  word(w: number): void {
    let k = Math.imul(w, M1);
    k = rotl(k, 15);
    k = Math.imul(k, M2);
    let a = this.a ^ k;
    a = rotl(a, 13);
    this.a = (Math.imul(a, 5) + 0xe6546b64) | 0;
    this.b = Math.imul(rotl((this.b + Math.imul(w, P2)) | 0, 13), P1);
    this.n++;
  }
  /** Sets OUT_A / OUT_B. */
  finish(): void {
    let a = this.a ^ this.n;
    a ^= a >>> 16; a = Math.imul(a, 0x85ebca6b); a ^= a >>> 13; a = Math.imul(a, 0xc2b2ae35); a ^= a >>> 16;
    let b = this.b ^ this.n;
    b ^= b >>> 15; b = Math.imul(b, P2); b ^= b >>> 13; b = Math.imul(b, P3); b ^= b >>> 16;
    OUT_A = a >>> 0;
    OUT_B = b >>> 0;
  }
}
void P4;

// The last computed hash (avoids allocating a pair per value).
let OUT_A = 0, OUT_B = 0;

// The memo: two generations of strong maps instead of a WeakMap (whose set cost ~0.2 us and
// whose entries slow every garbage collection; hashing the state every 256 events spent ~1 us per
// new node). A lookup that finds a node in the older generation copies it into the current one;
// when the current one is full it becomes the older one. So what the last hashes touched stays
// (consecutive states share almost everything), at most 2 * MEMO_GENERATION nodes are kept alive,
// and a node forgotten is simply hashed again: the memo changes speed, never a hash.
const MEMO_GENERATION = 1 << 15;
let memo = new Map<object, readonly [number, number]>();
let older = new Map<object, readonly [number, number]>();

function memoGet(v: object): readonly [number, number] | undefined {
  const m = memo.get(v);
  if (m !== undefined) return m;
  const o = older.get(v);
  if (o !== undefined) memoSet(v, o);
  return o;
}

function memoSet(v: object, h: readonly [number, number]): void {
  if (memo.size >= MEMO_GENERATION) { older = memo; memo = new Map(); }
  memo.set(v, h);
}

// Object keys repeat (field names, small indexes): their string hashes are kept, a bounded map.
const keyMemo = new Map<string, readonly [number, number]>();
const MAX_KEY_MEMO = 1 << 14;

const f64 = new DataView(new ArrayBuffer(8));

function hashString(h: Hasher, s: string): void {
  h.word(Tag.String);
  const len = s.length;
  h.word(len);
  let i = 0;
  for (; i + 1 < len; i += 2) h.word(s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
  if (i < len) h.word(s.charCodeAt(i));
}

/** Hashes `v` into OUT_A / OUT_B. */
function hashInto(v: unknown): void {
  switch (typeof v) {
    case 'number': {
      const h = new Hasher();
      if ((v | 0) === v) { h.word(Tag.Int); h.word(v); } // -0 | 0 is 0: -0 hashes as 0
      else {
        h.word(Tag.Float);
        f64.setFloat64(0, Number.isNaN(v) ? NaN : v, true);
        h.word(f64.getUint32(0, true)); h.word(f64.getUint32(4, true));
      }
      h.finish();
      return;
    }
    case 'string': { const h = new Hasher(); hashString(h, v); h.finish(); return; }
    case 'boolean': { const h = new Hasher(); h.word(v ? Tag.True : Tag.False); h.finish(); return; }
    case 'undefined': { const h = new Hasher(); h.word(Tag.Undefined); h.finish(); return; }
    case 'object': {
      if (v === null) { const h = new Hasher(); h.word(Tag.Null); h.finish(); return; }
      const m = memoGet(v);
      if (m !== undefined) { OUT_A = m[0]; OUT_B = m[1]; return; }
      hashObject(v);
      if (Object.isFrozen(v)) memoSet(v, [OUT_A, OUT_B]);
      return;
    }
    default: { const h = new Hasher(); h.word(Tag.Other); hashString(h, `${typeof v}:${String(v)}`); h.finish(); return; }
  }
}

function hashObject(v: object): void {
  const h = new Hasher();
  if (Array.isArray(v)) {
    h.word(Tag.Array);
    h.word(v.length);
    for (let i = 0; i < v.length; i++) { hashInto(v[i]); h.word(OUT_A); h.word(OUT_B); }
  } else if (ArrayBuffer.isView(v)) {
    const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    h.word(Tag.Bytes);
    h.word(bytes.length);
    let i = 0;
    for (; i + 3 < bytes.length; i += 4) h.word(bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
    let w = 0;
    for (let s = 0; i < bytes.length; i++, s += 8) w |= bytes[i] << s;
    if (bytes.length & 3) h.word(w);
  } else {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    // Often already in order (integer keys below 10, records written in order): a pass checks.
    for (let i = 1; i < keys.length; i++) if (keys[i - 1] > keys[i]) { keys.sort(byCodeUnits); break; }
    let defined = 0;
    for (let i = 0; i < keys.length; i++) if (o[keys[i]] !== undefined) defined++;
    h.word(Tag.Object);
    h.word(defined);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i], x = o[k];
      if (x === undefined) continue;
      let kh = keyMemo.get(k);
      if (kh === undefined) {
        const sh = new Hasher();
        hashString(sh, k);
        sh.finish();
        if (keyMemo.size >= MAX_KEY_MEMO) keyMemo.clear();
        keyMemo.set(k, kh = [OUT_A, OUT_B]);
      }
      h.word(kh[0]); h.word(kh[1]);
      hashInto(x);
      h.word(OUT_A); h.word(OUT_B);
    }
  }
  h.finish();
}

/** Ascending UTF-16 code unit order (Array.prototype.sort's default, without its string conversions); keys are distinct. */
const byCodeUnits = (a: string, b: string) => (a < b ? -1 : 1);

const hex8 = (x: number) => x.toString(16).padStart(8, '0');

/** The canonical hash of a value (kernel state, an event, a result): 16 lowercase hex digits. */
export function stateHash(v: unknown): string {
  hashInto(v);
  return hex8(OUT_A) + hex8(OUT_B);
}

/** The two 32-bit lanes of stateHash(v), [A, B]. */
export function hashLanes(v: unknown): [number, number] {
  hashInto(v);
  return [OUT_A, OUT_B];
}

/** The algorithm's name, as recorded in trace headers. */
export const STATE_HASH_ALGORITHM = 'sh64-v1';
