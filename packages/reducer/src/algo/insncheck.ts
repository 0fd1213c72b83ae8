// The small, documented instruction check bpfsim applies at BPF_PROG_LOAD until a full verifier
// exists. It rejects what the Linux 6.18 verifier rejects *statically*, with the same errno and the
// same log line, found in the kernel's order of passes:
//
//   0. bpf_prog_load: insn_cnt 0 or > limit (1,000,000 for CAP_BPF; 4096 otherwise)   -E2BIG, no log
//   1. add_subprog_and_kfunc: targets of bpf-to-bpf calls (src_reg 1) and of
//      BPF_PSEUDO_FUNC ld_imm64 (src_reg 4) inside the program; kfunc calls (src_reg 2)
//   2. check_subprogs: every jump inside its subprogram; each subprogram's last insn is
//      exit (0x95), ja (0x05) or gotol (JMP32 JA, 0x06)
//   3. resolve_pseudo_ldimm64, one pass in index order: LDX reserved fields; ld_imm64 followed
//      by a zero second half, known src_reg, map fds / fd_array; the opcode table
//   4. check_cfg: every insn reachable from insn 0 (calls reach their subprogram), no jump into
//      the second half of an ld_imm64
//   5. do_check's syntactic checks, per instruction (index order): reserved fields of each class,
//      register numbers (R0..R10) and writes to R10, div by zero and shift amounts of
//      immediates, atomic opcodes and sizes, may_goto fields, helper ids
//
// The log line is the verifier's message without its newline. For failures in passes 1-4 the
// kernel's whole log at log_level 1 is known too (`fullLog`): the line, then its statistics line.
// For pass 5 the kernel first prints its trace of the instructions it walked, so only the line is
// given.
//
// Measured on the live kernel by packages/oracle-probes-algo/probe_insncheck.c (fixtures/insncheck.json,
// tested in test/algo/insncheck.test.ts). Table: defect → errno → log line
//
//   defect                                              errno   log line
//   insn_cnt 0, or > 1,000,000 (root)                   E2BIG   (no log)
//   bpf-to-bpf call / pseudo func outside the program   EINVAL  call to invalid destination
//   kfunc call (src_reg 2) to an id that is no function EINVAL  kernel btf_id %u is not a function
//   jump outside its subprogram (JMP32 JA: by imm)      EINVAL  jump out of range from insn %d to %d
//   subprogram's last insn not 0x95/0x05/0x06           EINVAL  last insn is not an exit or jmp
//   LDX mode not MEM/MEMSX, or imm != 0                 EINVAL  BPF_LDX uses reserved fields
//   ld_imm64 second half not code/dst/src/off 0         EINVAL  invalid bpf_ld_imm64 insn
//   ld_imm64 src_reg not 0..6, or MAP_FD/IDX with hi imm EINVAL unrecognized bpf_ld_imm64 insn
//   ld_imm64 MAP_FD/MAP_VALUE fd not a map              EBADF   fd %d is not pointing to valid bpf_map
//   ld_imm64 MAP_IDX/MAP_IDX_VALUE without fd_array     EPROTO  fd_idx without fd_array is invalid
//   ld_imm64 BTF_ID (src_reg 3) that is no var/func     EINVAL  pseudo btf_id %d in ldimm64 isn't KIND_VAR or KIND_FUNC
//   opcode not in the kernel's table                    EINVAL  unknown opcode %02x
//   insn never reached from insn 0                      EINVAL  unreachable insn %d
//   jump into an ld_imm64's second half                 EINVAL  jump into the middle of ldimm64 insn %d
//   ALU/ALU64 op with bad src_reg/imm/off               EINVAL  BPF_ALU uses reserved fields
//   MOV with bad src_reg/imm/off                        EINVAL  BPF_MOV uses reserved fields
//   NEG with src_reg/imm/off                            EINVAL  BPF_NEG uses reserved fields
//   END with src_reg/off, imm not 16/32/64              EINVAL  BPF_END uses reserved fields
//   ALU64 MOV X off 1 (addr_space_cast), imm not 1/1<<16 EINVAL addr_space_cast insn can only convert between address space 1 and 0
//   addr_space_cast (no arena is modelled)              EINVAL  addr_space_cast insn can only be used in a program that has an associated arena
//   DIV/MOD by immediate 0                              EINVAL  div by zero
//   shift by immediate < 0 or >= 32/64                  EINVAL  invalid shift %d
//   register number 11..15                              EINVAL  R%d is invalid
//   write to R10                                        EACCES  frame pointer is read only
//   STX MEM with imm != 0                               EINVAL  BPF_STX uses reserved fields
//   STX ATOMIC with an unknown operation in imm         EINVAL  BPF_ATOMIC uses invalid atomic opcode %02x
//   STX ATOMIC B/H other than load-acquire/store-release EINVAL invalid atomic operand size
//   ST with src_reg != 0                                EINVAL  BPF_ST uses reserved fields
//   LD ABS/IND with dst_reg/off, or ABS with src_reg    EINVAL  BPF_LD_[ABS|IND] uses reserved fields
//   ld_imm64 first half with off != 0                   EINVAL  BPF_LD_IMM64 uses reserved fields
//   ld_imm64 BPF_PSEUDO_FUNC without BTF func_info      EINVAL  missing btf func_info
//   JA with src_reg/dst_reg, JMP imm or JMP32 off       EINVAL  BPF_JA uses reserved fields
//   conditional jump: K with src_reg, X with imm        EINVAL  BPF_JMP/JMP32 uses reserved fields
//   EXIT with src_reg/dst_reg/imm (off is not checked)  EINVAL  BPF_EXIT uses reserved fields
//   CALL with dst_reg, src_reg > 2, off (not kfunc)     EINVAL  BPF_CALL uses reserved fields
//   may_goto with src_reg/dst_reg/imm                   EINVAL  invalid may_goto imm %d
//   helper id < 0 or >= __BPF_FUNC_MAX_ID (212)         EINVAL  invalid func unknown#%d
//   helper id not allowed for the program type          EINVAL  program of this type cannot use helper %s#%d
//
// Unreachable by construction: "invalid BPF_LD_IMM insn" (LD|IMM with size W/H/B is not in the
// opcode table, so "unknown opcode 00/08/10" comes first), "invalid BPF_ALU opcode" and
// "invalid BPF_JMP/JMP32 opcode" (same reason), and "invalid bpf_ld_imm64 insn" for an ld_imm64
// that is the last insn (check_subprogs' "last insn is not an exit or jmp" comes first).
//
// Programs that PASS this check but the kernel REJECTS (the real verifier's dynamic checks):
//   - reads of uninitialised registers ("R%d !read_ok", e.g. R0 at exit), EACCES
//   - every memory access rule: stack bounds and alignment, ctx field access, packet and map value
//     bounds, pointer arithmetic, spills ("invalid size of register spill"), EACCES
//   - helper and kfunc argument types and the R0 range at exit; GPL-only helpers for non-GPL code
//   - loops that do not terminate or exceed 1,000,000 processed insns (ENOSPC "BPF program is too large"),
//     "infinite loop detected"
//   - unprivileged loaders: back-edges, pointer leaks and comparisons, the 4096-insn limit
//   - BTF-dependent features: kfunc ids that are functions, ld_imm64 BTF_ID of vars/funcs,
//     PSEUDO_FUNC with func_info, direct map value access (MAP_VALUE: array of 1 entry, offset
//     bounds), map/program compatibility, more than 256 subprograms, call stack depth, recursion
//   - LD_ABS/IND need R6 = ctx and cannot mix with bpf-to-bpf calls; atomic register/pointer rules
// and programs this check REJECTS but the kernel ACCEPTS: a defect of pass 5 that sits only on a
// branch the verifier proves dead (it never walks it; measured: accepted). With several pass-5
// defects the kernel names the first one it walks (fall-through first), this check the first by
// index: the same for straight-line code and forward branches.

