// Code for BPF_ALU (32-bit: result zero-extended) and BPF_ALU64 instructions. A register is two
// int32 locals, L<n> (low half) and H<n> (high half); `t` is an int32 scratch,
// `ma`/`mb` the limbs of a multiply (mul.ts), `d` a division's u32 divisor.
import type { Insn } from '@bpfsim/events';
import { mulhuConst, mulhuPrelude } from './mul.ts';
import {
  BPF_ADD, BPF_ALU64, BPF_AND, BPF_ARSH, BPF_DIV, BPF_END, BPF_LSH, BPF_MOD, BPF_MOV, BPF_MUL, BPF_NEG,
  BPF_OR, BPF_RSH, BPF_SUB, BPF_TO_BE, BPF_X, BPF_XOR, cls, op, src,
} from '../opcodes.ts';

export class CompileError extends Error {}

/** An operand as an unsigned expression (a constant folded). */
const u32 = (x: string) => (/^-?\d+$/.test(x) ? String(Number(x) >>> 0) : `${x} >>> 0`);

/** The source operand as (low, high) expressions; an immediate is sign-extended to 64 bits. */
function operand(i: Insn): [string, string] {
  if (src(i.code) === BPF_X) return [`L${i.src_reg}`, `H${i.src_reg}`];
  const imm = i.imm | 0;
  return [String(imm), imm < 0 ? '-1' : '0'];
}

export function emitAlu(i: Insn, pc: number): string {
  const d = i.dst_reg;
  const L = `L${d}`, H = `H${d}`;
  if (d === 10) return `throw fault(${pc}, 'readonly', 'frame pointer r10 is read only');`;
  return cls(i.code) === BPF_ALU64 ? alu64(i, L, H, pc) : alu32(i, L, H, pc);
}

function alu64(i: Insn, L: string, H: string, pc: number): string {
  const [sl, sh] = operand(i);
  const signed = i.off === 1;
  switch (op(i.code)) {
    // Carry / borrow from unsigned compares of the low halves: int32 only, no doubles.
    case BPF_ADD: return `t = (${L} + ${sl}) | 0; ${H} = (${H} + ${sh} + ((t >>> 0) < (${L} >>> 0) ? 1 : 0)) | 0; ${L} = t;`;
    case BPF_SUB: return `t = (${L} - ${sl}) | 0; ${H} = (${H} - ${sh} - ((${L} >>> 0) < (${u32(sl)}) ? 1 : 0)) | 0; ${L} = t;`;
    case BPF_MUL: // lo = lo*slo; hi = hi32(lo*slo) + lo*shi + hi*slo (mod 2^32)
      if (src(i.code) !== BPF_X) {
        const b = i.imm >>> 0;
        const extra = [`Math.imul(${H}, ${sl})`, ...(i.imm < 0 ? [`-${L}`] : [])]; // hi * slo, lo * shi with shi = -1
        return `${mulhuPrelude(L)} ${H} = ${mulhuConst(b, extra)}; ${L} = Math.imul(${L}, ${sl});`;
      }
      return `mul64(${L}, ${H}, ${sl}, ${sh}); ${L} = R.l; ${H} = R.h;`;
    case BPF_DIV: return `${signed ? 'sdiv64' : 'udiv64'}(${L}, ${H}, ${sl}, ${sh}); ${L} = R.l; ${H} = R.h;`;
    case BPF_MOD: return `${signed ? 'smod64' : 'umod64'}(${L}, ${H}, ${sl}, ${sh}); ${L} = R.l; ${H} = R.h;`;
    case BPF_OR: return `${L} |= ${sl}; ${H} |= ${sh};`;
    case BPF_AND: return `${L} &= ${sl}; ${H} &= ${sh};`;
    case BPF_XOR: return `${L} ^= ${sl}; ${H} ^= ${sh};`;
    case BPF_LSH: case BPF_RSH: case BPF_ARSH: return shift64(i, L, H, sl);
    case BPF_NEG: return `${H} = (~${H} + (${L} === 0 ? 1 : 0)) | 0; ${L} = -${L} | 0;`;
    case BPF_MOV:
      switch (i.off) {
        case 8: return `${L} = (${sl} << 24) >> 24; ${H} = ${L} >> 31;`;
        case 16: return `${L} = (${sl} << 16) >> 16; ${H} = ${L} >> 31;`;
        case 32: return `${L} = ${sl}; ${H} = ${L} >> 31;`;
        default: return `${L} = ${sl}; ${H} = ${sh};`;
      }
    case BPF_END: // ALU64 | END: bswap, whatever the source bit
      switch (i.imm) {
        case 16: return `${L} = bswap16(${L}); ${H} = 0;`;
        case 32: return `${L} = bswap32(${L}); ${H} = 0;`;
        case 64: return `t = bswap32(${L}); ${L} = bswap32(${H}); ${H} = t;`;
        default: return `throw fault(${pc}, 'insn', 'bswap with imm ${i.imm}');`;
      }
  }
  return `throw fault(${pc}, 'insn', 'unknown ALU64 opcode 0x${i.code.toString(16)}');`;
}

