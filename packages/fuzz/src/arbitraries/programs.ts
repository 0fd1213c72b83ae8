// Programs for BPF_PROG_LOAD: ones the kernel's verifier accepts, and defective ones, each defect
// one that bpfsim's static instruction check claims to catch (reducer/src/algo/insncheck.ts) or,
// separately, one only the real verifier's dynamic analysis catches (which bpfsim does not model).
import fc from 'fast-check';
import { bpf_prog_type, insn, type Insn } from '@bpfsim/events';
import { weighted } from './primitives.ts';

const EXIT = insn(0x95);
const MOV = (dst: number, imm: number) => insn(0xb7, dst, 0, 0, imm);
/** BPF_LD | BPF_IMM | BPF_DW with src_reg BPF_PSEUDO_MAP_FD: r`dst` = the map behind fd `fd`. */
export const LD_MAP_FD = (dst: number, fd: number): Insn[] => [insn(0x18, dst, 1, 0, fd), insn(0)];

/** Whether `insns` names a map by fd (an ld_imm64 with src_reg BPF_PSEUDO_MAP_FD). */
export function mapFdSlots(insns: readonly Insn[]): number[] {
  const slots: number[] = [];
  for (let i = 0; i < insns.length; i++) {
    if (insns[i].code === 0x18) {
      if (insns[i].src_reg === 1) slots.push(i);
      i++;
    }
  }
  return slots;
}

/** A program `r0 = k; exit`. */
export const retProgram = (k: number): Insn[] => [MOV(0, k), EXIT];

/** Program types whose verifier checks r0 at exit against [0, 1] (check_return_code). */
const NARROW_RETURN = new Set<string | number>(['BPF_PROG_TYPE_CGROUP_SKB', bpf_prog_type.BPF_PROG_TYPE_CGROUP_SKB]);

/**
 * A program the verifier accepts for `progType` (a plain type: see PLAIN_PROG_TYPES). Return codes
 * are tcx's (TCX_NEXT -1, PASS 0, DROP 2, REDIRECT 7) unless the type restricts r0.
 */
export function validProgramArb(progType: string | number = 'BPF_PROG_TYPE_SCHED_CLS'): fc.Arbitrary<Insn[]> {
  const narrow = NARROW_RETURN.has(progType);
  const ret = narrow ? fc.constantFrom(0, 1) : fc.constantFrom(-1, 0, 1, 2, 7);
  const choices: (readonly [number, fc.Arbitrary<Insn[]>])[] = [
    [8, ret.map(retProgram)],
    // ld_imm64 of a map fd; the stateful resolver points it at an open map.
    [4, fc.integer({ min: 3, max: 8 }).map((fd) => [...LD_MAP_FD(1, fd), MOV(0, 0), EXIT])],
    // two maps
    [1, fc.tuple(fc.integer({ min: 3, max: 8 }), fc.integer({ min: 3, max: 8 })).map(([a, b]) => [...LD_MAP_FD(1, a), ...LD_MAP_FD(2, b), MOV(0, 0), EXIT])],
    // a branch on a random number (a branch on a constant would be removed as dead code, which
    // bpfsim does not model: xlated_prog_len would differ, as documented in reducer core/info.ts)
    [2, ret.map((k) => [insn(0x85, 0, 0, 0, 7), insn(0x15, 0, 0, 1, 0), MOV(0, k), EXIT])],
  ];
  if (!narrow) {
    choices.push(
      [2, fc.tuple(ret, fc.integer({ min: -4, max: 4 })).map(([a, b]) => [MOV(0, a), insn(0x07, 0, 0, 0, b), EXIT])],
      // a 64-bit constant by ld_imm64 (src_reg 0)
      [1, fc.tuple(fc.integer(), fc.integer()).map(([lo, hi]) => [insn(0x18, 0, 0, 0, lo), insn(0, 0, 0, 0, hi), EXIT])],
      // helpers every plain type has: bpf_ktime_get_ns (5), bpf_get_prandom_u32 (7)
      [2, fc.constantFrom(5, 7).map((h) => [insn(0x85, 0, 0, 0, h), EXIT])],
    );
  }
  return weighted(...choices);
}

/** A program with a defect, and which one (the kernel's log line, or a name). */
export interface DefectiveProgram { readonly defect: string; readonly insns: readonly Insn[] }

