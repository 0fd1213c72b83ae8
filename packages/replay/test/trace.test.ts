// The trace format: CRC32C, the state hash, round trips, torn and corrupted files, versions,
// a recorder killed mid-write, and replay's divergence reports.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event } from '@bpfsim/events';
import { Kernel } from '@bpfsim/kernel';
import { fold, initialState, type KernelState } from '@bpfsim/reducer';
import { eventArb } from '../../reducer/test/arbitraries.ts';
import {
  crc32c, stateHash, traceFromEntries, readTrace, scanTrace, Trace, TraceError, TraceWriter, MemorySink,
  recordKernel, replayTrace, FORMAT_VERSION, AUTO_SNAPSHOT_EVERY, AUTO_SNAPSHOT_RATIO, deepFreeze, encodeRecord, encodeEventV1, type AnyRecord,
} from '../src/trace/index.ts';
import { MAX_SHARED_STRUCTURES } from '../src/trace/structures.ts';
import { formatDiffLine } from '../src/timetravel/diff.ts';

const root = new URL('../../../', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'bpfsim-trace-'));
const bytesOf = (s: string) => new TextEncoder().encode(s);
const streams = fc.array(eventArb, { maxLength: 40 });

function foldAll(events: readonly Event[], seed = 0) {
  let state = initialState(seed);
  const results = [];
  for (const e of events) { const r = fold(state, e); state = r.state; results.push(r.result); }
  return { state, results };
}

/** A small trace that exercises every record kind the writer produces. */
const SAMPLE: Event[] = [
  { kind: 'netdev_add', name: 'eth0', peer: 'peer0' },
  { kind: 'bpf', pid: 100, cmd: 'BPF_MAP_CREATE', attr: { map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 8, max_entries: 16, map_name: 'm' } },
  { kind: 'bpf', pid: 100, cmd: 'BPF_MAP_UPDATE_ELEM', attr: { map_fd: 3, key: '01000000', value: '0200000000000000', flags: 0 } },
  { kind: 'bpf', pid: 100, cmd: 'BPF_PROG_LOAD', attr: { prog_type: 'BPF_PROG_TYPE_SCHED_CLS', license: 'GPL', insns: [{ code: 0xb7, dst_reg: 0, src_reg: 0, off: 0, imm: 0 }, { code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0 }] } },
  { kind: 'mkdir', pid: 100, pathname: '/sys/fs/bpf/d' },
  { kind: 'bpf', pid: 100, cmd: 'BPF_OBJ_PIN', attr: { bpf_fd: 3, pathname: '/sys/fs/bpf/d/m' } },
  { kind: 'close', pid: 100, fd: 9 },
  { kind: 'fork', pid: 100, child: 101 },
  { kind: 'exit', pid: 100 },
] as Event[];

