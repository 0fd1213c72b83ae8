// The production bloom-filter storage (src/maps/bloom.ts: u32 words in @bpfsim/state's BloomData
// radix tree) against the live kernel: BPF_F_ZERO_SEED filters, the values pushed and the peek
// answers recorded by packages/oracle-probes-algo (bloom.json). Pushes run inside the reducer's
// produce, as the reducer runs them.
import { describe, expect, it } from 'vitest';
import { bpf_map_type, toHex } from '@bpfsim/events';
import { bloomDepth, bloomGeometry, bloomHash, radixScan } from '@bpfsim/state';
import { produce } from '../../src/draft/index.ts';
import { bloomData, bloomPeek, bloomPush } from '../../src/maps/bloom.ts';
import type { BloomData, BpfMap } from '../../src/state.ts';
import { fixture } from '../algo/fixtures.ts';

interface PeekCase {
  value_size: number; max_entries: number; map_extra: number; map_flags: number; memlock: number;
  pushed: string[]; peeks?: { value: string; ret: string; predicted_collision?: boolean }[]; all?: string;
}
const data = fixture<{ cases: PeekCase[] }>('bloom.json');

const BPF_F_ZERO_SEED = 1 << 6;

function bloomMap(c: { value_size: number; max_entries: number; map_extra: number; map_flags: number }): BpfMap {
  const attr = { map_type: bpf_map_type.BPF_MAP_TYPE_BLOOM_FILTER, key_size: 0, value_size: c.value_size, max_entries: c.max_entries, map_flags: c.map_flags, map_extra: c.map_extra };
  return {
    id: 1, refs: 1, map_type: attr.map_type, key_size: 0, value_size: c.value_size, max_entries: c.max_entries,
    map_flags: c.map_flags, map_extra: c.map_extra, name: '', frozen: false, data: bloomData(attr as Parameters<typeof bloomData>[0], 0),
  };
}

/** The indices of the set bits, ascending, read from the stored words. */
function setBits(m: BpfMap): number[] {
  const d = m.data as BloomData;
  const out: number[] = [];
  radixScan(d.words, bloomDepth(d), 0, (w: number, word: number) => {
    for (let j = 0; j < 32; j++) if ((word >>> j) & 1) out.push(w * 32 + j);
    return false;
  });
  return out;
}

function push(m: BpfMap, value: string): BpfMap {
  let ret: string | undefined = 'unset';
  const next = produce(m, (d) => { ret = bloomPush(d as BpfMap, (d as BpfMap).data as BloomData, value, 0); });
  expect(ret).toBe(undefined);
  return next;
}

describe('bloom filter storage against the live kernel (BPF_F_ZERO_SEED)', () => {
  it('covers every recorded case', () => {
    expect(data.cases.length).toBe(13);
    expect(data.cases.every((c) => (c.map_flags & BPF_F_ZERO_SEED) !== 0)).toBe(true);
  });
  for (const c of data.cases) {
    it(`value_size ${c.value_size}, max_entries ${c.max_entries}, map_extra ${c.map_extra}, ${c.pushed.length} pushes`, () => {
      let m = bloomMap(c);
      for (const v of c.pushed) m = push(m, v);
      let positives = 0;
      for (const p of c.peeks ?? []) {
        const present = bloomPeek(m, p.value);
        if (present) positives++;
        expect(present ? 'OK' : 'ENOENT').toBe(p.ret);
      }
      if (c.all !== undefined) {
        let got = '';
        const n = 2 ** (8 * c.value_size);
        for (let x = 0; x < n; x++) {
          const v = c.value_size === 1 ? new Uint8Array([x]) : new Uint8Array([x & 0xff, x >> 8]);
          got += bloomPeek(m, toHex(v)) ? '1' : '0';
        }
        expect(got).toBe(c.all);
      }
      if (c.peeks) expect(positives).toBeGreaterThan(0);
      for (const v of c.pushed) expect(bloomPeek(m, v)).toBe(true);
    });
  }
});

describe('bloom filter storage under produce', () => {
  it('sets exactly the hashed bits, shares the base, and returns the same state when nothing changes', () => {
    const c = { value_size: 4, max_entries: 100, map_extra: 3, map_flags: BPF_F_ZERO_SEED };
    const g = bloomGeometry(c.value_size, c.max_entries, c.map_extra, 0);
    const empty = bloomMap(c);
    const a = push(empty, '01020304');
    expect(Object.isFrozen(a.data)).toBe(true);
    const bits = [0, 1, 2].map((i) => bloomHash(g, '01020304', i));
    const want = bits.filter((x, i) => bits.indexOf(x) === i).sort((x, y) => x - y);
    expect(want.every((x) => x >= 0 && x <= g.bitsetMask)).toBe(true);
    expect(setBits(a)).toEqual(want);
    expect(setBits(empty)).toEqual([]);
    expect(push(a, '01020304')).toBe(a);
    const b = push(a, '05060708');
    expect(bloomPeek(empty, '01020304')).toBe(false);
    expect(bloomPeek(b, '01020304')).toBe(true);
    expect(bloomPeek(b, '05060708')).toBe(true);
    expect(setBits(a)).toEqual(want); // a is unchanged
    expect(JSON.parse(JSON.stringify(b))).toEqual(b);
  });
  it('handles the 2^32-bit bitset', () => {
    let m = bloomMap({ value_size: 4, max_entries: 0xffffffff, map_extra: 0, map_flags: BPF_F_ZERO_SEED });
    expect((m.data as BloomData).bitset_mask).toBe(0xffffffff);
    const v = (i: number) => (i * 0x9e3779b9 >>> 0).toString(16).padStart(8, '0');
    for (let i = 0; i < 100; i++) m = push(m, v(i));
    for (let i = 0; i < 100; i++) expect(bloomPeek(m, v(i))).toBe(true);
    expect(setBits(m).every((b) => b >= 0 && b <= 0xffffffff)).toBe(true);
    expect(setBits(m).length).toBeGreaterThan(100);
  });
});
