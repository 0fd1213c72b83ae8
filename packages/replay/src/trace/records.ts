// A fast path for version 2's event records (FORMAT.md, "Event records"), for the values writers
// put in them: records of shared structures, ASCII strings, integers up to 32 bits, float64s,
// arrays, nil and booleans. Anything else (a map, an extension or inline structure definition, a
// 64-bit integer, a float32, a non-ASCII string, bytes past the record's end) makes it give up,
// and the caller decodes the record with msgpackr, whose value (or error) is then the answer; on
// what it does decode, it builds the values msgpackr builds.
//
// Why: msgpackr reads the strings of a record inside a large buffer through its native extension,
// one call per record, and hands back slices of one string, which are slow to hash and compare
// (the validator and the fold look every command name up). Here a short string is read from the
// bytes and, when the same bytes came recently, is the string made then: command names, kinds and
// map keys come out as one flat string each, made once.

/** Structures with a reference of this number or more (inline definitions, FORMAT.md) are left to msgpackr. */
const SHARED_LIMIT = 8160;

/** Recent short strings by a hash of their bytes (a string is at most INTERN_MAX bytes). */
const INTERN_BITS = 12, INTERN_MAX = 32;
const interned: (string | undefined)[] = new Array(1 << INTERN_BITS).fill(undefined);
/** How often the kept string was met again, up to INTERN_AT (when it is internalized). */
const seen = new Uint8Array(1 << INTERN_BITS);
/**
 * Met this many times again, a string is internalized: names and keys are met over and over, but a
 * value is often met twice only (written, then read back in a lookup's result), and internalizing
 * it would cost a string table entry for nothing.
 */
const INTERN_AT = 2;
/** Scratch arrays of char codes by length, for String.fromCharCode.apply. */
const codes: number[][] = Array.from({ length: INTERN_MAX + 1 }, (_, n) => new Array<number>(n).fill(0));

// The record being read: its bytes, the read position, its end, and whether the fast path gave up.
let src: Uint8Array = new Uint8Array(0), pos = 0, end = 0, gaveUp = false;
let view: DataView = new DataView(src.buffer);
let readers: readonly ((() => unknown) | undefined)[] = [];

const giveUp = (): undefined => { gaveUp = true; pos = end; return undefined; };

/** A decoder of one trace's event records, whose `structures` records defined `table` (in order). */
export class EventRecordReader {
  readonly #readers: ((() => unknown) | undefined)[];

  constructor(table: readonly (readonly string[])[]) {
    this.#readers = table.slice(0, SHARED_LIMIT).map(objectReader);
  }

  /** The record `bytes[start, stop)` as [event, result], or undefined when msgpackr is to decode it. */
  read(bytes: Uint8Array, start: number, stop: number): [unknown, unknown] | undefined {
    if (bytes !== src) { src = bytes; view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength); }
    pos = start; end = stop; gaveUp = false; readers = this.#readers;
    if (pos >= end || src[pos++] !== 0x92) return undefined;
    const event = read(), result = read();
    return gaveUp || pos !== end ? undefined : [event, result];
  }
}

/**
 * Reads an object of structure `keys` as msgpackr does (an object literal of the keys, values read
 * in order); msgpackr renames a key `__proto__`, so such a structure is left to it.
 */
function objectReader(keys: readonly string[]): (() => unknown) | undefined {
  if (keys.includes('__proto__')) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('r', `return function () { return { ${keys.map((k) => `${JSON.stringify(k)}: r()`).join(', ')} }; };`)(read) as () => unknown;
}

function read(): unknown {
  if (pos >= end) return giveUp();
  const t = src[pos++];
  if (t < 0x40) return t;
  if (t < 0x80) {
    // A structure reference: one byte below 0x60, else a second byte.
    let id = t - 0x40;
    if (t >= 0x60) { if (pos >= end) return giveUp(); id = 32 + (t - 0x60) + 32 * src[pos++]; }
    const r = id < readers.length ? readers[id] : undefined;
    return r === undefined ? giveUp() : r();
  }
  if (t >= 0xe0) return t - 0x100;
  if (t >= 0xa0 && t < 0xc0) return readString(t - 0xa0);
  if (t >= 0x90 && t < 0xa0) return readArray(t - 0x90);
  switch (t) {
    case 0xc0: return null;
    case 0xc2: return false;
    case 0xc3: return true;
    case 0xcc: return pos + 1 > end ? giveUp() : src[pos++];
    case 0xcd: { if (pos + 2 > end) return giveUp(); const v = (src[pos] << 8) | src[pos + 1]; pos += 2; return v; }
    case 0xce: { if (pos + 4 > end) return giveUp(); const v = view.getUint32(pos); pos += 4; return v; }
    case 0xd0: { if (pos + 1 > end) return giveUp(); return view.getInt8(pos++); }
    case 0xd1: { if (pos + 2 > end) return giveUp(); const v = view.getInt16(pos); pos += 2; return v; }
    case 0xd2: { if (pos + 4 > end) return giveUp(); const v = view.getInt32(pos); pos += 4; return v; }
    case 0xcb: { if (pos + 8 > end) return giveUp(); const v = view.getFloat64(pos); pos += 8; return v; }
    case 0xd9: return pos + 1 > end ? giveUp() : readString(src[pos++]);
    case 0xdc: { if (pos + 2 > end) return giveUp(); const n = (src[pos] << 8) | src[pos + 1]; pos += 2; return readArray(n); }
    default: return giveUp();
  }
}

function readArray(n: number): unknown[] | undefined {
  if (pos + n > end) return giveUp(); // every element takes a byte at least
  const a = new Array<unknown>(n);
  for (let i = 0; i < n; i++) a[i] = read();
  return a;
}

/** An ASCII string of `len` bytes at pos (the one made before for the same bytes, if it is still kept). */
function readString(len: number): string | undefined {
  if (pos + len > end) return giveUp();
  if (len === 0) return '';
  if (len > INTERN_MAX) {
    const c = new Array<number>(len);
    for (let i = 0; i < len; i++) { const b = src[pos + i]; if (b > 0x7f) return giveUp(); c[i] = b; }
    pos += len;
    return String.fromCharCode.apply(null, c);
  }
  // The slot: a hash of the length and four of the bytes (the string is compared whole below).
  const slot = (Math.imul(len ^ (src[pos] << 8) ^ (src[pos + (len >> 1)] << 16) ^ (src[pos + len - 1] << 24) ^ src[pos + (len >> 2)], 0x9e3779b1) >>> (32 - INTERN_BITS));
  const s = interned[slot];
  if (s !== undefined && s.length === len) {
    let i = 0;
    while (i < len && s.charCodeAt(i) === src[pos + i]) i++;
    if (i === len) {
      pos += len;
      const times = seen[slot];
      if (times >= INTERN_AT) return s;
      seen[slot] = times + 1;
      if (times + 1 < INTERN_AT) return s;
      // Met again and again: a name, a key. Made a property key, a string is internalized (the
      // engine's one copy of it, as the code's literals are): comparing it to those is comparing pointers.
      return (interned[slot] = Object.keys({ [s]: 0 })[0]);
    }
  }
  const c = codes[len];
  for (let i = 0; i < len; i++) { const b = src[pos + i]; if (b > 0x7f) return giveUp(); c[i] = b; }
  pos += len;
  seen[slot] = 0;
  return (interned[slot] = String.fromCharCode.apply(null, c));
}
