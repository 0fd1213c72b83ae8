import { describe, expect, it } from 'vitest';
import {
  HTAB_EMPTY, htabBucket, htabBuckets, htabHas, htabKeys, htabLinkHead, htabNextKey, htabUnlink,
  roundupPowOfTwo, type HtabOrder,
} from '../src/htab.ts';
import { fixture } from './fixtures.ts';

type KeyRef = number | string; // index into the case's key table, or hex of a key not in it
type Op =
  | { op: 'update'; key: KeyRef; ret: string }
  | { op: 'delete'; key: KeyRef; ret: string }
  | { op: 'walk'; keys: KeyRef[]; end: string }
  | { op: 'next'; key: KeyRef | null; ret: string; next: KeyRef | null };
interface Case { map_type: number; key_size: number; value_size: number; max_entries: number; map_flags: number; keys: string[]; ops: Op[] }

const data = fixture<{ cases: Case[] }>('htab_order.json');

describe('htab geometry', () => {
  it('rounds max_entries up to a power of two', () => {
    expect([1, 2, 3, 4, 5, 4096, 4097, 2 ** 31].map(roundupPowOfTwo)).toEqual([1, 2, 4, 4, 8, 4096, 8192, 2 ** 31]);
    expect(htabBuckets(7)).toBe(8);
  });
});

describe('htab order against the live kernel (BPF_F_ZERO_SEED hash maps, GET_NEXT_KEY walks)', () => {
  for (const c of data.cases) {
    const typeName = c.map_type === 5 ? 'PERCPU_HASH' : c.map_type === 9 ? 'LRU_HASH' : 'HASH';
    it(`${typeName} key_size ${c.key_size}, max_entries ${c.max_entries}, flags ${c.map_flags}`, () => {
      const n = htabBuckets(c.max_entries);
      const hex = (r: KeyRef) => (typeof r === 'number' ? c.keys[r] : r);
      const bucket = (k: string) => htabBucket(k, n, 0);
      let order: HtabOrder = HTAB_EMPTY;
      for (const op of c.ops) {
        if (op.op === 'update') {
          const k = hex(op.key), b = bucket(k);
          const exists = htabHas(order, k, b);
          const predicted = !exists && order.length >= c.max_entries ? 'E2BIG' : 'OK';
          expect(predicted).toBe(op.ret);
          // An update of an existing key relinks it at the head of its bucket, except in per-CPU
          // maps, which copy the value in place.
          if (predicted === 'OK' && !(exists && c.map_type === 5)) order = htabLinkHead(order, k, b);
        } else if (op.op === 'delete') {
          const k = hex(op.key), b = bucket(k);
          expect(htabHas(order, k, b) ? 'OK' : 'ENOENT').toBe(op.ret);
          order = htabUnlink(order, k, b);
        } else if (op.op === 'walk') {
          expect(htabKeys(order)).toEqual(op.keys.map(hex));
          expect(op.end).toBe('ENOENT');
        } else {
          const k = op.key === null ? null : hex(op.key);
          const next = htabNextKey(order, k, k === null ? 0 : bucket(k));
          expect(next === null ? 'ENOENT' : 'OK').toBe(op.ret);
          expect(next).toBe(op.next === null ? null : hex(op.next));
        }
      }
    });
  }
});

describe('htab order operations stay immutable', () => {
  it('returns new arrays and leaves inputs alone', () => {
    const a = htabLinkHead(HTAB_EMPTY, '01', 1);
    const b = htabLinkHead(a, '02', 1);
    const c = htabLinkHead(b, '01', 1);
    expect(htabKeys(a)).toEqual(['01']);
    expect(htabKeys(b)).toEqual(['02', '01']);
    expect(htabKeys(c)).toEqual(['01', '02']);
    expect(Object.isFrozen(c)).toBe(true);
    expect(htabUnlink(c, '03', 0)).toBe(c);
    expect(htabNextKey(HTAB_EMPTY, null)).toBe(null);
  });
});
