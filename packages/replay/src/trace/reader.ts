// Reading traces: a scan checks every frame and stops at the first damage, keeping every intact
// record before it; event records are indexed, not decoded, until asked for (a trace of a
// million events opens in the time it takes to checksum it).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Unpackr } from 'msgpackr';
import type { Event, Result } from '@bpfsim/events';
import { initialState, type KernelState } from '@bpfsim/reducer';
import { crc32c } from './crc32c.ts';
import {
  FORMAT_VERSION, FRAME_HEAD, HEADER_FIXED, MAGIC, MAX_RECORD, packr, unpackStateful,
  type AnyRecord, type EndRecord, type EventRecord, type HashRecord, type StructuresRecord, type TraceHeader,
} from './format.ts';
import { eventUnpackr, MAX_SHARED_STRUCTURES } from './structures.ts';
import { EventRecordReader } from './records.ts';

/** A trace that cannot be read at all (not a trace, a newer format, a damaged header), or a record that cannot be decoded. */
export class TraceError extends Error {}

/** Where and why a reader stopped before a clean end. */
export interface TraceStop {
  /** Byte offset of the first record not kept (the file length when it merely ends early). */
  readonly offset: number;
  /** Index of that record among all records (events, hashes, ...), counting from 0. */
  readonly record: number;
  /** Events kept: the index the next event would have had. */
  readonly event: number;
  readonly reason: string;
  /** True when bytes were damaged or cut; false when the file ends at a record boundary without an end record. */
  readonly damaged: boolean;
}

/** What a scan found: the header, where each intact record is, and where and why it stopped. */
export interface Scan {
  readonly header?: TraceHeader;
  /** Set when the header cannot be read: nothing else is. */
  readonly error?: string;
  /** The header's format version, when its fixed part could be read. */
  readonly version?: number;
  /** Byte offset and length of each event record's payload. */
  readonly eventOffsets: number[];
  readonly eventLengths: number[];
  readonly hashes: HashRecord[];
  /** Offsets and lengths of state snapshot records, by position. */
  readonly snapshots: Map<number, [number, number]>;
  /** Records of kinds this reader does not interpret, with their record index and the events before them. */
  readonly others: { readonly record: number; readonly at: number; readonly value: AnyRecord }[];
  /** Version 2: the record structures the `structures` records defined, in order; and the events before each such record. */
  readonly structures: string[][];
  readonly structuresAt: number[];
  readonly end?: EndRecord;
  /** Intact records kept (the header not counted). */
  readonly records: number;
  /** Absent when the trace ends with its end record. */
  readonly stop?: TraceStop;
}

const KIND_KEY = [0xa4, 0x6b, 0x69, 0x6e, 0x64]; // fixstr "kind"
/** Version 2's event records are a msgpack array of two, [event, result]: a fixarray header. */
const EVENT_V2 = 0x92;

/**
 * bytes[start, end) for msgpackr, which does not decode every record from shared memory: a copy
 * of bytes in a SharedArrayBuffer (Uint8Array's slice: a Buffer's would be a view), else a view.
 */
function forDecoder(b: Uint8Array, start: number, end: number): Uint8Array {
  return b.buffer instanceof SharedArrayBuffer ? Uint8Array.prototype.slice.call(b, start, end) : b.subarray(start, end);
}

/** The `kind` of a record payload without decoding it, or undefined when it is not laid out as writers lay it out. */
function peekKind(b: Uint8Array, off: number, end: number): string | undefined {
  const t = b[off];
  let p = off + ((t & 0xf0) === 0x80 ? 1 : t === 0xde ? 3 : t === 0xdf ? 5 : end);
  for (let i = 0; i < 5; i++) if (b[p + i] !== KIND_KEY[i]) return undefined;
  p += 5;
  let len: number;
  if ((b[p] & 0xe0) === 0xa0) { len = b[p] & 0x1f; p += 1; } else if (b[p] === 0xd9) { len = b[p + 1]; p += 2; } else return undefined;
  if (p + len > end) return undefined;
  let s = '';
  for (let i = 0; i < len; i++) { const c = b[p + i]; if (c > 0x7e || c < 0x20) return undefined; s += String.fromCharCode(c); }
  return s;
}

