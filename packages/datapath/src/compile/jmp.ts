// Conditions of BPF_JMP (64-bit compares) and BPF_JMP32 (compares of the low halves).
import type { Insn } from '@bpfsim/events';
import {
  BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JLE, BPF_JLT, BPF_JMP32, BPF_JNE, BPF_JSET, BPF_JSGE, BPF_JSGT, BPF_JSLE,
  BPF_JSLT, BPF_X, cls, op, src,
} from '../opcodes.ts';

/** The JavaScript condition under which a conditional jump is taken, or undefined for an unknown op. */
export function condition(i: Insn): string | undefined {
  const dl = `L${i.dst_reg}`, dh = `H${i.dst_reg}`;
  const x = src(i.code) === BPF_X;
  const imm = i.imm | 0;
  const sl = x ? `L${i.src_reg}` : String(imm);
  const sh = x ? `H${i.src_reg}` : imm < 0 ? '-1' : '0';
  const o = op(i.code);
  // Unsigned forms; a constant is folded.
  const u = (a: string) => (/^-?\d+$/.test(a) ? String(Number(a) >>> 0) : `(${a} >>> 0)`);
  if (cls(i.code) === BPF_JMP32) {
    switch (o) {
      case BPF_JEQ: return `${dl} === ${sl}`;
      case BPF_JNE: return `${dl} !== ${sl}`;
      case BPF_JGT: return `${u(dl)} > ${u(sl)}`;
      case BPF_JGE: return `${u(dl)} >= ${u(sl)}`;
      case BPF_JLT: return `${u(dl)} < ${u(sl)}`;
      case BPF_JLE: return `${u(dl)} <= ${u(sl)}`;
      case BPF_JSGT: return `${dl} > ${sl}`;
      case BPF_JSGE: return `${dl} >= ${sl}`;
      case BPF_JSLT: return `${dl} < ${sl}`;
      case BPF_JSLE: return `${dl} <= ${sl}`;
      case BPF_JSET: return `(${dl} & ${sl}) !== 0`;
    }
    return undefined;
  }
  // 64-bit: the high halves decide unless equal, then the low halves unsigned.
  const lo = (rel: string) => `(${dh} === ${sh} && ${u(dl)} ${rel} ${u(sl)})`;
  const uhi = (rel: string) => `${u(dh)} ${rel} ${u(sh)}`;
  const shi = (rel: string) => `${dh} ${rel} ${sh}`;
  switch (o) {
    case BPF_JEQ: return `${dl} === ${sl} && ${dh} === ${sh}`;
    case BPF_JNE: return `${dl} !== ${sl} || ${dh} !== ${sh}`;
    case BPF_JGT: return `${uhi('>')} || ${lo('>')}`;
    case BPF_JGE: return `${uhi('>')} || ${lo('>=')}`;
    case BPF_JLT: return `${uhi('<')} || ${lo('<')}`;
    case BPF_JLE: return `${uhi('<')} || ${lo('<=')}`;
    case BPF_JSGT: return `${shi('>')} || ${lo('>')}`;
    case BPF_JSGE: return `${shi('>')} || ${lo('>=')}`;
    case BPF_JSLT: return `${shi('<')} || ${lo('<')}`;
    case BPF_JSLE: return `${shi('<')} || ${lo('<=')}`;
    case BPF_JSET: return `(${dl} & ${sl}) !== 0 || (${dh} & ${sh}) !== 0`;
  }
  return undefined;
}
