// Code for LDX / ST / STX (incl. sign-extending loads and atomics) and the legacy LD_ABS/LD_IND.
// Accesses through r10 with a constant offset inside the 512-byte frame go straight to the stack's
// DataView `S` at fp + off; packet and ctx accesses get inline fast paths (fastmem.ts); every
// other access calls memory/access.ts, which checks the region.
import type { Insn } from '@bpfsim/events';
import { fastLoad, fastStore } from './fastmem.ts';
import {
  BPF_ABS, BPF_ATOMIC, BPF_B, BPF_CMPXCHG, BPF_DW, BPF_FETCH, BPF_H, BPF_IND, BPF_LD, BPF_LDX, BPF_LOAD_ACQ,
  BPF_MEM, BPF_MEMSX, BPF_ST, BPF_STORE_REL, BPF_STX, BPF_W, BPF_XCHG, MAX_BPF_STACK, cls, mode, size, sizeBytes,
} from '../opcodes.ts';

const inFrame = (off: number, n: number) => off >= -MAX_BPF_STACK && off + n <= 0;
const addr = (reg: number, off: number) => off === 0 ? `L${reg}` : `(L${reg} + ${off}) | 0`;

/** dst = *(size *)(src + off), zero- or sign-extended. */
function load(d: number, s: number, off: number, code: number, sx: boolean, pc: number): string {
  const n = sizeBytes(code);
  const L = `L${d}`, H = `H${d}`;
  if (d === 10) return `throw fault(${pc}, 'readonly', 'frame pointer r10 is read only');`;
  if (s === 10 && inFrame(off, n)) {
    const at = `fp + ${off}`;
    switch (n) {
      case 1: return sx ? `${L} = S.getInt8(${at}); ${H} = ${L} >> 31;` : `${L} = S8[${at}]; ${H} = 0;`;
      case 2: return sx ? `${L} = S.getInt16(${at}, true); ${H} = ${L} >> 31;` : `${L} = S.getUint16(${at}, true); ${H} = 0;`;
      case 4: return sx ? `${L} = S.getInt32(${at}, true); ${H} = ${L} >> 31;` : `${L} = S.getInt32(${at}, true); ${H} = 0;`;
      default: return `${H} = S.getInt32(${at} + 4, true); ${L} = S.getInt32(${at}, true);`;
    }
  }
  const a = `m, H${s}, ${addr(s, off)}, ${pc}`;
  switch (n) {
    case 1: return sx ? `${L} = (ld8(${a}) << 24) >> 24; ${H} = ${L} >> 31;` : fastLoad(d, s, off, n, `${L} = ld8(${a}); ${H} = 0;`);
    case 2: return sx ? `${L} = (ld16(${a}) << 16) >> 16; ${H} = ${L} >> 31;` : fastLoad(d, s, off, n, `${L} = ld16(${a}); ${H} = 0;`);
    case 4: return sx ? `${L} = ld32(${a}); ${H} = ${L} >> 31;` : fastLoad(d, s, off, n, `${L} = ld32(${a}); ${H} = m.rh;`);
    default: return fastLoad(d, s, off, n, `${L} = ld64(${a}); ${H} = m.rh;`);
  }
}

/** *(size *)(dst + off) = value (vl, vh). */
function store(d: number, off: number, code: number, vl: string, vh: string, pc: number): string {
  const n = sizeBytes(code);
  if (d === 10 && inFrame(off, n)) {
    const at = `fp + ${off}`;
    switch (n) {
      case 1: return `S8[${at}] = ${vl};`;
      case 2: return `S.setUint16(${at}, ${vl}, true);`;
      case 4: return `S.setInt32(${at}, ${vl}, true);`;
      default: return `S.setInt32(${at}, ${vl}, true); S.setInt32(${at} + 4, ${vh}, true);`;
    }
  }
  const a = `m, H${d}, ${addr(d, off)}`;
  switch (n) {
    case 1: return fastStore(d, off, n, vl, vh, `st8(${a}, ${vl}, ${pc});`);
    case 2: return fastStore(d, off, n, vl, vh, `st16(${a}, ${vl}, ${pc});`);
    case 4: return fastStore(d, off, n, vl, vh, `st32(${a}, ${vl}, ${pc});`);
    default: return fastStore(d, off, n, vl, vh, `st64(${a}, ${vl}, ${vh}, ${pc});`);
  }
}