import type { Insn } from '@bpfsim/events';
import { errno } from '@bpfsim/events';
import { BPF_FUNC_MAX_ID, BPF_FUNC_NAMES } from './helpers.ts';

export interface InsnCheckOptions {
  /**
   * Helper ids the program type may call (HELPERS_BY_PROG_TYPE[type]). Without it only the id
   * range is checked ("invalid func unknown#%d"), as if the type could call every helper.
   */
  readonly helpers?: ReadonlySet<number> | readonly number[];
  /** Map fds open in the loading process; when given, other fds in ld_imm64 are -EBADF. */
  readonly mapFds?: ReadonlySet<number> | readonly number[];
  /** Fds open in the loading process that are not maps: naming one is -EINVAL rather than -EBADF (__bpf_map_get). */
  readonly otherFds?: ReadonlySet<number> | readonly number[];
  /** attr.fd_array, when the load passed one (for BPF_PSEUDO_MAP_IDX / _IDX_VALUE). */
  readonly fdArray?: readonly number[];
  /** kfunc BTF ids that name kernel functions; others are rejected as the kernel does for non-function ids. */
  readonly kfuncs?: ReadonlySet<number> | readonly number[];
  /** Whether the load carries BTF func_info (needed by BPF_PSEUDO_FUNC ld_imm64). */
  readonly funcInfo?: boolean;
  /** Instruction limit: 1,000,000 (BPF_COMPLEXITY_LIMIT_INSNS) for CAP_BPF, else 4096. Default 1,000,000. */
  readonly maxInsns?: number;
}

