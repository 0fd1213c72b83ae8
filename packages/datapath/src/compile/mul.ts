// Inline code for the high 32 bits of an unsigned 32 x 32-bit product, by 16-bit limbs and
// Math.imul only: every intermediate stays an int32 in V8 (a double-based version with
// Math.floor was several times slower in hot loops). Mirrors int64.ts mulhu.

/**
 * Expression for (hi32((a >>> 0) * b) + the `extra` terms) | 0, where b is a u32 constant;
 * assumes `ma = a & 0xffff; mb = a >>> 16;` was emitted first (see mulhuPrelude). The carry out
 * of the middle limbs arrives last, so it is added last: one add fewer on the critical path of
 * a loop-carried multiply.
 */
export function mulhuConst(b: number, extra: readonly string[]): string {
  const b0 = b & 0xffff, b1 = b >>> 16;
  // a * b = p11 << 32 + (p01 + p10) << 16 + p00, with p_ij = a_i * b_j (each < 2^32).
  const mid: string[] = [], high: string[] = [...extra];
  if (b0 !== 0) {
    mid.push(`(Math.imul(ma, ${b0}) >>> 16)`, `(Math.imul(mb, ${b0}) & 0xffff)`);
    high.push(`(Math.imul(mb, ${b0}) >>> 16)`);
  }
  if (b1 !== 0) {
    mid.push(`(Math.imul(ma, ${b1}) & 0xffff)`);
    high.push(`Math.imul(mb, ${b1})`, `(Math.imul(ma, ${b1}) >>> 16)`);
  }
  if (mid.length !== 0) high.push(`((${mid.join(' + ')}) >>> 16)`);
  return high.length === 0 ? '0' : `(${high.join(' + ')}) | 0`;
}

export const mulhuPrelude = (a: string) => `ma = ${a} & 0xffff; mb = ${a} >>> 16;`;
