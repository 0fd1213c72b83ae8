// What BPF_PROG_LOAD computes from a program's instructions alone, remembered by their content: the
// instruction check's verdict and the tag (a SHA-256). A program without an ld_imm64 is checked on
// its instructions and its type's helpers only (no fd is looked at), so the same instructions of
// the same type get the same answers; loaders load the same few programs again and again. The
// memory is bounded and only ever answers what the computation would (a pure function's memo).
import type { Insn } from '@bpfsim/events';
import { insnCheck, type InsnCheckResult } from '../algo/insncheck.ts';
import { HELPERS_BY_PROG_TYPE } from '../algo/helpers.ts';
import { progTag } from '../algo/tag.ts';
import { BPF_PROG_TYPE_NAMES } from '@bpfsim/events';

export interface Vetted { readonly checked: InsnCheckResult; readonly tag: string }

const MAX = 1024;
const memo = new Map<string, Vetted>();

const fits = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;

/**
 * The instructions as a string, 4 chars an instruction (code and registers, off, imm's halves):
 * one string for each distinct instruction list. Undefined when a field is outside its type (the
 * fold may be given events nobody validated): such a program is not remembered.
 */
export function insnsKey(insns: readonly Insn[]): string | undefined {
  let key = '';
  for (let i = 0; i < insns.length; i++) {
    const x = insns[i];
    if (!fits(x.code, 0, 0xff) || !fits(x.dst_reg, 0, 15) || !fits(x.src_reg, 0, 15) || !fits(x.off, -0x8000, 0x7fff) || !fits(x.imm, -0x80000000, 0x7fffffff)) return undefined;
    key += String.fromCharCode(x.code | (x.dst_reg << 8) | (x.src_reg << 12), x.off & 0xffff, x.imm & 0xffff, (x.imm >>> 16) & 0xffff);
  }
  return key;
}

/** The program type and its instructions' key (insnsKey), or undefined. */
export function vettedKey(prog_type: number, insns: readonly Insn[]): string | undefined {
  const k = insnsKey(insns);
  return k === undefined ? undefined : `${prog_type}:${k}`;
}

/** The check's verdict and the tag of a program without an ld_imm64 (the caller knows it has none). */
export function vetted(prog_type: number, insns: readonly Insn[]): Vetted {
  const key = vettedKey(prog_type, insns);
  const known = key === undefined ? undefined : memo.get(key);
  if (known !== undefined) return known;
  const checked = insnCheck(insns, { helpers: HELPERS_BY_PROG_TYPE[BPF_PROG_TYPE_NAMES[prog_type]], mapFds: [], otherFds: [] });
  const v: Vetted = { checked, tag: checked.ok ? progTag(insns) : '' };
  if (key !== undefined) {
    if (memo.size >= MAX) memo.clear();
    memo.set(key, v);
  }
  return v;
}
