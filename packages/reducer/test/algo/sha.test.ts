import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { toHex } from '@bpfsim/events';
import { sha1 } from '../../src/algo/sha1.ts';
import { sha256 } from '../../src/algo/sha256.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const million = new Uint8Array(1_000_000).fill(0x61);
const two56 = enc('abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu');

describe('sha1 (FIPS 180 examples)', () => {
  it('abc, empty, 448 bits, 896 bits, a million a', () => {
    expect(toHex(sha1(enc('abc')))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(toHex(sha1(new Uint8Array(0)))).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709');
    expect(toHex(sha1(enc('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')))).toBe('84983e441c3bd26ebaae4aa1f95129e5e54670f1');
    expect(toHex(sha1(two56))).toBe('a49b2446a02c645bf419f995b67091253a04a259');
    expect(toHex(sha1(million))).toBe('34aa973cd4c4daa4f61eeb2bdbad27316534016f');
  });
  it('agrees with node:crypto on every length 0..200', () => {
    for (let n = 0; n <= 200; n++) {
      const b = new Uint8Array(n).map((_, i) => (i * 131 + n) & 0xff);
      expect(toHex(sha1(b))).toBe(createHash('sha1').update(b).digest('hex'));
    }
  });
});

describe('sha256 (FIPS 180 examples)', () => {
  it('abc, empty, 448 bits, 896 bits, a million a', () => {
    expect(toHex(sha256(enc('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(toHex(sha256(new Uint8Array(0)))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(toHex(sha256(enc('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')))).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
    expect(toHex(sha256(two56))).toBe('cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1');
    expect(toHex(sha256(million))).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  });
  it('agrees with node:crypto on every length 0..200', () => {
    for (let n = 0; n <= 200; n++) {
      const b = new Uint8Array(n).map((_, i) => (i * 131 + n) & 0xff);
      expect(toHex(sha256(b))).toBe(createHash('sha256').update(b).digest('hex'));
    }
  });
});