describe('crc32c', () => {
  it('matches the known vectors (the check value, RFC 3720 B.4)', () => {
    expect(crc32c(bytesOf('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
    const iscsiRead = Uint8Array.from([
      0x01, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x14, 0, 0, 0, 0, 0, 0x04, 0, 0, 0, 0, 0x14,
      0, 0, 0, 0x18, 0x28, 0, 0, 0, 0, 0, 0, 0, 0x02, 0, 0, 0, 0, 0, 0, 0,
    ]);
    expect(crc32c(iscsiRead)).toBe(0xd9963a56);
  });
  it('agrees with the bitwise definition, in one piece or many', () => {
    const bitwise = (b: Uint8Array) => {
      let c = ~0;
      for (const x of b) { c ^= x; for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1; }
      return ~c >>> 0;
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (b, cut) => {
      const k = b.length ? cut % (b.length + 1) : 0;
      expect(crc32c(b)).toBe(bitwise(b));
      expect(crc32c(b, crc32c(b, 0, 0, k), k, b.length)).toBe(bitwise(b));
    }), { numRuns: 300 });
  });
});

/** sh64 written again from FORMAT.md's words, independently of src/trace/hash.ts. */
function refHash(v: unknown): string {
  const rotl = (x: number, r: number) => ((x << r) | (x >>> (32 - r))) >>> 0;
  const mul = (a: number, b: number) => Math.imul(a, b) >>> 0;
  const words = (v: unknown): number[] => {
    if (v === null) return [1];
    if (v === false) return [2];
    if (v === true) return [3];
    if (v === undefined) return [4];
    if (typeof v === 'number') {
      if (Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) return [5, v >>> 0];
      const dv = new DataView(new ArrayBuffer(8)); dv.setFloat64(0, v, true);
      return [6, dv.getUint32(0, true), dv.getUint32(4, true)];
    }
    if (typeof v === 'string') {
      const w = [7, v.length];
      for (let i = 0; i < v.length; i += 2) w.push((v.charCodeAt(i) | ((i + 1 < v.length ? v.charCodeAt(i + 1) : 0) << 16)) >>> 0);
      return w;
    }
    if (Array.isArray(v)) return [8, v.length, ...v.flatMap((x) => lanes(x))];
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
    return [9, keys.length, ...keys.flatMap((k) => [...lanes(k), ...lanes(o[k])])];
  };
  const lanes = (v: unknown): [number, number] => {
    const ws = words(v);
    let a = 0x3c6ef372, b = 0x165667b1;
    for (const w of ws) {
      a = (mul(rotl((a ^ mul(rotl(mul(w, 0xcc9e2d51), 15), 0x1b873593)) >>> 0, 13), 5) + 0xe6546b64) >>> 0;
      b = mul(rotl((b + mul(w, 0x85ebca77)) >>> 0, 13), 0x9e3779b1);
    }
    a = (a ^ ws.length) >>> 0;
    a ^= a >>> 16; a = mul(a, 0x85ebca6b); a ^= a >>> 13; a = mul(a, 0xc2b2ae35); a ^= a >>> 16;
    b = (b ^ ws.length) >>> 0;
    b ^= b >>> 15; b = mul(b, 0x85ebca77); b ^= b >>> 13; b = mul(b, 0xc2b2ae3d); b ^= b >>> 16;
    return [a >>> 0, b >>> 0];
  };
  return lanes(v).map((x) => x.toString(16).padStart(8, '0')).join('');
}

describe('stateHash', () => {
  it('is pinned: the same on every machine and run', () => {
    expect(stateHash(null)).toBe(stateHash(null));
    const v = { b: [true, 'x', 1.5, null, -7], a: 1, 'c/d': { 2: 'xyz', 10: false } };
    expect(stateHash(v)).toBe(refHash(v));
    expect(stateHash(v)).toBe('5482f8a782d3f341');
    expect(stateHash(initialState(0))).toBe(stateHash(initialState(0)));
    expect(stateHash(initialState(0))).not.toBe(stateHash(initialState(1)));
  });
  it('ignores key insertion order and undefined members, and tells values apart', () => {
    const shuffled = (v: unknown, r: () => number): unknown => {
      if (Array.isArray(v)) return v.map((x) => shuffled(x, r));
      if (v && typeof v === 'object') {
        const keys = Object.keys(v).sort(() => r() - 0.5);
        return Object.fromEntries(keys.map((k) => [k, shuffled((v as Record<string, unknown>)[k], r)]));
      }
      return v;
    };
    fc.assert(fc.property(fc.jsonValue(), fc.integer(), (v, seed) => {
      let x = seed;
      const r = () => { x = (Math.imul(x, 1103515245) + 12345) | 0; return (x >>> 8) / 2 ** 24; };
      expect(stateHash(shuffled(v, r))).toBe(stateHash(v));
    }), { numRuns: 300 });
    expect(stateHash({ a: 1, b: undefined })).toBe(stateHash({ a: 1 }));
    const distinct = [0, -1, 1, 1.5, '1', '', 'a', [], {}, [1], { 1: 1 }, [[]], [{}], null, true, false, [1, 2], [2, 1], { a: 1, b: 2 }, { a: 2, b: 1 }, 2 ** 40, 'ab', 'ba'];
    expect(new Set(distinct.map(stateHash)).size).toBe(distinct.length);
  });
  it('stays exact when its memos overflow (more nodes and keys than they keep)', () => {
    const nodes = Array.from({ length: 80_000 }, (_, i) => Object.freeze({ [`k${i}`]: Object.freeze([i, `v${i}`]) }));
    const big = Object.freeze(nodes.slice());
    const fresh = (v: unknown) => stateHash(JSON.parse(JSON.stringify(v)));
    expect(stateHash(big)).toBe(fresh(big));
    for (const i of [0, 1, 40_000, 79_999]) expect(stateHash(nodes[i])).toBe(fresh(nodes[i]));
    expect(stateHash(big)).toBe(fresh(big));
  });

  it('plans key lists exactly: records sharing a first key, or the same keys in another order, hash as the reference does', () => {
    const recs = [
      { id: 1, refs: 2, name: 'a' }, { id: 1, refs: 2 }, { id: 1, name: 'a', refs: 2 }, { id: 1, refs: 2, name: 'a', zz: undefined },
      { id: 1, refs: 2, tag: 'a' }, { refs: 2, id: 1, name: 'a' }, { id: 1, refs: { id: 1, refs: 3 }, name: 'a' },
    ];
    for (let round = 0; round < 2; round++) for (const r of recs) expect(stateHash(r)).toBe(refHash(r));
    // More lists under one first key than a chain keeps.
    const many = Array.from({ length: 40 }, (_, i) => ({ id: i, [`k${i}`]: i, [`a${i % 7}`]: 'x' }));
    for (let round = 0; round < 2; round++) for (const r of many) expect(stateHash(r)).toBe(refHash(r));
  });
  it('memoises no object that can change: a wide or costly unfrozen value hashes afresh after a write', () => {
    const wide: { v: number[] }[] = Array.from({ length: 64 }, (_, i) => ({ v: Array.from({ length: 200 }, (_, j) => i + j) }));
    expect(stateHash(wide)).toBe(refHash(wide));
    wide[3].v[7] = -1;
    expect(stateHash(wide)).toBe(refHash(wide));
    wide[5] = { v: [1] };
    expect(stateHash(wide)).toBe(refHash(wide));
  });

  it('memoised hashes of frozen states equal fresh hashes of the same values', () => {
    fc.assert(fc.property(streams, (events) => {
      let s = initialState(3);
      for (const e of events) {
        s = fold(s, e).state;
        expect(stateHash(s)).toBe(stateHash(JSON.parse(JSON.stringify(s))));
      }
    }), { numRuns: 40 });
  });
});

describe('round trip', () => {
  it('any event stream → trace → the same events and results (either format version)', () => {
    fc.assert(fc.property(streams, fc.integer({ min: 0, max: 7 }), fc.integer(), fc.constantFrom(1 as const, 2 as const), (events, hashEvery, seed, formatVersion) => {
      const { bytes } = traceFromEntries(events, { hashEvery, seed, formatVersion });
      const r = readTrace(bytes);
      expect(r.stop).toBeUndefined();
      expect(r.header?.seed).toBe(seed);
      expect(r.entries.map((x) => x.event)).toEqual(events);
      expect(r.entries.map((x) => x.result)).toEqual(foldAll(events, seed).results);
      expect(r.hashes.length).toBe(hashEvery ? Math.floor(events.length / hashEvery) : 0);
      expect(replayTrace(Trace.open(bytes)).ok).toBe(true);
    }), { numRuns: 150 });
  });

  it('keeps a non-initial starting state in the header', () => {
    const start = fold(initialState(5), SAMPLE[0]).state;
    const { bytes } = traceFromEntries(SAMPLE.slice(1), { seed: 5, state: start });
    const t = Trace.open(bytes);
    expect(t.header.state).toEqual(start);
    expect(t.initialState()).toEqual(start);
    expect(Object.isFrozen(t.initialState().netdevs)).toBe(true);
    expect(replayTrace(t).ok).toBe(true);
  });

  it('keeps a bpffs key named "__proto__" in the header and in snapshots (msgpackr objects would rename it)', () => {
    const pin = (n: string) => ({ kind: 'bpf', pid: 1, cmd: 'BPF_OBJ_PIN', attr: { bpf_fd: 3, pathname: `/sys/fs/bpf/${n}` } }) as Event;
    const events = [
      { kind: 'bpf', pid: 1, cmd: 'BPF_MAP_CREATE', attr: { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 1 } } as Event,
      pin('__proto__'), pin('__proto_'), pin('constructor'),
    ];
    let start = initialState(5);
    for (const e of events) start = fold(start, e).state;
    expect(Object.keys(start.bpffs)).toEqual(['__proto__', '__proto_', 'constructor']);
    const { bytes } = traceFromEntries([...events, { kind: 'close', pid: 1, fd: 3 } as Event], { seed: 5, snapshotEvery: 1 });
    const r = replayTrace(Trace.open(bytes));
    expect(r.ok, r.divergence?.message).toBe(true);
    expect(r.snapshotsChecked).toBe(5);
    const t = Trace.open(traceFromEntries([{ kind: 'close', pid: 1, fd: 3 } as Event], { seed: 5, state: start }).bytes);
    expect(stateHash(t.initialState())).toBe(stateHash(start));
    expect(Object.getPrototypeOf(t.initialState().bpffs)).toBe(Object.prototype);
    expect(replayTrace(t).ok).toBe(true);
  });

  it('records a Kernel through onEvent, to a file, hashing every N events', () => {
    const path = join(tmp, 'kernel.trace');
    const k = new Kernel({ seed: 9 });
    let seen = 0;
    k.onEvent = () => { seen++; };
    const rec = recordKernel(k, path, { hashEvery: 2 });
    for (const e of SAMPLE) k.apply(e);
    rec.stop();
    expect(seen).toBe(SAMPLE.length);
    const t = Trace.load(path);
    expect(t.complete).toBe(true);
    expect(t.length).toBe(SAMPLE.length);
    expect(t.header.seed).toBe(9);
    expect(t.header.state).toBeUndefined();
    expect(t.hashes.map((h) => h.at)).toEqual([2, 4, 6, 8]);
    expect(t.end).toEqual({ kind: 'end', events: SAMPLE.length, hash: stateHash(k.state) });
    expect(Array.from({ length: t.length }, (_, i) => t.record(i))).toEqual(k.trace.map((x) => ({ kind: 'event', ...x })));
    expect(replayTrace(t).ok).toBe(true);
  });

  it("snapshots 'auto' (recordKernel's default): every AUTO_SNAPSHOT_EVERY events at a hash record, unless they would outweigh the records between them", () => {
    const close = { event: { kind: 'close', pid: 1, fd: 3 } as Event, result: { ret: -9 } };
    const write = (state: KernelState, hashEvery: number) => {
      const sink = new MemorySink();
      const w = new TraceWriter(sink, { snapshotEvery: 'auto', hashEvery, state });
      for (let i = 0; i < 3 * AUTO_SNAPSHOT_EVERY + 5; i++) w.append(close, state);
      w.close(state);
      return Trace.open(sink.bytes());
    };
    const snapshotsOf = (state: KernelState, hashEvery: number) => {
      const t = write(state, hashEvery);
      const at = [...t.scan.snapshots.keys()];
      if (at.length) expect(stateHash(t.snapshot(at[0])!)).toBe(stateHash(state));
      return at;
    };
    const small = initialState(0);
    expect(snapshotsOf(small, 256)).toEqual([1, 2, 3].map((k) => k * AUTO_SNAPSHOT_EVERY));
    expect(snapshotsOf(small, 5000)).toEqual([10_000, 20_000]); // (rounded up to hash records)
    expect(snapshotsOf(small, 0)).toEqual([]);
    // A state whose snapshot takes more than 1/AUTO_SNAPSHOT_RATIO of the bytes of the records
    // between two snapshots, but no more than twice that: every other one is left out.
    const t = write(small, 256);
    const between = t.scan.eventOffsets[2 * AUTO_SNAPSHOT_EVERY] - t.scan.eventOffsets[AUTO_SNAPSHOT_EVERY];
    const table = (n: number) => {
      const bpffs: Record<string, { kind: 'dir' }> = {};
      for (let i = 0; i < n; i++) bpffs[`d${i}`] = { kind: 'dir' };
      return deepFreeze({ ...small, bpffs }); // (frozen, as states are: its hash is memoised)
    };
    const perEntry = encodeRecord({ kind: 'state', at: 0, state: table(1000) }).length / 1000;
    expect(snapshotsOf(table(Math.ceil((1.5 * between) / AUTO_SNAPSHOT_RATIO / perEntry)), 256)).toEqual([1, 3].map((k) => k * AUTO_SNAPSHOT_EVERY));
    // A table of more entries than msgpack's map16 holds is packed as a map32.
    const wide = traceFromEntries([close], { snapshotEvery: 1, state: table(80_000) });
    expect(Object.keys(wide.states[1].bpffs)).toHaveLength(80_000);
    expect(stateHash(wide.trace.snapshot(1)!)).toBe(stateHash(wide.states[1]));
    expect(() => new TraceWriter(new MemorySink(), { snapshotEvery: 'often' as never })).toThrow(/snapshotEvery: expected an integer >= 0 or 'auto'/);
  });

  it('reads a trace in shared memory (as Trace.load reads files, for replay workers) as it reads any bytes', () => {
    const shared = (b: Uint8Array) => { const u = new Uint8Array(new SharedArrayBuffer(b.length)); u.set(b); return u; };
    for (const formatVersion of [1, 2] as const) {
      const { bytes } = traceFromEntries(SAMPLE, { hashEvery: 2, snapshotEvery: 3, formatVersion, state: initialState(4) });
      const plain = Trace.open(bytes);
      for (const b of [shared(bytes), Buffer.from(shared(bytes).buffer)]) {
        const t = Trace.open(b);
        expect(t.scan.version).toBe(formatVersion);
        expect(readTrace(b)).toEqual(readTrace(bytes));
        expect(t.initialState()).toEqual(plain.initialState());
        expect(t.snapshot(3)).toEqual(plain.snapshot(3));
        expect(replayTrace(t)).toMatchObject({ ok: true, snapshotsChecked: plain.scan.snapshots.size, endChecked: true });
      }
    }
    const file = join(tmp, 'shared.trace');
    writeFileSync(file, traceFromEntries(SAMPLE).bytes);
    expect(Trace.load(file).bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('is deterministic: the same events give the same bytes', () => {
    expect(traceFromEntries(SAMPLE, { hashEvery: 3 }).bytes).toEqual(traceFromEntries(SAMPLE, { hashEvery: 3 }).bytes);
  });
});

describe.each([1, 2] as const)('damage (format version %i)', (formatVersion) => {
  const { bytes } = traceFromEntries(SAMPLE, { hashEvery: 2, snapshotEvery: 4, formatVersion });
  const clean = scanTrace(bytes);
  const eventEnds = clean.eventOffsets.map((o, i) => o + clean.eventLengths[i]);
  const all = readTrace(bytes);

  it('a torn tail: cut at every byte offset, the reader never throws and keeps exactly the intact prefix', () => {
    expect(clean.stop).toBeUndefined();
    expect(clean.version).toBe(formatVersion);
    expect(all.entries.map((x) => x.event)).toEqual(SAMPLE);
    const headerEnd = 20 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const r = readTrace(bytes.subarray(0, cut));
      if (cut < headerEnd) { expect(r.error, `cut ${cut}`).toMatch(/truncated header/); continue; }
      const kept = eventEnds.filter((e) => e <= cut).length;
      expect(r.entries.length, `cut ${cut}`).toBe(kept);
      expect(r.entries).toEqual(all.entries.slice(0, kept));
      if (cut === bytes.length) { expect(r.stop).toBeUndefined(); continue; }
      expect(r.stop, `cut ${cut}`).toBeDefined();
      expect(r.stop!.offset).toBeLessThanOrEqual(cut);
      expect(r.stop!.event).toBe(kept);
      expect(r.stop!.damaged).toBe(r.stop!.offset !== cut);
    }
  });

  it('corruption: flipping any byte is detected, and what is kept is an intact prefix', () => {
    for (let i = 0; i < bytes.length; i++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const b = bytes.slice();
        b[i] ^= mask;
        let r;
        expect(() => { r = readTrace(b); }).not.toThrow();
        const rr = r! as ReturnType<typeof readTrace>;
        expect(rr.error !== undefined || rr.stop !== undefined, `byte ${i} ^ ${mask}`).toBe(true);
        expect(rr.entries).toEqual(all.entries.slice(0, rr.entries.length));
        if (rr.stop) expect(rr.stop.offset).toBeLessThanOrEqual(i);
      }
    }
  });

  it('reports the byte offset and record index where it stopped', () => {
    const b = bytes.slice();
    const third = clean.eventOffsets[2];
    b[third + 3] ^= 0x10;
    const r = scanTrace(b);
    // records: event 0, event 1, hash@2, event 2 (damaged); in version 2 each event here has new
    // shapes, so a structures record comes before each.
    expect(r.stop).toEqual({ offset: third - 8, record: formatVersion === 1 ? 3 : 6, event: 2, reason: 'corrupt record: CRC32C mismatch', damaged: true });
  });

  it('refuses a newer format version, saying so', () => {
    const b = bytes.slice();
    new DataView(b.buffer).setUint16(8, FORMAT_VERSION + 1, true);
    expect(scanTrace(b).error).toBe(`trace format version ${FORMAT_VERSION + 1} is newer than this bpfsim reads (up to ${FORMAT_VERSION}): upgrade bpfsim to read it`);
    expect(() => Trace.open(b, 'x.trace')).toThrow(TraceError);
    expect(() => Trace.open(b, 'x.trace')).toThrow(/x\.trace: trace format version 3 is newer than this bpfsim reads \(up to 2\)/);
    expect(scanTrace(bytesOf('{"kind":"close"}')).error).toMatch(/not a bpfsim trace/);
  });

  it('an unclosed trace keeps everything and says it was not closed', () => {
    const sink = new MemorySink();
    const w = new TraceWriter(sink, { hashEvery: 2, formatVersion });
    let s = initialState(0);
    for (const e of SAMPLE.slice(0, 5)) { const r = fold(s, e); s = r.state; w.append({ event: e, result: r.result }, s); }
    const r = scanTrace(sink.bytes());
    expect(r.eventOffsets.length).toBe(5);
    // 5 events and 2 hashes; in version 2, a structures record before each event (each has a new shape).
    expect(r.stop).toMatchObject({ damaged: false, event: 5, record: formatVersion === 1 ? 7 : 12 });
    expect(r.stop!.reason).toMatch(/without an end record/);
  });

  it('keeps records of kinds it does not know, and replay stops there', () => {
    const sink = new MemorySink();
    const w = new TraceWriter(sink, { hashEvery: 0, formatVersion });
    let s = initialState(0);
    for (const [i, e] of SAMPLE.slice(0, 3).entries()) {
      const r = fold(s, e); s = r.state; w.append({ event: e, result: r.result }, s);
      if (i === 1) w.appendRecord({ kind: 'packets', batch: [1, 2, 3] });
    }
    w.close(s);
    const t = Trace.open(sink.bytes());
    expect(t.complete).toBe(true);
    expect(t.scan.others).toEqual([{ record: formatVersion === 1 ? 2 : 4, at: 2, value: { kind: 'packets', batch: [1, 2, 3] } }]);
    const rep = replayTrace(t);
    expect(rep.divergence).toMatchObject({ kind: 'unknown-record', position: 2 });
    expect(encodeRecord({ kind: 'x', a: 1 })[8]).toBe(0xde); // a msgpack map, `kind` first
  });
});

describe('format version 2: event records with shared structures', () => {
  const shaped = (n: number) => Array.from({ length: n }, (_, i) => ({ event: { kind: 'close', pid: 1, fd: i, [`f${i}`]: i } as unknown as Event, result: { ret: -9 } }));

  it('takes about half the bytes of version 1 on repeated shapes, and decodes to the same', () => {
    const events = [...SAMPLE, ...Array.from({ length: 200 }, (_, i) => ({ kind: 'bpf', pid: 100, cmd: 'BPF_MAP_UPDATE_ELEM', attr: { map_fd: 3, key: `0${i % 10}000000`, value: '0200000000000000', flags: 0 } }) as Event)];
    const v1 = traceFromEntries(events, { formatVersion: 1, hashEvery: 0 }), v2 = traceFromEntries(events, { formatVersion: 2, hashEvery: 0 });
    expect(v2.bytes.length).toBeLessThan(0.6 * v1.bytes.length);
    expect(readTrace(v2.bytes).entries).toEqual(readTrace(v1.bytes).entries);
  });

  it('lays event records out byte for byte as FORMAT.md says', () => {
    const payload = (bytes: Uint8Array, i: number) => { const sc = scanTrace(bytes); return [...bytes.subarray(sc.eventOffsets[i], sc.eventOffsets[i] + sc.eventLengths[i])]; };
    const one = traceFromEntries([{ event: { kind: 'close', pid: 100, fd: 4 }, result: { ret: 0 } }]).bytes;
    expect(scanTrace(one).structures).toEqual([['kind', 'pid', 'fd'], ['ret']]);
    expect(payload(one, 0)).toEqual([0x92, 0x40, 0xa5, 0x63, 0x6c, 0x6f, 0x73, 0x65, 0xcc, 0x64, 0x04, 0x41, 0x00]);
    // Entry k of shaped() uses structure k + 1 (k > 0; {ret} is structure 1): structure 100 is
    // 0x60 + (68 mod 32), then 68 >> 5.
    const many = traceFromEntries(shaped(120), { hashEvery: 0 }).bytes;
    expect(payload(many, 99).slice(0, 3)).toEqual([0x92, 0x64, 0x02]);
    expect(payload(many, 5).slice(0, 2)).toEqual([0x92, 0x46]);
  });

  it('defines each structure once, before the first event record that uses it', () => {
    const { bytes } = traceFromEntries([...SAMPLE, ...SAMPLE]);
    const scan = scanTrace(bytes);
    expect(scan.structures).toContainEqual(['kind', 'pid', 'cmd', 'attr']);
    expect(new Set(scan.structures.map((k) => k.join())).size).toBe(scan.structures.length);
    expect(scan.structuresAt.every((at) => at < SAMPLE.length)).toBe(true); // the second pass defines nothing new
  });

  it('more than 32 structures (two-byte ids) and more than msgpackr can share (inline definitions) round-trip', () => {
    for (const n of [40, 1100, MAX_SHARED_STRUCTURES + 50]) {
      const entries = shaped(n);
      const { bytes } = traceFromEntries(entries, { hashEvery: 0 });
      const r = readTrace(bytes);
      expect(r.stop).toBeUndefined();
      expect(r.entries).toEqual(entries);
      if (n > MAX_SHARED_STRUCTURES) expect(scanTrace(bytes).structures.length).toBe(MAX_SHARED_STRUCTURES); // the rest inline
    }
  }, 60_000);

  it('a structures record that does not continue the table, or a version 1 event record, is corruption', () => {
    const good = traceFromEntries(SAMPLE.slice(0, 2)).bytes;
    const head = good.subarray(0, 20 + new DataView(good.buffer, good.byteOffset).getUint32(12, true));
    const cat = (...parts: Uint8Array[]) => { const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0)); let o = 0; for (const p of parts) { out.set(p, o); o += p.length; } return out; };
    const gap = scanTrace(cat(head, encodeRecord({ kind: 'structures', first: 1, keys: [['a']] } as AnyRecord)));
    expect(gap.stop).toMatchObject({ offset: head.length, record: 0, damaged: true, reason: 'corrupt record: structures 1.. after 0 defined' });
    const v1Event = scanTrace(cat(head, encodeEventV1(SAMPLE[0], { ret: 3 })));
    expect(v1Event.stop).toMatchObject({ offset: head.length, record: 0, reason: 'corrupt record: an event record laid out as in version 1' });
  });

  it('reads version 1 traces (the examples as recorded before version 2): the same events, results and hashes', () => {
    for (const name of ['tcx-upgrade', 'tcx-timetravel']) {
      const old = Trace.load(join(root, `packages/replay/test/fixtures/${name}.v1.trace`));
      expect(old.scan.version).toBe(1);
      expect(old.complete).toBe(true);
      const rep = replayTrace(old);
      expect(rep.ok).toBe(true);
      expect(rep.endChecked).toBe(true);
      const entries = Array.from({ length: old.length }, (_, i) => old.record(i));
      const again = traceFromEntries(entries.map(({ event, result }) => ({ event, result })), { seed: old.header.seed, hashEvery: old.header.hashEvery, ...(old.header.name ? { name: old.header.name } : {}) });
      expect(again.trace.scan.version).toBe(2);
      expect(again.trace.hashes).toEqual(old.hashes);
      expect(Array.from({ length: again.trace.length }, (_, i) => again.trace.record(i))).toEqual(entries);
    }
  });
});

describe('a recorder killed mid-write', () => {
  it('leaves a trace whose reader keeps the intact prefix, with every event appended before the kill', async () => {
    const path = join(tmp, 'killed.trace');
    // The child appends events forever (a big program every few events, so writes take a while),
    // printing how many appends have returned.
    const child = `
      import { TraceWriter } from ${JSON.stringify(join(root, 'packages/replay/src/trace/writer.ts'))};
      const w = TraceWriter.create(${JSON.stringify(path)}, { hashEvery: 16, fsync: 'never' });
      const insns = Array.from({ length: 4000 }, (_, i) => ({ code: 0xb7, dst_reg: 0, src_reg: 0, off: 0, imm: i }));
      for (let i = 0; ; i++) {
        const event = i % 5 === 0
          ? { kind: 'bpf', pid: 1, cmd: 'BPF_PROG_LOAD', attr: { prog_type: 3, insns } }
          : { kind: 'close', pid: 1, fd: i };
        w.append({ event, result: { ret: -9 } }, { n: i });
        if (i % 50 === 0) process.stdout.write(i + 1 + '\\n');
      }`;
    const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let acknowledged = 0;
    await new Promise<void>((resolve) => {
      proc.stdout.on('data', (d: Buffer) => {
        const lines = d.toString().trim().split('\n');
        acknowledged = Math.max(acknowledged, Number(lines[lines.length - 1]));
        if (acknowledged > 2000) { proc.kill('SIGKILL'); resolve(); }
      });
    });
    await new Promise((r) => proc.on('exit', r));
    expect(proc.signalCode).toBe('SIGKILL');
    const bytes = readFileSync(path);
    const r = readTrace(bytes);
    expect(r.error).toBeUndefined();
    expect(r.stop).toBeDefined();
    expect(r.end).toBeUndefined();
    expect(r.entries.length).toBeGreaterThanOrEqual(acknowledged);
    r.entries.forEach((e, i) => expect(e.event.kind).toBe(i % 5 === 0 ? 'bpf' : 'close'));
    expect(r.hashes.map((h) => h.at)).toEqual(Array.from({ length: r.hashes.length }, (_, k) => 16 * (k + 1)));
    expect(r.stop!.offset).toBeLessThanOrEqual(statSync(path).size);
    // Cutting it anywhere in its last record loses only that record.
    const scan = scanTrace(bytes);
    const lastEnd = scan.eventOffsets[scan.eventOffsets.length - 1] + scan.eventLengths[scan.eventLengths.length - 1];
    writeFileSync(join(tmp, 'cut.trace'), bytes.subarray(0, lastEnd - 1));
    expect(readTrace(readFileSync(join(tmp, 'cut.trace'))).entries.length).toBe(r.entries.length - 1);
  });
});

describe('replay', () => {
  it('reports the first divergent result with the recorded and the actual result and what the event changed', () => {
    const { results } = foldAll(SAMPLE);
    const entries = SAMPLE.map((event, i) => ({ event, result: i === 3 ? { ret: 7 } : results[i] }));
    const { trace } = traceFromEntries(entries, { hashEvery: 2 });
    const r = replayTrace(trace);
    expect(r.ok).toBe(false);
    expect(r.divergence).toMatchObject({ kind: 'result', position: 3, recorded: { ret: 7 }, actual: results[3], event: SAMPLE[3] });
    expect(r.divergence!.diff.map((d) => formatDiffLine(d))).toContain('procs.100.fds.4: + {kind: "prog", id: 1}');
  });

  it('reports a state that hashes differently though every result agreed, with what changed since it last agreed', () => {
    const { trace } = traceFromEntries(SAMPLE, { hashEvery: 2 });
    // A fold that agrees on every result but leaves a stray reference after event 4.
    const buggy = (s: KernelState, e: Event) => {
      const r = fold(s, e);
      return e.kind === 'mkdir' ? { ...r, state: { ...r.state, maps: { ...r.state.maps, 1: { ...r.state.maps[1], refs: 99 } } } } : r;
    };
    const r = replayTrace(trace, { fold: buggy });
    expect(r.divergence).toMatchObject({ kind: 'hash', position: 6, since: 4 });
    expect(r.divergence!.diff.map((d) => formatDiffLine(d))).toContain('maps.1.refs: 1 → 100');
  });

  it('diffs against the recorded snapshot when the trace has one', () => {
    const { trace } = traceFromEntries(SAMPLE, { hashEvery: 0, snapshotEvery: 3 });
    const buggy = (s: KernelState, e: Event) => {
      const r = fold(s, e);
      return { ...r, state: { ...r.state, nextIfindex: 1000 } };
    };
    const r = replayTrace(trace, { fold: buggy });
    expect(r.divergence).toMatchObject({ kind: 'snapshot', position: 3 });
    expect(r.divergence!.diff.map((d) => formatDiffLine(d))).toEqual(['nextIfindex: 4 → 1000']);
  });

  it('checks the end record', () => {
    const { trace } = traceFromEntries(SAMPLE, { hashEvery: 0 });
    const r = replayTrace(trace, { fold: (s, e) => (e.kind === 'exit' ? { ...fold(s, e), state: { ...s, nextIfindex: 77 } } : fold(s, e)) });
    expect(r.divergence).toMatchObject({ kind: 'end', position: SAMPLE.length, since: 0 });
    expect(replayTrace(trace).endChecked).toBe(true);
  });
});