function atomic(i: Insn, pc: number): string {
  const s = i.src_reg, d = i.dst_reg;
  const a = `m, H${d}, ${addr(d, i.off)}`;
  const sz = size(i.code);
  // load-acquire: dst = *(src + off); store-release: *(dst + off) = src (plain accesses here: one CPU)
  if (i.imm === BPF_LOAD_ACQ) return load(d, s, i.off, i.code, false, pc);
  if (i.imm === BPF_STORE_REL) return store(d, i.off, i.code, `L${s}`, `H${s}`, pc);
  if (sz !== BPF_W && sz !== BPF_DW) return bad(i, pc);
  const fetch = (i.imm & BPF_FETCH) !== 0;
  const cmpxchg = i.imm === BPF_CMPXCHG;
  if (!fetch && i.imm !== 0x00 && i.imm !== 0x40 && i.imm !== 0x50 && i.imm !== 0xa0) return bad(i, pc);
  if (fetch && ![0x01, 0x41, 0x51, 0xa1, BPF_XCHG, BPF_CMPXCHG].includes(i.imm)) return bad(i, pc);
  if (sz === BPF_W) {
    const call = `atomic32(${a}, ${i.imm}, L${s}, L0, ${pc})`;
    if (cmpxchg) return `L0 = ${call}; H0 = 0;`;
    return fetch ? `L${s} = ${call}; H${s} = 0;` : `${call};`;
  }
  const call = `atomic64(${a}, ${i.imm}, L${s}, H${s}, L0, H0, ${pc})`;
  if (cmpxchg) return `L0 = ${call}; H0 = m.rh;`;
  return fetch ? `L${s} = ${call}; H${s} = m.rh;` : `${call};`;
}

/** The [off, off + n) bytes of the frame an instruction stores to inline (through r10), or undefined. */
export function inlineStackStore(i: Insn): [number, number] | undefined {
  const k = cls(i.code);
  const st = (k === BPF_ST && mode(i.code) === BPF_MEM) || (k === BPF_STX && mode(i.code) === BPF_MEM) ||
    (k === BPF_STX && mode(i.code) === BPF_ATOMIC && i.imm === BPF_STORE_REL);
  if (!st || i.dst_reg !== 10) return undefined;
  const n = sizeBytes(i.code);
  return inFrame(i.off, n) ? [i.off, i.off + n] : undefined;
}

const bad = (i: Insn, pc: number) => `throw fault(${pc}, 'insn', 'invalid instruction code 0x${i.code.toString(16)} imm 0x${(i.imm >>> 0).toString(16)}');`;

/** LDX, ST, STX and LD_ABS / LD_IND; undefined when the class is none of them. */
export function emitMem(i: Insn, pc: number): string | undefined {
  switch (cls(i.code)) {
    case BPF_LDX:
      if (mode(i.code) === BPF_MEM) return load(i.dst_reg, i.src_reg, i.off, i.code, false, pc);
      if (mode(i.code) === BPF_MEMSX && size(i.code) !== BPF_DW) return load(i.dst_reg, i.src_reg, i.off, i.code, true, pc);
      return bad(i, pc);
    case BPF_ST: {
      if (mode(i.code) !== BPF_MEM) return bad(i, pc);
      const imm = i.imm | 0;
      return store(i.dst_reg, i.off, i.code, String(imm), imm < 0 ? '-1' : '0', pc);
    }
    case BPF_STX:
      if (mode(i.code) === BPF_MEM) return store(i.dst_reg, i.off, i.code, `L${i.src_reg}`, `H${i.src_reg}`, pc);
      if (mode(i.code) === BPF_ATOMIC) return atomic(i, pc);
      return bad(i, pc);
    case BPF_LD: {
      const m = mode(i.code), sz = size(i.code);
      if ((m !== BPF_ABS && m !== BPF_IND) || sz === BPF_DW) return bad(i, pc);
      // r0 = ntoh(*(size *)(skb->data + imm [+ src])); past the end the program returns 0.
      const off = m === BPF_IND ? `(L${i.src_reg} + ${i.imm | 0}) | 0` : String(i.imm | 0);
      return `L0 = ldabs(m, ${off}, ${sizeBytes(i.code)}, ${pc}); H0 = 0;`;
    }
  }
  return undefined;
}