export type InsnCheckResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** positive errno (EINVAL = 22); the syscall returns -errno */
      readonly errno: number;
      /** the verifier's message, without the newline ('' when the kernel logs nothing) */
      readonly log: string;
      /** the instruction the message is about, when there is one */
      readonly insn?: number;
      /** the whole log at log_level 1, when it is known exactly (failures before do_check) */
      readonly fullLog?: string;
    };

/** The statistics line the verifier appends to every log (log_level 1) of a load that got to bpf_check. */
export const STATS_NO_INSNS = 'processed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0';

// Classes, sources, modes, sizes, ops.
const LD = 0x00, LDX = 0x01, ST = 0x02, STX = 0x03, ALU = 0x04, JMP = 0x05, JMP32 = 0x06, ALU64 = 0x07;
const X = 0x08;
const MODE_IMM = 0x00, MODE_ABS = 0x20, MODE_IND = 0x40, MODE_MEM = 0x60, MODE_MEMSX = 0x80, MODE_ATOMIC = 0xc0;
const SIZE_W = 0x00, SIZE_H = 0x08, SIZE_B = 0x10, SIZE_DW = 0x18;
const OP_DIV = 0x30, OP_LSH = 0x60, OP_RSH = 0x70, OP_NEG = 0x80, OP_MOD = 0x90, OP_MOV = 0xb0, OP_ARSH = 0xc0, OP_END = 0xd0;
const OP_JA = 0x00, OP_CALL = 0x80, OP_EXIT = 0x90, OP_JCOND = 0xe0;
const LD_IMM64 = 0x18;
const EXIT_INSN = 0x95, JA_INSN = 0x05, GOTOL_INSN = 0x06;

/**
 * bpf_opcode_in_insntable of Linux 6.18 (kernel/bpf/core.c, BPF_INSN_MAP plus the LD_ABS/IND
 * carry-overs and JCOND): RFC 9669's instruction set. Measured byte by byte on the live kernel.
 */