/** Defects bpfsim's instruction check catches, as the kernel does (same errno). */
export const STATIC_DEFECTS: readonly DefectiveProgram[] = Object.freeze([
  { defect: 'no instructions (E2BIG)', insns: [] },
  { defect: 'last insn is not an exit or jmp', insns: [MOV(0, 0)] },
  { defect: 'jump out of range', insns: [insn(0x05, 0, 0, 5, 0), EXIT] },
  { defect: 'unknown opcode', insns: [MOV(0, 0), insn(0xff), EXIT] },
  { defect: 'unknown opcode 8d', insns: [MOV(0, 0), insn(0x8d), EXIT] },
  { defect: 'R11 is invalid', insns: [MOV(11, 0), EXIT] },
  { defect: 'frame pointer is read only', insns: [MOV(10, 0), EXIT] },
  { defect: 'div by zero', insns: [MOV(0, 1), insn(0x37, 0, 0, 0, 0), EXIT] },
  { defect: 'invalid shift', insns: [MOV(0, 1), insn(0x67, 0, 0, 0, 64), EXIT] },
  { defect: 'unreachable insn', insns: [MOV(0, 0), EXIT, MOV(0, 1), EXIT] },
  { defect: 'invalid bpf_ld_imm64 insn', insns: [insn(0x18, 1, 0, 0, 1), insn(0x01), MOV(0, 0), EXIT] },
  { defect: 'unrecognized bpf_ld_imm64 insn', insns: [insn(0x18, 1, 9, 0, 1), insn(0), MOV(0, 0), EXIT] },
  { defect: 'fd is not pointing to valid bpf_map', insns: [...LD_MAP_FD(1, 0), MOV(0, 0), EXIT] },
  { defect: 'jump into the middle of ldimm64 insn', insns: [insn(0x05, 0, 0, 1, 0), insn(0x18, 1, 0, 0, 1), insn(0), MOV(0, 0), EXIT] },
  { defect: 'BPF_MOV uses reserved fields', insns: [insn(0xb7, 0, 1, 0, 0), EXIT] },
  { defect: 'BPF_ALU uses reserved fields', insns: [MOV(0, 0), insn(0x07, 0, 0, 3, 1), EXIT] },
  { defect: 'BPF_EXIT uses reserved fields', insns: [MOV(0, 0), insn(0x95, 0, 0, 0, 1)] },
  { defect: 'BPF_JA uses reserved fields', insns: [MOV(0, 0), insn(0x05, 1, 0, 0, 0), EXIT] },
  { defect: 'conditional jump uses reserved fields', insns: [MOV(0, 0), insn(0x15, 0, 1, 0, 0), EXIT] },
  { defect: 'BPF_LDX uses reserved fields', insns: [insn(0x61, 0, 1, 0, 5), EXIT] },
  { defect: 'invalid func unknown', insns: [insn(0x85, 0, 0, 0, 99999), EXIT] },
  { defect: 'invalid func (negative id)', insns: [insn(0x85, 0, 0, 0, -1), EXIT] },
  { defect: 'BPF_CALL uses reserved fields', insns: [insn(0x85, 1, 0, 0, 5), EXIT] },
  { defect: 'call to invalid destination', insns: [insn(0x85, 0, 1, 0, 40), EXIT] },
  { defect: 'backward jump out of range', insns: [insn(0x15, 1, 0, -3, 0), MOV(0, 0), EXIT] },
].map((d) => Object.freeze({ defect: d.defect, insns: Object.freeze(d.insns) })));

/**
 * Defects only the verifier's walk of the program finds. bpfsim documents that it does not catch
 * them (insncheck.ts, "Programs that PASS this check but the kernel REJECTS"): a model loads these
 * programs, the kernel does not. Kept apart, for runs that want to see that gap.
 */
export const DYNAMIC_DEFECTS: readonly DefectiveProgram[] = Object.freeze([
  { defect: 'R0 !read_ok', insns: [EXIT] },
  { defect: 'R2 !read_ok', insns: [insn(0xbf, 0, 2), EXIT] },
  { defect: 'invalid stack access', insns: [insn(0x7a, 10, 0, 8, 0), MOV(0, 0), EXIT] },
  { defect: 'infinite loop detected', insns: [MOV(0, 0), insn(0x05, 0, 0, -1, 0)] },
].map((d) => Object.freeze({ defect: d.defect, insns: Object.freeze(d.insns) })));

/** One of STATIC_DEFECTS, with its label. */
export const defectiveProgramArb = (defects: readonly DefectiveProgram[] = STATIC_DEFECTS): fc.Arbitrary<DefectiveProgram> =>
  fc.constantFrom(...defects);

/**
 * The instructions of a BPF_PROG_LOAD for `progType`: mostly valid, a fifth defective (statically),
 * and with `dynamicWeight` > 0 also verifier-only defects.
 */
export function programArb(progType: string | number, dynamicWeight = 0): fc.Arbitrary<Insn[]> {
  return weighted<Insn[]>(
    [16, validProgramArb(progType)],
    [4, defectiveProgramArb().map((d) => [...d.insns])],
    [dynamicWeight, defectiveProgramArb(DYNAMIC_DEFECTS).map((d) => [...d.insns])],
  );
}
