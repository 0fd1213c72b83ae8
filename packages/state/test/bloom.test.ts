import { describe, expect, it } from 'vitest';
import { errno } from '@bpfsim/events';
import { BLOOM_STRUCT_SIZE, bloomCreateErrno, bloomGeometry, bloomHash } from '../src/bloom.ts';
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

// The peek answers of the stored filters are checked against the live kernel (bloom.json) on the
// reducer's storage: packages/reducer/test/maps/bloom.test.ts.
describe('bloom hash against the live kernel (BPF_F_ZERO_SEED)', () => {
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

describe('bloom hash', () => {
  it('takes hex or bytes of exactly value_size bytes, and stays under the mask', () => {
    const g = bloomGeometry(4, 100, 3, 0);
    for (let i = 0; i < 3; i++) {
      const h = bloomHash(g, '01020304', i);
      expect(bloomHash(g, new Uint8Array([1, 2, 3, 4]), i)).toBe(h);
      expect(h >= 0 && h <= g.bitsetMask).toBe(true);
    }
    expect(() => bloomHash(g, '0102', 0)).toThrow(RangeError);
    const big = bloomGeometry(4, 0xffffffff, 0, 0);
    for (let i = 0; i < 100; i++) {
      const h = bloomHash(big, (i * 0x9e3779b9 >>> 0).toString(16).padStart(8, '0'), i % 5);
      expect(h >= 0 && h <= 0xffffffff).toBe(true);
    }
  });
});