function shift64(i: Insn, L: string, H: string, sl: string): string {
  const fn = op(i.code) === BPF_LSH ? 'lsh64' : op(i.code) === BPF_RSH ? 'rsh64' : 'arsh64';
  if (src(i.code) === BPF_X) return `${fn}(${L}, ${H}, ${sl} & 63); ${L} = R.l; ${H} = R.h;`;
  const n = i.imm & 63;
  if (n === 0) return '';
  switch (op(i.code)) {
    case BPF_LSH: return n < 32 ? `${H} = (${H} << ${n}) | (${L} >>> ${32 - n}); ${L} = ${L} << ${n};` : `${H} = ${L} << ${n - 32}; ${L} = 0;`;
    case BPF_RSH: return n < 32 ? `${L} = (${L} >>> ${n}) | (${H} << ${32 - n}); ${H} = ${H} >>> ${n} | 0;` : `${L} = ${H} >>> ${n - 32} | 0; ${H} = 0;`;
    default: return n < 32 ? `${L} = (${L} >>> ${n}) | (${H} << ${32 - n}); ${H} = ${H} >> ${n};` : `${L} = ${H} >> ${n - 32}; ${H} = ${H} >> 31;`;
  }
}

function alu32(i: Insn, L: string, H: string, pc: number): string {
  const s = src(i.code) === BPF_X ? `L${i.src_reg}` : String(i.imm | 0);
  const signed = i.off === 1;
  const z = `${H} = 0;`;
  switch (op(i.code)) {
    case BPF_ADD: return `${L} = (${L} + ${s}) | 0; ${z}`;
    case BPF_SUB: return `${L} = (${L} - ${s}) | 0; ${z}`;
    case BPF_MUL: return `${L} = Math.imul(${L}, ${s}); ${z}`;
    case BPF_DIV: return signed
      ? `d = ${s}; ${L} = d === 0 ? 0 : (${L} / d) | 0; ${z}`
      : `d = ${s} >>> 0; ${L} = d === 0 ? 0 : ((${L} >>> 0) / d) | 0; ${z}`;
    case BPF_MOD: return signed
      ? `d = ${s}; if (d !== 0) ${L} = (${L} % d) | 0; ${z}`
      : `d = ${s} >>> 0; if (d !== 0) ${L} = ((${L} >>> 0) % d) | 0; ${z}`;
    case BPF_OR: return `${L} |= ${s}; ${z}`;
    case BPF_AND: return `${L} &= ${s}; ${z}`;
    case BPF_XOR: return `${L} ^= ${s}; ${z}`;
    case BPF_LSH: return `${L} <<= ${src(i.code) === BPF_X ? `(${s} & 31)` : i.imm & 31}; ${z}`;
    case BPF_RSH: return `${L} = ${L} >>> ${src(i.code) === BPF_X ? `(${s} & 31)` : i.imm & 31} | 0; ${z}`;
    case BPF_ARSH: return `${L} >>= ${src(i.code) === BPF_X ? `(${s} & 31)` : i.imm & 31}; ${z}`;
    case BPF_NEG: return `${L} = -${L} | 0; ${z}`;
    case BPF_MOV:
      switch (i.off) {
        case 8: return `${L} = (${s} << 24) >> 24; ${z}`;
        case 16: return `${L} = (${s} << 16) >> 16; ${z}`;
        default: return `${L} = ${s}; ${z}`;
      }
    case BPF_END: {
      const be = src(i.code) === BPF_TO_BE; // this host, like x86_64, is little-endian
      switch (i.imm) {
        case 16: return be ? `${L} = bswap16(${L}); ${z}` : `${L} &= 0xffff; ${z}`;
        case 32: return be ? `${L} = bswap32(${L}); ${z}` : z;
        case 64: return be ? `t = bswap32(${L}); ${L} = bswap32(${H}); ${H} = t;` : '';
        default: return `throw fault(${pc}, 'insn', 'END with imm ${i.imm}');`;
      }
    }
  }
  return `throw fault(${pc}, 'insn', 'unknown ALU opcode 0x${i.code.toString(16)}');`;
}