function decodeHeader(b: Uint8Array): { header?: TraceHeader; version?: number; error?: string; next: number } {
  if (b.length < MAGIC.length || MAGIC.some((m, i) => b[i] !== m)) {
    return { error: b.length < MAGIC.length && MAGIC.slice(0, b.length).every((m, i) => b[i] === m) ? 'truncated header (the file is shorter than a trace header)' : 'not a bpfsim trace (bad magic bytes)', next: 0 };
  }
  if (b.length < HEADER_FIXED) return { error: 'truncated header (the file is shorter than a trace header)', next: 0 };
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const version = dv.getUint16(8, true);
  if (version > FORMAT_VERSION) return { version, error: `trace format version ${version} is newer than this bpfsim reads (up to ${FORMAT_VERSION}): upgrade bpfsim to read it`, next: 0 };
  if (version === 0) return { version, error: 'damaged header (format version 0)', next: 0 };
  const len = dv.getUint32(12, true);
  if (len > MAX_RECORD) return { version, error: 'damaged header (implausible length)', next: 0 };
  if (b.length < HEADER_FIXED + len) return { version, error: 'truncated header (the file ends inside the trace header)', next: 0 };
  const crc = crc32c(b, crc32c(b, 0, 0, 16), HEADER_FIXED, HEADER_FIXED + len);
  if (crc !== dv.getUint32(16, true)) return { version, error: 'damaged header (CRC32C mismatch)', next: 0 };
  if (dv.getUint16(10, true) !== 0) return { version, error: `unsupported header flags 0x${dv.getUint16(10, true).toString(16)}`, next: 0 };
  let body: unknown;
  try { body = unpackStateful(forDecoder(b, HEADER_FIXED, HEADER_FIXED + len)); } catch { return { version, error: 'damaged header (undecodable)', next: 0 }; }
  const h = body as Partial<TraceHeader> | null;
  if (!h || typeof h !== 'object' || typeof h.seed !== 'number' || typeof h.hashEvery !== 'number' || typeof h.hash !== 'string' || typeof h.bpfsim !== 'string') {
    return { version, error: 'damaged header (missing fields)', next: 0 };
  }
  return { header: h as TraceHeader, version, next: HEADER_FIXED + len };
}

/** Scans a trace's bytes. Never throws: damage is reported in `error` (header) or `stop` (records). */
export function scanTrace(b: Uint8Array): Scan {
  const eventOffsets: number[] = [], eventLengths: number[] = [];
  const hashes: HashRecord[] = [];
  const snapshots = new Map<number, [number, number]>();
  const others: Scan['others'][number][] = [];
  const structures: string[][] = [], structuresAt: number[] = [];
  const h = decodeHeader(b);
  if (!h.header) return { error: h.error, version: h.version, eventOffsets, eventLengths, hashes, snapshots, others, structures, structuresAt, records: 0 };
  const v2 = h.version! >= 2;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let off = h.next, records = 0, end: EndRecord | undefined;
  let stop: TraceStop | undefined;
  const halt = (reason: string, damaged = true) => { stop = { offset: off, record: records, event: eventOffsets.length, reason, damaged }; };
  while (!stop) {
    if (off === b.length) {
      if (!end) halt('the trace ends without an end record (the recorder did not close it)', false);
      break;
    }
    if (end) { halt('bytes after the end record'); break; }
    if (b.length - off < FRAME_HEAD) { halt(`torn record: the file ends ${b.length - off} bytes into a record's frame header`); break; }
    const len = dv.getUint32(off, true);
    if (len > MAX_RECORD || len === 0) { halt(`corrupt record: implausible length ${len}`); break; }
    if (b.length - off - FRAME_HEAD < len) { halt(`torn record: its frame says ${len} bytes, ${b.length - off - FRAME_HEAD} remain`); break; }
    const p = off + FRAME_HEAD, q = p + len;
    if (crc32c(b, crc32c(b, 0, off, off + 4), p, q) !== dv.getUint32(off + 4, true)) { halt('corrupt record: CRC32C mismatch'); break; }
    // Version 2 tells event records by their first byte, and decodes every other record (rare).
    let kind = v2 ? (b[p] === EVENT_V2 ? 'event' : undefined) : peekKind(b, p, q);
    let value: AnyRecord | undefined;
    if (kind !== 'event') {
      try { value = packr.unpack(forDecoder(b, p, q)) as AnyRecord; } catch { halt('corrupt record: undecodable msgpack'); break; }
      if (!value || typeof value !== 'object' || typeof value.kind !== 'string') { halt('corrupt record: not a map with a kind'); break; }
      kind = value.kind;
    }
    const at = eventOffsets.length;
    switch (kind) {
      case 'event':
        if (value) { halt('corrupt record: an event record laid out as in version 1'); break; }
        eventOffsets.push(p); eventLengths.push(len);
        break;
      case 'structures': {
        if (!v2) { others.push({ record: records, at, value: value! }); break; }
        const r = value as StructuresRecord;
        if (r.first !== structures.length || !Array.isArray(r.keys) || r.first + r.keys.length > MAX_SHARED_STRUCTURES
          || !r.keys.every((k) => Array.isArray(k) && k.every((x) => typeof x === 'string'))) {
          halt(`corrupt record: structures ${String(r.first)}.. after ${structures.length} defined`);
          break;
        }
        for (const k of r.keys) structures.push([...k]);
        structuresAt.push(at);
        break;
      }
      case 'hash': {
        const r = value as HashRecord;
        if (r.at !== at || typeof r.hash !== 'string') { halt(`corrupt record: a hash record for position ${r.at} after ${at} events`); break; }
        hashes.push({ kind: 'hash', at: r.at, hash: r.hash });
        break;
      }
      case 'state': {
        const r = value as { at: unknown };
        if (r.at !== at) { halt(`corrupt record: a state record for position ${String(r.at)} after ${at} events`); break; }
        snapshots.set(at, [p, len]);
        break;
      }
      case 'end': {
        const r = value as EndRecord;
        if (r.events !== at || typeof r.hash !== 'string') { halt(`corrupt record: the end record counts ${r.events} events, the trace has ${at}`); break; }
        end = { kind: 'end', events: r.events, hash: r.hash };
        break;
      }
      default:
        others.push({ record: records, at, value: value! });
    }
    if (stop) break;
    records++;
    off = q;
  }
  return { header: h.header, version: h.version, eventOffsets, eventLengths, hashes, snapshots, others, structures, structuresAt, end, records, stop };
}

