import { describe, expect, it } from 'vitest';
import { jhash, jhash2, bytesToWords } from '../src/jhash.ts';

const enc = (s: string) => new TextEncoder().encode(s);

describe('jhash', () => {
  // lookup3.c driver5 (Bob Jenkins, public domain): hashlittle(), which the kernel's jhash() is on
  // a little-endian machine.
  it('matches the published lookup3 hashlittle vectors', () => {
    expect(jhash(new Uint8Array(0), 0)).toBe(0xdeadbeef);
    expect(jhash(new Uint8Array(0), 0xdeadbeef)).toBe(0xbd5b7dde);
    expect(jhash(enc('Four score and seven years ago'), 0)).toBe(0x17770551);
    expect(jhash(enc('Four score and seven years ago'), 1)).toBe(0xcd628161);
  });

  it('jhash2 of words equals jhash of their little-endian bytes (lookup3: hashword == hashlittle)', () => {
    for (let n = 0; n <= 40; n += 4) {
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) b[i] = (i * 37 + n) & 0xff;
      for (const seed of [0, 1, 0xdeadbeef, 0xffffffff]) {
        expect(jhash2(bytesToWords(b), seed)).toBe(jhash(b, seed));
        expect(jhash2(Array.from(bytesToWords(b)), seed)).toBe(jhash(b, seed));
      }
    }
  });

  it('returns u32 and treats initval mod 2^32', () => {
    const b = enc('abc');
    expect(jhash(b, -1)).toBe(jhash(b, 0xffffffff));
    expect(jhash(b, 0)).toBeGreaterThanOrEqual(0);
    expect(jhash2([1, 2, 3, 4], -1)).toBe(jhash2(new Uint32Array([1, 2, 3, 4]), 0xffffffff));
  });
  // The live kernel checks these functions too: htab.test.ts (GET_NEXT_KEY order of hash maps: the
  // low 2 to 23 bits of jhash/jhash2 for key sizes 1..512) and bloom.test.ts (peek results, and
  // values colliding on all 32 bits of jhash2 and 31 bits of jhash, confirmed by the kernel).
});