export const KNOWN_OPCODES: ReadonlySet<number> = (() => {
  const s = new Set<number>();
  const aluOps = [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0, 0xb0, 0xc0]; // add..arsh, mod, xor, mov
  for (const cls of [ALU, ALU64]) {
    for (const op of aluOps) { s.add(cls | op); s.add(cls | op | X); }
    s.add(cls | OP_NEG);
  }
  s.add(ALU | OP_END); s.add(ALU | OP_END | X); s.add(ALU64 | OP_END); // le, be, bswap
  const jmpOps = [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0]; // jeq..jsle
  for (const cls of [JMP, JMP32]) for (const op of jmpOps) { s.add(cls | op); s.add(cls | op | X); }
  s.add(JMP | OP_JA); s.add(JMP32 | OP_JA); s.add(JMP | OP_CALL); s.add(JMP | OP_EXIT); s.add(JMP | OP_JCOND);
  for (const size of [SIZE_W, SIZE_H, SIZE_B, SIZE_DW]) {
    s.add(STX | MODE_MEM | size); s.add(STX | MODE_ATOMIC | size); s.add(ST | MODE_MEM | size); s.add(LDX | MODE_MEM | size);
  }
  for (const size of [SIZE_W, SIZE_H, SIZE_B]) {
    s.add(LDX | MODE_MEMSX | size); s.add(LD | MODE_ABS | size); s.add(LD | MODE_IND | size);
  }
  s.add(LD_IMM64);
  return s;
})();

/** imm values of BPF_STX | BPF_ATOMIC that check_atomic knows (add/or/and/xor [| fetch], xchg, cmpxchg, load-acquire, store-release). */
const ATOMIC_OPS = new Set([0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1, 0x100, 0x110]);
const LOAD_ACQ = 0x100, STORE_REL = 0x110;

/** %02x of a C int. */
function hex02(v: number): string {
  const s = (v >>> 0).toString(16);
  return s.length < 2 ? '0' + s : s;
}

const ALL_HELPERS: ReadonlySet<number> = new Set(Array.from({ length: BPF_FUNC_MAX_ID }, (_, i) => i));

/** Sets made from frozen arrays (the helper tables): such an array cannot change, so neither can its set. */
const frozenSets = new WeakMap<readonly number[], ReadonlySet<number>>();
const NO_KFUNCS: ReadonlySet<number> = new Set<number>();

function asSet(x: ReadonlySet<number> | readonly number[] | undefined): ReadonlySet<number> | undefined {
  if (x === undefined || x instanceof Set) return x as ReadonlySet<number> | undefined;
  const arr = x as readonly number[];
  let set = frozenSets.get(arr);
  if (set === undefined) {
    set = new Set(arr);
    if (Object.isFrozen(arr)) frozenSets.set(arr, set);
  }
  return set;
}

class Reject {
  constructor(readonly errno: number, readonly log: string, readonly insn: number | undefined, readonly early: boolean) {}
}

const EINVAL = errno.EINVAL, EACCES = errno.EACCES;

function early(log: string, insn?: number, e: number = EINVAL): Reject {
  return new Reject(e, log, insn, true);
}
function late(log: string, insn: number, e: number = EINVAL): Reject {
  return new Reject(e, log, insn, false);
}

/** check_reg_arg's static part: the register exists, and a written one is not R10. */
function regRead(r: number, i: number): Reject | null {
  return r > 10 ? late(`R${r} is invalid`, i) : null;
}
function regWrite(r: number, i: number): Reject | null {
  if (r > 10) return late(`R${r} is invalid`, i);
  if (r === 10) return late('frame pointer is read only', i, EACCES);
  return null;
}

