import { describe, expect, it } from 'vitest';
import { htabBucket, htabBuckets, htabHash, roundupPowOfTwo } from '../src/htab.ts';

// The bucket order of the stored hash maps, and its GET_NEXT_KEY walks, are checked against the
// live kernel (htab_order.json) on the reducer's storage: packages/reducer/test/maps/hash.test.ts.

describe('htab geometry', () => {
  it('rounds max_entries up to a power of two', () => {
    expect([1, 2, 3, 4, 5, 4096, 4097, 2 ** 31].map(roundupPowOfTwo)).toEqual([1, 2, 4, 4, 8, 4096, 8192, 2 ** 31]);
    expect(htabBuckets(7)).toBe(8);
  });
});

describe('htab hash', () => {
  it('hashes hex keys and byte keys alike, and masks to the bucket count', () => {
    for (const hex of ['01', '0102', '010203', '01020304', '0102030405', '0102030405060708']) {
      const bytes = new Uint8Array(hex.match(/../g)!.map((x) => parseInt(x, 16)));
      expect(htabHash(hex, 0)).toBe(htabHash(bytes, 0));
      expect(htabHash(hex, 7)).toBe(htabHash(bytes, 7));
      expect(htabBucket(hex, 16, 7)).toBe((htabHash(hex, 7) & 15) >>> 0);
      expect(htabBucket(hex, 1, 7)).toBe(0);
    }
  });
});
