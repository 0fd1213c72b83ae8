import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { toHex } from '@bpfsim/events';
import { sha256 } from '../../src/algo/sha256.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const million = new Uint8Array(1_000_000).fill(0x61);
const two56 = enc('abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu');

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
