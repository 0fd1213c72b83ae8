// The shape of a program: where its subprograms start (insn 0 and every target of a
// bpf-to-bpf call or BPF_PSEUDO_FUNC ld_imm64), and which instructions are jump targets.
import type { Insn } from '@bpfsim/events';
import { BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC } from '@bpfsim/events';
import { BPF_CALL, BPF_EXIT, BPF_JA, BPF_JCOND, BPF_JMP, BPF_JMP32, cls, op } from '../opcodes.ts';

export const LD_IMM64 = 0x18;

export function subprogStarts(insns: readonly Insn[]): number[] {
  const starts = new Set<number>([0]);
  for (let i = 0; i < insns.length; i++) {
    const x = insns[i];
    if (x.code === (BPF_JMP | BPF_CALL) && x.src_reg === BPF_PSEUDO_CALL) starts.add(i + x.imm + 1);
    if (x.code === LD_IMM64 && x.src_reg === BPF_PSEUDO_FUNC) starts.add(i + x.imm + 1);
    if (x.code === LD_IMM64) i++;
  }
  return [...starts].filter((s) => s >= 0 && s < insns.length).sort((a, b) => a - b);
}

/** The target of a jump at pc (JMP32 | JA, gotol, jumps by imm), or undefined for a non-jump. */
export function jumpTarget(x: Insn, pc: number): number | undefined {
  const c = cls(x.code);
  if (c !== BPF_JMP && c !== BPF_JMP32) return undefined;
  const o = op(x.code);
  if (o === BPF_CALL || o === BPF_EXIT) return undefined;
  if (o === BPF_JA && c === BPF_JMP32) return pc + x.imm + 1;
  if (o === BPF_JCOND && c === BPF_JMP32) return undefined;
  return pc + x.off + 1;
}

/** Jump targets inside [start, end). */
export function jumpTargets(insns: readonly Insn[], start: number, end: number): Set<number> {
  const t = new Set<number>();
  for (let i = start; i < end; i++) {
    const j = jumpTarget(insns[i], i);
    if (j !== undefined) t.add(j);
    if (insns[i].code === LD_IMM64) i++;
  }
  return t;
}
