// What a program's compiled code depends on, as numbers: its instructions, except that a map
// reference (an ld_imm64 naming a map by fd or by fd_array index) stands for the k-th distinct map
// the program names (compile/link.ts resolves it to map_ids[k]); the fd number itself is not in
// the code. So two loads of one program, at other fds and with other ids, give equal codes.
import type { Insn } from '@bpfsim/events';
import { mapRefOrdinals } from './link.ts';

/** Five numbers an instruction: code, dst_reg, src_reg, off, imm (a map reference's imm: its ordinal). */
export function codeOf(insns: readonly Insn[]): Int32Array {
  const out = new Int32Array(insns.length * 5);
  for (let i = 0; i < insns.length; i++) {
    const x = insns[i], o = i * 5;
    out[o] = x.code; out[o + 1] = x.dst_reg; out[o + 2] = x.src_reg; out[o + 3] = x.off; out[o + 4] = x.imm;
  }
  for (const [i, k] of mapRefOrdinals(insns)) out[i * 5 + 4] = k;
  return out;
}

/** A 64-bit hash of a code (two 32-bit multiply-xorshift lanes), as 16 hex digits. */
export function codeHash(c: Int32Array): string {
  let a = 0x9e3779b9 ^ c.length, b = 0x85ebca6b;
  for (let i = 0; i < c.length; i++) {
    a = Math.imul(a ^ c[i], 0xcc9e2d51); a ^= a >>> 15;
    b = Math.imul(b + c[i], 0x1b873593); b ^= b >>> 13;
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

export function sameCode(x: Int32Array, y: Int32Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