/** Pass 5 on one instruction: the syntactic part of do_check's handling, in the kernel's order. */
function checkInsn(x: Insn, i: number, helpers: ReadonlySet<number>, funcInfo: boolean): Reject | null {
  const code = x.code, cls = code & 7, op = code & 0xf0, isX = (code & X) !== 0;
  if (cls === ALU || cls === ALU64) {
    if (op === OP_END || op === OP_NEG) {
      if (op === OP_NEG ? isX || x.src_reg !== 0 || x.off !== 0 || x.imm !== 0
        : x.src_reg !== 0 || x.off !== 0 || (x.imm !== 16 && x.imm !== 32 && x.imm !== 64) || (cls === ALU64 && isX)) {
        return late(op === OP_NEG ? 'BPF_NEG uses reserved fields' : 'BPF_END uses reserved fields', i);
      }
      return regRead(x.dst_reg, i) ?? regWrite(x.dst_reg, i);
    }
    if (op === OP_MOV) {
      if (isX) {
        if (cls === ALU) {
          if ((x.off !== 0 && x.off !== 8 && x.off !== 16) || x.imm !== 0) return late('BPF_MOV uses reserved fields', i);
        } else if (x.off === 1) {
          if (x.imm !== 1 && x.imm !== 1 << 16) return late('addr_space_cast insn can only convert between address space 1 and 0', i);
          return late('addr_space_cast insn can only be used in a program that has an associated arena', i);
        } else if ((x.off !== 0 && x.off !== 8 && x.off !== 16 && x.off !== 32) || x.imm !== 0) {
          return late('BPF_MOV uses reserved fields', i);
        }
        return regRead(x.src_reg, i) ?? regWrite(x.dst_reg, i);
      }
      if (x.src_reg !== 0 || x.off !== 0) return late('BPF_MOV uses reserved fields', i);
      return regWrite(x.dst_reg, i);
    }
    const offBad = (x.off !== 0 && x.off !== 1) || (x.off === 1 && op !== OP_DIV && op !== OP_MOD);
    if (isX ? x.imm !== 0 || offBad : x.src_reg !== 0 || offBad) return late('BPF_ALU uses reserved fields', i);
    const r = (isX ? regRead(x.src_reg, i) : null) ?? regRead(x.dst_reg, i);
    if (r) return r;
    if ((op === OP_DIV || op === OP_MOD) && !isX && x.imm === 0) return late('div by zero', i);
    if ((op === OP_LSH || op === OP_RSH || op === OP_ARSH) && !isX) {
      const size = cls === ALU64 ? 64 : 32;
      if (x.imm < 0 || x.imm >= size) return late(`invalid shift ${x.imm}`, i);
    }
    return regWrite(x.dst_reg, i);
  }
  if (cls === LDX) return regRead(x.src_reg, i) ?? regWrite(x.dst_reg, i);
  if (cls === STX) {
    if ((code & 0xe0) === MODE_ATOMIC) {
      if (!ATOMIC_OPS.has(x.imm)) return late(`BPF_ATOMIC uses invalid atomic opcode ${hex02(x.imm)}`, i);
      const size = code & 0x18;
      if ((size === SIZE_B || size === SIZE_H) && x.imm !== LOAD_ACQ && x.imm !== STORE_REL) return late('invalid atomic operand size', i);
      return null; // register and pointer rules of atomics are the full verifier's
    }
    if (x.imm !== 0) return late('BPF_STX uses reserved fields', i);
    return regRead(x.src_reg, i) ?? regRead(x.dst_reg, i);
  }
  if (cls === ST) {
    if (x.src_reg !== 0) return late('BPF_ST uses reserved fields', i);
    return regRead(x.dst_reg, i);
  }
  if (cls === JMP || cls === JMP32) {
    if (op === OP_CALL) {
      if (isX || (x.src_reg !== 2 && x.off !== 0) || x.src_reg > 2 || x.dst_reg !== 0 || cls === JMP32) {
        return late('BPF_CALL uses reserved fields', i);
      }
      if (x.src_reg !== 0) return null; // bpf-to-bpf call or kfunc, handled in pass 1
      if (x.imm < 0 || x.imm >= BPF_FUNC_MAX_ID) return late(`invalid func unknown#${x.imm}`, i);
      if (!helpers.has(x.imm)) return late(`program of this type cannot use helper ${BPF_FUNC_NAMES[x.imm]}#${x.imm}`, i);
      return null;
    }
    if (op === OP_JA) {
      if (isX || x.src_reg !== 0 || x.dst_reg !== 0 || (cls === JMP && x.imm !== 0) || (cls === JMP32 && x.off !== 0)) {
        return late('BPF_JA uses reserved fields', i);
      }
      return null;
    }
    if (op === OP_EXIT) {
      if (isX || x.imm !== 0 || x.src_reg !== 0 || x.dst_reg !== 0 || cls === JMP32) return late('BPF_EXIT uses reserved fields', i);
      return null;
    }
    if (op === OP_JCOND) {
      if (x.src_reg !== 0 || x.dst_reg !== 0 || x.imm !== 0) return late(`invalid may_goto imm ${x.imm}`, i);
      return null;
    }
    const d = regRead(x.dst_reg, i);
    if (d) return d;
    if (isX ? x.imm !== 0 : x.src_reg !== 0) return late('BPF_JMP/JMP32 uses reserved fields', i);
    return isX ? regRead(x.src_reg, i) : null;
  }
  // cls === LD
  const mode = code & 0xe0;
  if (mode === MODE_ABS || mode === MODE_IND) {
    if (x.dst_reg !== 0 || x.off !== 0 || (code & 0x18) === SIZE_DW || (mode === MODE_ABS && x.src_reg !== 0)) {
      return late('BPF_LD_[ABS|IND] uses reserved fields', i);
    }
    return mode === MODE_IND ? regRead(x.src_reg, i) : null;
  }
  // ld_imm64 (the only LD|IMM in the opcode table)
  if (x.off !== 0) return late('BPF_LD_IMM64 uses reserved fields', i);
  const w = regWrite(x.dst_reg, i);
  if (w) return w;
  if (x.src_reg === 4 && !funcInfo) return late('missing btf func_info', i);
  return null;
}

