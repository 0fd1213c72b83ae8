// The fast path for version 2's event records (src/trace/records.ts) against msgpackr: on every
// record it decodes, the same values with the same key order; on anything else it gives up.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Event, Result } from '@bpfsim/events';
import { fold, initialState } from '@bpfsim/reducer';
import { eventArb } from '../../reducer/test/arbitraries.ts';
import { EventRecordReader } from '../src/trace/records.ts';
import { EventPacker, eventUnpackr } from '../src/trace/structures.ts';
import { Trace, traceFromEntries } from '../src/trace/index.ts';

/** Packs [event, result] pairs as a writer does: the payloads, and the structures they defined. */
function pack(pairs: readonly (readonly [unknown, unknown])[]): { payloads: Uint8Array[]; table: string[][] } {
  const packer = new EventPacker();
  const table: string[][] = [];
  const payloads = pairs.map(([e, r]) => {
    const p = packer.pack(e as Event, r as Result);
    if (p.defined) table.push(...p.defined.keys.map((k) => [...k]));
    if (!p.payload) throw p.error;
    return p.payload.slice();
  });
  return { payloads, table };
}

/** A value with every object's keys listed in order, to compare key order too. */
const withKeyOrder = (v: unknown): unknown => JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.entries(x) : x));

/** Checks each payload: the fast path's value equals msgpackr's (or it gives up); returns how many it gave up on. */
function check(pairs: readonly (readonly [unknown, unknown])[], embed = true): number {
  const { payloads, table } = pack(pairs);
  const fast = new EventRecordReader(table), slow = eventUnpackr(table);
  let gaveUp = 0;
  for (const p of payloads) {
    // Inside a larger buffer, as in a trace (bytes before and after the record).
    const buf = new Uint8Array(p.length + 16).fill(0xc1);
    buf.set(p, 7);
    const [b, start, end] = embed ? [buf, 7, 7 + p.length] : [p, 0, p.length];
    const want = slow.unpack(b, { start, end });
    const got = fast.read(b, start, end);
    if (got === undefined) gaveUp++;
    else expect(withKeyOrder(got)).toBe(withKeyOrder(want));
  }
  return gaveUp;
}

describe('event record fast path', () => {
  it('decodes what writers write as msgpackr does', () => {
    fc.assert(fc.property(fc.array(eventArb, { maxLength: 30 }), (events) => {
      let s = initialState(0);
      const pairs = events.map((e) => { const r = fold(s, e); s = r.state; return [e, r.result] as const; });
      expect(check(pairs)).toBe(0);
    }), { numRuns: 100 });
  });

  it('decodes any JSON-like record as msgpackr does, or leaves it to msgpackr', () => {
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' },
        fc.integer(), fc.double(), fc.constantFrom(2 ** 32, -(2 ** 31) - 1, 2 ** 53, 255, 65535, -129, -32769, 0.5),
        fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('', 'x'.repeat(31), 'y'.repeat(32), 'z'.repeat(33), 'w'.repeat(300)),
        fc.boolean(), fc.constant(null), fc.constant(undefined),
        fc.array(tie('v'), { maxLength: 5 }), fc.array(fc.nat(), { minLength: 16, maxLength: 40 }),
        fc.dictionary(fc.string(), tie('v'), { maxKeys: 4 })),
    })).v;
    fc.assert(fc.property(fc.array(fc.tuple(value, value), { maxLength: 10 }), fc.boolean(), (pairs, embed) => { check(pairs, embed); }), { numRuns: 300 });
  });

  it('gives up on what it does not read: non-ASCII text, 64-bit integers, float32, maps', () => {
    expect(check([[{ s: 'é' }, { ret: 0 }]])).toBe(1);
    expect(check([[{ n: 2 ** 53 - 1 }, { ret: 0 }]])).toBe(0); // a float64
    expect(check([[[new Map([[1, 2]])], { ret: 0 }]])).toBe(1);
  });

  it('keeps no string for bytes it has not compared: many strings alike in the bytes it samples', () => {
    // Length 8 samples bytes 0, 2, 4 and 7: these differ only elsewhere.
    const strings = Array.from({ length: 3000 }, (_, i) => `a${i % 10}b${Math.floor(i / 10) % 10}c${Math.floor(i / 100) % 10}${Math.floor(i / 1000)}d`);
    const pairs = strings.map((s, i) => [{ kind: 'x', s, t: strings[(i * 7) % strings.length] }, { ret: i }] as const);
    expect(check(pairs)).toBe(0);
    expect(check(pairs)).toBe(0); // again, with every string kept from the first pass
  });

  it('gives up on a record cut short or running on, as msgpackr then decides', () => {
    const { payloads, table } = pack([[{ kind: 'close', pid: 100, fd: 4 }, { ret: 0 }]]);
    const fast = new EventRecordReader(table);
    const p = payloads[0];
    for (let cut = 0; cut < p.length; cut++) expect(fast.read(p, 0, cut)).toBeUndefined();
    const longer = new Uint8Array(p.length + 1); longer.set(p);
    expect(fast.read(longer, 0, longer.length)).toBeUndefined();
    expect(fast.read(p, 0, p.length)).toEqual([{ kind: 'close', pid: 100, fd: 4 }, { ret: 0 }]);
  });

  it('Trace.decode gives the same records either way', () => {
    const events: Event[] = [
      { kind: 'bpf', pid: 100, cmd: 'BPF_MAP_CREATE', attr: { map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 8, max_entries: 16, map_name: 'ü' } },
      { kind: 'bpf', pid: 100, cmd: 'BPF_MAP_UPDATE_ELEM', attr: { map_fd: 3, key: '01000000', value: '0200000000000000', flags: 0 } },
      { kind: 'close', pid: 100, fd: 3 },
    ];
    const { bytes } = traceFromEntries(events, { formatVersion: 2 });
    const t = Trace.open(bytes);
    for (let i = 0; i < events.length; i++) expect(t.decode(i).event).toEqual(events[i]);
  });
});
