// 64-bit arithmetic on int32 pairs against BigInt, on random and edge operands.
import { describe, expect, it } from 'vitest';
import { R, arsh64, lsh64, mul64, mul64Limbs, rsh64, sdiv64, smod64, udiv64, umod64 } from '../src/int64.ts';

const EDGE = [0n, 1n, 2n, 3n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, (1n << 53n) - 1n, 1n << 53n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n, (1n << 64n) - 2n];
let s = 12345;
const rnd32 = () => { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; return BigInt(s >>> 0); };
const values = [...EDGE, ...Array.from({ length: 300 }, () => (rnd32() << 32n) | rnd32()), ...Array.from({ length: 100 }, () => rnd32())];
const lo = (v: bigint) => Number(v & 0xffffffffn) | 0;
const hi = (v: bigint) => Number((v >> 32n) & 0xffffffffn) | 0;
const got = () => BigInt.asUintN(64, (BigInt(R.h >>> 0) << 32n) | BigInt(R.l >>> 0));
const u = (v: bigint) => BigInt.asUintN(64, v), sgn = (v: bigint) => BigInt.asIntN(64, v);

describe('int64', () => {
  it('mul64, mul64Limbs', () => {
    for (const a of values) for (const b of values.slice(0, 60)) {
      mul64(lo(a), hi(a), lo(b), hi(b)); expect(got()).toBe(u(a * b));
      mul64Limbs(lo(a), hi(a), lo(b), hi(b)); expect(got()).toBe(u(a * b));
    }
  });
  it('udiv64, umod64, sdiv64, smod64 (division by zero: 0 / the dividend)', () => {
    for (const a of values) for (const b of values.slice(0, 60)) {
      udiv64(lo(a), hi(a), lo(b), hi(b)); expect(got()).toBe(b === 0n ? 0n : a / b);
      umod64(lo(a), hi(a), lo(b), hi(b)); expect(got()).toBe(b === 0n ? a : a % b);
      sdiv64(lo(a), hi(a), lo(b), hi(b)); expect(got()).toBe(b === 0n ? 0n : u(sgn(a) / sgn(b)));
      smod64(lo(a), hi(a), lo(b), hi(b)); expect(got()).toBe(b === 0n ? a : u(sgn(a) % sgn(b)));
    }
  });
  it('shifts by 0..63', () => {
    for (const a of values.slice(0, 80)) for (let n = 0; n < 64; n++) {
      lsh64(lo(a), hi(a), n); expect(got()).toBe(u(a << BigInt(n)));
      rsh64(lo(a), hi(a), n); expect(got()).toBe(a >> BigInt(n));
      arsh64(lo(a), hi(a), n); expect(got()).toBe(u(sgn(a) >> BigInt(n)));
    }
  });
});
