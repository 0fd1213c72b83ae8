import { describe, expect, it } from 'vitest';
import { errno } from '@bpfsim/events';
import {
  BLOOM_EMPTY, BLOOM_STRUCT_SIZE, bloomCreateErrno, bloomGeometry, bloomHash, bloomPeek, bloomPush, bloomSetBits, type BloomBits,
} from '../src/bloom.ts';
import { fixture } from './fixtures.ts';

interface CreateCase { name: string; key_size: number; value_size: number; max_entries: number; map_flags: number; map_extra: number; ret: string; memlock?: number }
interface PeekCase {
  value_size: number; max_entries: number; map_extra: number; map_flags: number; memlock: number;
  pushed: string[]; peeks?: { value: string; ret: string; predicted_collision?: boolean }[]; all?: string;
}
const data = fixture<{ create: CreateCase[]; ops: { name: string; ret: string }[]; cases: PeekCase[] }>('bloom.json');

const retOf = (name: string): number => (name === 'OK' ? 0 : -(errno as Record<string, number>)[name]);

describe('bloom create checks (live kernel)', () => {
  for (const c of data.create) {
    it(`${c.name} → ${c.ret}`, () => {
      expect(bloomCreateErrno(c)).toBe(retOf(c.ret));
    });
  }
});

describe('bloom geometry (live kernel: fdinfo memlock = sizeof(struct bpf_bloom_filter) + bitset bytes)', () => {
  for (const c of [...data.create.filter((x) => x.memlock !== undefined), ...data.cases]) {
    it(`value_size ${c.value_size}, max_entries ${c.max_entries}, map_extra ${c.map_extra}`, () => {
      const g = bloomGeometry(c.value_size, c.max_entries, c.map_extra);
      expect(BLOOM_STRUCT_SIZE + g.bitsetBytes).toBe(c.memlock);
    });
  }
  it('mask and hash count', () => {
    expect(bloomGeometry(4, 1, 0)).toMatchObject({ nrHashFuncs: 5, bitsetMask: 63, bitsetBytes: 8, alignedU32Count: 1 });
    expect(bloomGeometry(3, 100, 0)).toMatchObject({ bitsetMask: 1023, alignedU32Count: 0 });
    expect(bloomGeometry(4, 306783378, 5).bitsetMask).toBe(2 ** 31 - 1);
    expect(bloomGeometry(4, 306783379, 5)).toMatchObject({ bitsetMask: 0xffffffff, bitsetBytes: 2 ** 29 });
    expect(bloomGeometry(4, 0xffffffff, 1).bitsetMask).toBe(0xffffffff);
  });
});

describe('bloom peek against the live kernel (BPF_F_ZERO_SEED)', () => {
  for (const c of data.cases) {
    it(`value_size ${c.value_size}, max_entries ${c.max_entries}, map_extra ${c.map_extra}, ${c.pushed.length} pushes`, () => {
      const g = bloomGeometry(c.value_size, c.max_entries, c.map_extra, 0);
      let bits: BloomBits = BLOOM_EMPTY;
      for (const v of c.pushed) bits = bloomPush(g, bits, v);
      let positives = 0;
      for (const p of c.peeks ?? []) {
        const present = bloomPeek(g, bits, p.value);
        if (present) positives++;
        expect(present ? 'OK' : 'ENOENT').toBe(p.ret);
      }
      if (c.all !== undefined) {
        let got = '';
        const n = 2 ** (8 * c.value_size);
        for (let x = 0; x < n; x++) {
          const v = c.value_size === 1 ? new Uint8Array([x]) : new Uint8Array([x & 0xff, x >> 8]);
          got += bloomPeek(g, bits, v) ? '1' : '0';
        }
        expect(got).toBe(c.all);
      }
      if (c.peeks) expect(positives).toBeGreaterThan(0);
    });
  }
  it('the kernel confirms full 32-bit (jhash2) and 31-bit (jhash) hash collisions', () => {
    const colls = data.cases.flatMap((c) => (c.peeks ?? []).filter((p) => p.predicted_collision).map((p) => ({ c, p })));
    expect(colls.length).toBe(16);
    for (const { c, p } of colls) {
      expect(p.ret).toBe('OK');
      const g = bloomGeometry(c.value_size, c.max_entries, c.map_extra, 0);
      const h = bloomHash(g, p.value, 0);
      expect(c.pushed.some((v) => bloomHash(g, v, 0) === h)).toBe(true);
    }
  });
});

describe('bloom bits stay immutable', () => {
  it('push returns a new frozen trie, or the same one when nothing changes', () => {
    const g = bloomGeometry(4, 100, 3, 0);
    const a = bloomPush(g, BLOOM_EMPTY, '01020304');
    expect(BLOOM_EMPTY).toBe(null);
    expect(Object.isFrozen(a)).toBe(true);
    const set = bloomSetBits(g, a);
    expect(set.length).toBeGreaterThan(0);
    expect(set.length).toBeLessThanOrEqual(3);
    expect(set).toEqual([0, 1, 2].map((i) => bloomHash(g, '01020304', i)).filter((b, i, xs) => xs.indexOf(b) === i).sort((x, y) => x - y));
    expect(bloomPush(g, a, '01020304')).toBe(a);
    const b = bloomPush(g, a, '05060708');
    expect(bloomSetBits(g, a)).toEqual(set); // a is unchanged
    expect(bloomPeek(g, b, '01020304')).toBe(true);
    expect(JSON.parse(JSON.stringify(b))).toEqual(b);
    expect(() => bloomPush(g, a, '0102')).toThrow(RangeError);
  });
  it('handles the 2^32-bit bitset', () => {
    const g = bloomGeometry(4, 0xffffffff, 0, 0);
    let bits: BloomBits = BLOOM_EMPTY;
    for (let i = 0; i < 100; i++) bits = bloomPush(g, bits, (i * 0x9e3779b9 >>> 0).toString(16).padStart(8, '0'));
    for (let i = 0; i < 100; i++) expect(bloomPeek(g, bits, (i * 0x9e3779b9 >>> 0).toString(16).padStart(8, '0'))).toBe(true);
    expect(bloomSetBits(g, bits).every((b) => b >= 0 && b <= 0xffffffff)).toBe(true);
  });
});
