// The trace file format (see FORMAT.md): a header, then framed msgpack records.
import { createRequire } from 'node:module';
import { Packr, Unpackr } from 'msgpackr';
import type { Event, Result } from '@bpfsim/events';
import type { KernelState } from '@bpfsim/reducer';
import { crc32c } from './crc32c.ts';

/** "\x89BPFSIM\n": the 0x89 and the newline catch text-mode transfers, as in PNG. */
export const MAGIC = Uint8Array.of(0x89, 0x42, 0x50, 0x46, 0x53, 0x49, 0x4d, 0x0a);
/** The format version this bpfsim writes, and the newest it reads (it reads every older one too). */
export const FORMAT_VERSION = 2;
/** magic (8), version u16, flags u16, body length u32, CRC32C u32. */
export const HEADER_FIXED = 20;
/** length u32, CRC32C u32. */
export const FRAME_HEAD = 8;
/** The largest record (and header body) a reader accepts: a longer length is corruption. */
export const MAX_RECORD = 256 * 1024 * 1024;
/** Default spacing of state-hash records, in events. */
export const DEFAULT_HASH_EVERY = 256;

export const BPFSIM_VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** What the header's msgpack body holds. */
export interface TraceHeader {
  /** The bpfsim version that wrote the trace. */
  readonly bpfsim: string;
  /** Seeds `initialState(seed)` and the kernel's randomness. */
  readonly seed: number;
  /** The state before the first event; absent means `initialState(seed)`. */
  readonly state?: KernelState;
  /** A hash record follows every `hashEvery` events (0: none but the end record's). */
  readonly hashEvery: number;
  /** The state-hash algorithm (`sh64-v1`). */
  readonly hash: string;
  /** The scenario's name, if it had one. */
  readonly name?: string;
}

/** One event and the result the kernel (model) gave. */
export interface EventRecord { readonly kind: 'event'; readonly event: Event; readonly result: Result }
/** The state hash after the first `at` events. */
export interface HashRecord { readonly kind: 'hash'; readonly at: number; readonly hash: string }
/** A full state snapshot after the first `at` events (optional; see TraceWriterOptions.snapshotEvery). */
export interface StateRecord { readonly kind: 'state'; readonly at: number; readonly state: KernelState }
/** The recorder closed the trace cleanly after `events` events, leaving the state with this hash. */
export interface EndRecord { readonly kind: 'end'; readonly events: number; readonly hash: string }
/** Version 2: the key lists of record structures `first`, `first + 1`, ... (see structures.ts). */
export interface StructuresRecord { readonly kind: 'structures'; readonly first: number; readonly keys: readonly (readonly string[])[] }
/** Any other kind (datapath packet batches and write sets, later): kept, not interpreted. */
export interface OtherRecord { readonly kind: string; readonly [field: string]: unknown }

export type TraceRecord = EventRecord | HashRecord | StateRecord | EndRecord | StructuresRecord;
export type AnyRecord = TraceRecord | OtherRecord;

/** msgpack with plain maps and arrays (no msgpackr records): the header, every record of version 1, and every record but event records of version 2. */
export const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false, bundleStrings: false });
/** The same, sizing each map's header to its entries (map32 past 65,535), for what packr's map16 cannot hold. */
const widePackr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false, bundleStrings: false, variableMapSize: true });

/**
 * packr.pack(v); a value holding a map of more than 65,535 entries (a state with that many pins,
 * say) is packed with map headers sized to fit, which every reader decodes alike.
 */
export function packWide(v: unknown): Uint8Array {
  try { return packr.pack(v); } catch (e) {
    if (!/too large to serialize with fast 16-bit map size/.test((e as Error).message)) throw e;
    return widePackr.pack(v);
  }
}

/**
 * Decodes a record that carries kernel state (the header, a `state` record) as `packr` does, but
 * keeping a key "__proto__" (a pin at the mount's root may be named so), which msgpackr's objects
 * rename to "__proto_": the maps are read as Maps and made objects here, each key an own property.
 */
const mapUnpackr = new Unpackr({ useRecords: false, mapsAsObjects: false, moreTypes: false, bundleStrings: false });
export function unpackStateful(bytes: Uint8Array): unknown {
  return asObjects(mapUnpackr.unpack(bytes));
}
function asObjects(v: unknown): unknown {
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) setOwn(o, String(k), asObjects(x));
    return o;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = asObjects(v[i]);
    return v;
  }
  return v;
}

/**
 * `o[k] = v` as an own data property: for "__proto__", a plain assignment would call
 * Object.prototype's setter and change `o`'s prototype instead. (The draft engine has its own.)
 */
export function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else o[k] = v;
}

/** The header's bytes: fixed fields, then the msgpack body; the CRC covers both. */
export function encodeHeader(h: TraceHeader, version: number = FORMAT_VERSION): Uint8Array {
  const body: Record<string, unknown> = { bpfsim: h.bpfsim, seed: h.seed, hashEvery: h.hashEvery, hash: h.hash };
  if (h.name !== undefined) body.name = h.name;
  if (h.state !== undefined) body.state = h.state;
  const packed = packWide(body);
  const out = new Uint8Array(HEADER_FIXED + packed.length);
  out.set(MAGIC, 0);
  const dv = new DataView(out.buffer);
  dv.setUint16(8, version, true);
  dv.setUint16(10, 0, true);
  dv.setUint32(12, packed.length, true);
  out.set(packed, HEADER_FIXED);
  dv.setUint32(16, crc32c(out, crc32c(out, 0, 0, 16), HEADER_FIXED, out.length), true);
  return out;
}

/** A record's frame: length, CRC32C over the length's bytes and the payload, then the payload. */
export function frame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEAD + payload.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, payload.length, true);
  out.set(payload, FRAME_HEAD);
  dv.setUint32(4, crc32c(out, crc32c(out, 0, 0, 4), FRAME_HEAD, out.length), true);
  return out;
}

/** A record's payload: a msgpack map whose first key is `kind` (readers peek at it without decoding). */
export function encodeRecord(rec: AnyRecord): Uint8Array {
  return frame(packWide(Object.keys(rec)[0] === 'kind' ? rec : Object.assign({ kind: rec.kind }, rec)));
}

/** A version 1 event record (this bpfsim writes version 2: see EventPacker in structures.ts). */
export function encodeEventV1(event: Event, result: Result): Uint8Array {
  return frame(packr.pack({ kind: 'event', event, result }));
}