/** A file's bytes, in a SharedArrayBuffer (a Uint8Array: its slice() copies, where a Buffer's would not). */
function readShared(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const out = new Uint8Array(new SharedArrayBuffer(fstatSync(fd).size));
    let done = 0;
    for (let n; done < out.length && (n = readSync(fd, out, done, out.length - done, done)) > 0;) done += n;
    return done === out.length ? out : out.subarray(0, done); // (a file that shrank while read)
  } finally {
    closeSync(fd);
  }
}

/** Deep-freezes a decoded value, as the reducer's states are. */
export function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
  }
  return v;
}

/** An opened trace: its header and random access to its intact events. */
export class Trace {
  readonly header: TraceHeader;
  readonly bytes: Uint8Array;
  readonly scan: Scan;
  #initial?: KernelState;
  /** Version 2's decoder of event records, with the trace's structures, and its fast path (records.ts). */
  readonly #unpackr: Unpackr | undefined;
  readonly #fast: EventRecordReader | undefined;
  /** msgpackr does not decode every record from shared memory: such bytes are copied out first. */
  readonly #shared: boolean;

  private constructor(bytes: Uint8Array, scan: Scan) {
    this.bytes = bytes;
    this.#shared = bytes.buffer instanceof SharedArrayBuffer;
    this.scan = scan;
    this.header = scan.header!;
    this.#unpackr = scan.version! >= 2 ? eventUnpackr(scan.structures) : undefined;
    this.#fast = scan.version! >= 2 ? new EventRecordReader(scan.structures) : undefined;
  }

  /** Opens a trace's bytes; throws TraceError when the header cannot be read. */
  static open(bytes: Uint8Array, name = 'trace'): Trace {
    const scan = scanTrace(bytes);
    if (scan.error) throw new TraceError(`${name}: ${scan.error}`);
    return new Trace(bytes, scan);
  }

  /**
   * A trace whose bytes were scanned already (by `scan`, of these very bytes: nothing is checked
   * again), as a replay worker receives one: bytes in shared memory and the scan without its header.
   */
  static scanned(bytes: Uint8Array, scan: Omit<Scan, 'header'>): Trace {
    const header = decodeHeader(bytes).header;
    if (!header) throw new TraceError('trace: the header of scanned bytes does not decode');
    return new Trace(bytes, { ...scan, header });
  }

