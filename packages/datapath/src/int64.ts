// 64-bit arithmetic on (lo, hi) pairs of int32, for the operations that are not a few inline
// JavaScript operators. Results go to R (no allocation); compiled code reads R.l / R.h at once.

export const R = { l: 0, h: 0 };

/**
 * High 32 bits of the unsigned product a * b, by 16-bit limbs with Math.imul, so that every
 * intermediate is an int32 (doubles and Math.floor were much slower in V8's optimised code).
 */
export function mulhu(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const p01 = Math.imul(a0, b1), p10 = Math.imul(a1, b0);
  const mid = (Math.imul(a0, b0) >>> 16) + (p01 & 0xffff) + (p10 & 0xffff); // < 3 * 2^16
  return (Math.imul(a1, b1) + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
}

/** Low 64 bits of a * b: lo by Math.imul; hi = hi32(al * bl) + al * bh + ah * bl (mod 2^32). */
export function mul64(al: number, ah: number, bl: number, bh: number): void {
  R.h = (mulhu(al, bl) + Math.imul(al, bh) + Math.imul(ah, bl)) | 0;
  R.l = Math.imul(al, bl);
}

/** The same by 16-bit limbs throughout (kept as the reference the tests compare mul64 with). */
export function mul64Limbs(al: number, ah: number, bl: number, bh: number): void {
  const a48 = ah >>> 16, a32 = ah & 0xffff, a16 = al >>> 16, a00 = al & 0xffff;
  const b48 = bh >>> 16, b32 = bh & 0xffff, b16 = bl >>> 16, b00 = bl & 0xffff;
  let c00 = a00 * b00;
  let c16 = c00 >>> 16; c00 &= 0xffff;
  c16 += a16 * b00;
  let c32 = c16 >>> 16; c16 &= 0xffff;
  c16 += a00 * b16; c32 += c16 >>> 16; c16 &= 0xffff;
  c32 += a32 * b00;
  let c48 = c32 >>> 16; c32 &= 0xffff;
  c32 += a16 * b16; c48 += c32 >>> 16; c32 &= 0xffff;
  c32 += a00 * b32; c48 += c32 >>> 16; c32 &= 0xffff;
  c48 += a48 * b00 + a32 * b16 + a16 * b32 + a00 * b48;
  R.l = (c16 << 16) | c00;
  R.h = ((c48 & 0xffff) << 16) | c32;
}

const toBig = (l: number, h: number) => (BigInt(h >>> 0) << 32n) | BigInt(l >>> 0);
const fromBig = (v: bigint) => { R.l = Number(v & 0xffffffffn) | 0; R.h = Number((v >> 32n) & 0xffffffffn) | 0; };
const toSigned = (l: number, h: number) => BigInt.asIntN(64, toBig(l, h));

// Doubles are exact for both quotient and remainder when both operands are below 2^53
// (the rounding error of a/b is below 1/b, the distance of a non-integer quotient to the next integer).
const small = (h: number) => h >= 0 && h < 0x200000;

/** Unsigned a / b; b = 0 gives 0 (BPF semantics). */
export function udiv64(al: number, ah: number, bl: number, bh: number): void {
  if (bl === 0 && bh === 0) { R.l = 0; R.h = 0; return; }
  if (small(ah) && small(bh)) {
    const q = Math.floor((ah * 4294967296 + (al >>> 0)) / (bh * 4294967296 + (bl >>> 0)));
    R.l = q | 0; R.h = (q / 4294967296) | 0; return;
  }
  fromBig(toBig(al, ah) / toBig(bl, bh));
}

/** Unsigned a % b; b = 0 leaves a (BPF semantics). */
export function umod64(al: number, ah: number, bl: number, bh: number): void {
  if (bl === 0 && bh === 0) { R.l = al; R.h = ah; return; }
  if (small(ah) && small(bh)) {
    const r = (ah * 4294967296 + (al >>> 0)) % (bh * 4294967296 + (bl >>> 0));
    R.l = r | 0; R.h = (r / 4294967296) | 0; return;
  }
  fromBig(toBig(al, ah) % toBig(bl, bh));
}

/** Signed a / b truncated toward zero; b = 0 gives 0, INT64_MIN / -1 gives INT64_MIN. */
export function sdiv64(al: number, ah: number, bl: number, bh: number): void {
  if (bl === 0 && bh === 0) { R.l = 0; R.h = 0; return; }
  if (ah === al >> 31 && bh === bl >> 31) { // both fit in int32: the quotient fits in 33 bits
    const q = Math.trunc(al / bl);
    R.l = q | 0; R.h = q < 0 ? -1 : 0; // q = 2^31 (INT32_MIN / -1) is still a positive int64
    return;
  }
  fromBig(BigInt.asUintN(64, toSigned(al, ah) / toSigned(bl, bh)));
}

/** Signed a % b (sign of the dividend); b = 0 leaves a. */
export function smod64(al: number, ah: number, bl: number, bh: number): void {
  if (bl === 0 && bh === 0) { R.l = al; R.h = ah; return; }
  if (ah === al >> 31 && bh === bl >> 31) {
    const r = al % bl; // |r| < 2^31
    R.l = r | 0; R.h = r < 0 ? -1 : 0; return;
  }
  fromBig(BigInt.asUintN(64, toSigned(al, ah) % toSigned(bl, bh)));
}

/** Register-amount shifts (the amount already masked to 0..63). */
export function lsh64(l: number, h: number, n: number): void {
  if (n === 0) { R.l = l; R.h = h; } else if (n < 32) { R.h = (h << n) | (l >>> (32 - n)); R.l = l << n; } else { R.h = l << (n - 32); R.l = 0; }
}
export function rsh64(l: number, h: number, n: number): void {
  if (n === 0) { R.l = l; R.h = h; } else if (n < 32) { R.l = (l >>> n) | (h << (32 - n)); R.h = h >>> n | 0; } else { R.l = h >>> (n - 32) | 0; R.h = 0; }
}
export function arsh64(l: number, h: number, n: number): void {
  if (n === 0) { R.l = l; R.h = h; } else if (n < 32) { R.l = (l >>> n) | (h << (32 - n)); R.h = h >> n; } else { R.l = h >> (n - 32); R.h = h >> 31; }
}

export function bswap32(x: number): number {
  return ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
}
export function bswap16(x: number): number {
  return ((x & 0xff) << 8) | ((x >>> 8) & 0xff);
}