/** check_cfg's push: queue insn `t` unless it was seen (a module function: a closure per load costs). */
function visit(seen: Uint8Array, stack: number[], t: number): void {
  if (!seen[t]) { seen[t] = 1; stack.push(t); }
}

function run(insns: readonly Insn[], o: InsnCheckOptions): Reject | null {
  const n = insns.length;
  if (n === 0 || n > (o.maxInsns ?? 1_000_000)) return new Reject(errno.E2BIG, '', undefined, false);
  const helpers = asSet(o.helpers) ?? ALL_HELPERS;
  const kfuncs = asSet(o.kfuncs) ?? NO_KFUNCS;
  // Only an ld_imm64 naming a map fd looks at the process's fds: made into sets on first use.
  let mapFds: ReadonlySet<number> | undefined, otherFds: ReadonlySet<number> | undefined, fdSets = false;

  // 1. add_subprog_and_kfunc
  const starts = new Set<number>([0]);
  for (let i = 0; i < n; i++) {
    const x = insns[i];
    const pseudoFunc = x.code === LD_IMM64 && x.src_reg === 4;
    const pseudoCall = x.code === (JMP | OP_CALL) && x.src_reg === 1;
    if (pseudoFunc || pseudoCall) {
      const t = (i + x.imm + 1) | 0;
      if (t < 0 || t >= n) return early('call to invalid destination');
      starts.add(t);
    } else if (x.code === (JMP | OP_CALL) && x.src_reg === 2) {
      if (!kfuncs.has(x.imm)) return early(`kernel btf_id ${x.imm >>> 0} is not a function`, i);
    }
  }
  const subStarts = [...starts].sort((a, b) => a - b);

  // 2. check_subprogs
  let cur = 0;
  let subStart = subStarts[0], subEnd = subStarts.length > 1 ? subStarts[1] : n;
  for (let i = 0; i < n; i++) {
    const code = insns[i].code, cls = code & 7, op = code & 0xf0;
    if ((cls === JMP || cls === JMP32) && op !== OP_CALL && op !== OP_EXIT) {
      const off = code === (JMP32 | OP_JA) ? insns[i].imm : insns[i].off;
      const t = (i + off + 1) | 0;
      if (t < subStart || t >= subEnd) return early(`jump out of range from insn ${i} to ${t}`, i);
    }
    if (i === subEnd - 1) {
      if (code !== EXIT_INSN && code !== JA_INSN && code !== GOTOL_INSN) return early('last insn is not an exit or jmp', i);
      cur++;
      subStart = subEnd;
      subEnd = cur + 1 < subStarts.length ? subStarts[cur + 1] : n;
    }
  }

  // 3. resolve_pseudo_ldimm64
  for (let i = 0; i < n; i++) {
    const x = insns[i], cls = x.code & 7, mode = x.code & 0xe0;
    if (cls === LDX && ((mode !== MODE_MEM && mode !== MODE_MEMSX) || x.imm !== 0)) return early('BPF_LDX uses reserved fields', i);
    if (x.code === LD_IMM64) {
      const y = insns[i + 1];
      if (i === n - 1 || y.code !== 0 || y.dst_reg !== 0 || y.src_reg !== 0 || y.off !== 0) return early('invalid bpf_ld_imm64 insn', i);
      const src = x.src_reg;
      if (src === 3) return early(`pseudo btf_id ${x.imm} in ldimm64 isn't KIND_VAR or KIND_FUNC`, i);
      if (src !== 0 && src !== 4) {
        if (!(src === 2 || src === 6 || ((src === 1 || src === 5) && y.imm === 0))) return early('unrecognized bpf_ld_imm64 insn', i);
        let fd: number;
        if (src === 5 || src === 6) {
          if (o.fdArray === undefined) return early('fd_idx without fd_array is invalid', i, errno.EPROTO);
          if (x.imm < 0 || x.imm >= o.fdArray.length) return new Reject(errno.EFAULT, '', i, false);
          fd = o.fdArray[x.imm];
        } else {
          fd = x.imm;
        }
        if (!fdSets) { mapFds = asSet(o.mapFds); otherFds = asSet(o.otherFds); fdSets = true; }
        if (mapFds !== undefined && !mapFds.has(fd)) return early(`fd ${fd} is not pointing to valid bpf_map`, i, otherFds?.has(fd) ? errno.EINVAL : errno.EBADF);
      }
      i++;
      continue;
    }
    if (!KNOWN_OPCODES.has(x.code)) return early(`unknown opcode ${hex02(x.code)}`, i);
  }

  // 4. check_cfg: depth-first walk from insn 0, then the first unvisited insn.
  const seen = new Uint8Array(n);
  const stack: number[] = [0];
  seen[0] = 1;
  while (stack.length > 0) {
    const t = stack.pop()!;
    const x = insns[t], cls = x.code & 7, op = x.code & 0xf0;
    if (cls !== JMP && cls !== JMP32) {
      visit(seen, stack, t + (x.code === LD_IMM64 ? 2 : 1));
      if (x.code === LD_IMM64 && x.src_reg === 4) visit(seen, stack, t + x.imm + 1);
    } else if (op === OP_EXIT) {
      // no successor
    } else if (op === OP_CALL) {
      visit(seen, stack, t + 1);
      if (x.src_reg === 1) visit(seen, stack, t + x.imm + 1);
    } else if (op === OP_JA) {
      visit(seen, stack, t + (cls === JMP32 ? x.imm : x.off) + 1);
    } else {
      visit(seen, stack, t + 1);
      visit(seen, stack, t + x.off + 1);
    }
  }
  for (let i = 0; i < n; i++) {
    if (!seen[i]) return early(`unreachable insn ${i}`, i);
    if (insns[i].code === LD_IMM64) {
      if (seen[i + 1]) return early(`jump into the middle of ldimm64 insn ${i}`, i);
      i++;
    }
  }

  // 5. do_check's syntactic checks
  for (let i = 0; i < n; i++) {
    const r = checkInsn(insns[i], i, helpers, o.funcInfo ?? false);
    if (r) return r;
    if (insns[i].code === LD_IMM64) i++;
  }
  return null;
}

/** The check bpfsim applies to BPF_PROG_LOAD's instructions (see the table above). */
export function insnCheck(insns: readonly Insn[], opts: InsnCheckOptions = {}): InsnCheckResult {
  const r = run(insns, opts);
  if (r === null) return { ok: true };
  const out: { ok: false; errno: number; log: string; insn?: number; fullLog?: string } = { ok: false, errno: r.errno, log: r.log };
  if (r.insn !== undefined) out.insn = r.insn;
  if (r.early) out.fullLog = `${r.log}\n${STATS_NO_INSNS}\n`;
  return out;
}

/** Same as insnCheck. */