  /**
   * Reads and opens a trace file; throws TraceError (with the errno code) when it cannot be read.
   * The bytes are read into shared memory, which replay worker threads read without a copy.
   */
  static load(path: string): Trace {
    let bytes: Uint8Array;
    try { bytes = readShared(path); } catch (e) { throw new TraceError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
    return Trace.open(bytes, path);
  }

  /** Intact events. */
  get length(): number { return this.scan.eventOffsets.length; }
  /** True when the trace ends with its end record and nothing is damaged. */
  get complete(): boolean { return !this.scan.stop; }
  get stop(): TraceStop | undefined { return this.scan.stop; }
  get hashes(): readonly HashRecord[] { return this.scan.hashes; }
  get end(): EndRecord | undefined { return this.scan.end; }

  /** Event record `i` as decoded, not checked (throws msgpackr's error if it does not decode). */
  decode(i: number): EventRecord {
    if (!this.#unpackr) {
      const start = this.scan.eventOffsets[i], end = start + this.scan.eventLengths[i];
      return (this.#shared ? packr.unpack(forDecoder(this.bytes, start, end)) : packr.unpack(this.bytes, { start, end })) as EventRecord;
    }
    const v = this.pair(i);
    return { kind: 'event', event: v[0], result: v[1] };
  }

  /** decode(i) as [event, result], without the record object around them (replay's hot path). */
  pair(i: number): readonly [Event, Result] {
    // Decoding in place (start/end) spares a subarray and a DataView per record.
    const start = this.scan.eventOffsets[i], end = start + this.scan.eventLengths[i];
    if (!this.#unpackr) {
      const r = this.decode(i);
      return [r?.event, r?.result];
    }
    return (this.#fast!.read(this.bytes, start, end)
      ?? (this.#shared ? this.#unpackr.unpack(forDecoder(this.bytes, start, end)) : this.#unpackr.unpack(this.bytes, { start, end }))) as [Event, Result];
  }

  /** Event record `i` (decoded on each call). */
  record(i: number): EventRecord {
    if (!(i >= 0 && i < this.length)) throw new RangeError(`event ${i} is out of range (the trace has ${this.length})`);
    let r: EventRecord;
    try { r = this.decode(i); } catch (e) { throw new TraceError(`event ${i}: undecodable record (${(e as Error).message})`); }
    if (!r || typeof r !== 'object' || !r.event || !r.result) throw new TraceError(`event ${i}: the record has no event or result`);
    return r;
  }
  event(i: number): Event { return this.record(i).event; }
  result(i: number): Result { return this.record(i).result; }

  /** The state before the first event. */
  initialState(): KernelState {
    return this.#initial ??= this.header.state ? deepFreeze(this.header.state) : initialState(this.header.seed);
  }

  /** The recorded state snapshot at position `at`, if the trace has one. */
  snapshot(at: number): KernelState | undefined {
    const s = this.scan.snapshots.get(at);
    const bytes = s ? forDecoder(this.bytes, s[0], s[0] + s[1]) : undefined;
    return bytes ? deepFreeze((unpackStateful(bytes) as { state: KernelState }).state) : undefined;
  }
}

/** Everything intact in a trace, decoded. Never throws (a record that decodes to nothing sensible ends it). */
export interface ReadTrace {
  readonly header?: TraceHeader;
  readonly error?: string;
  readonly entries: { readonly event: Event; readonly result: Result }[];
  readonly hashes: readonly HashRecord[];
  readonly end?: EndRecord;
  readonly stop?: TraceStop;
}

export function readTrace(bytes: Uint8Array): ReadTrace {
  const scan = scanTrace(bytes);
  if (scan.error) return { error: scan.error, entries: [], hashes: [] };
  const t = Trace.open(bytes);
  const entries: ReadTrace['entries'][number][] = [];
  for (let i = 0; i < t.length; i++) {
    try {
      const r = t.record(i);
      entries.push({ event: r.event, result: r.result });
    } catch (e) {
      // CRC-valid but undecodable: a writer bug rather than damage; keep what came before.
      const before = scan.hashes.filter((h) => h.at <= i).length + [...scan.snapshots.keys()].filter((a) => a <= i).length
        + scan.others.filter((o) => o.at <= i).length + scan.structuresAt.filter((a) => a <= i).length;
      const stop: TraceStop = { offset: scan.eventOffsets[i] - FRAME_HEAD, record: i + before, event: i, reason: (e as Error).message, damaged: true };
      return { header: scan.header, entries, hashes: scan.hashes.filter((h) => h.at <= i), stop };
    }
  }
  return { header: scan.header, entries, hashes: scan.hashes, end: scan.end, stop: scan.stop };
}
