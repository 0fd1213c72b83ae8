// BPF_PROG_LOAD: bpf_prog_load()'s checks in the kernel's order, then bpfsim's small instruction
// check standing in for the verifier (algo/insncheck.ts documents what it does not catch).
import {
  BPF_COMPLEXITY_LIMIT_INSNS, BPF_F_ANY_ALIGNMENT, BPF_F_SLEEPABLE, BPF_F_STRICT_ALIGNMENT, BPF_F_TEST_REG_INVARIANTS, BPF_F_TEST_RND_HI32,
  BPF_F_TEST_STATE_FREQ, BPF_F_TOKEN_FD, BPF_F_XDP_DEV_BOUND_ONLY, BPF_F_XDP_HAS_FRAGS, BPF_PROG_TYPE_NAMES, errno, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE, bpf_prog_type,
  type AttrOf, type ErrnoName, type Insn, type Result,
} from '@bpfsim/events';
import type { S } from '../core/draft.ts';
import { enumValue } from '../core/enums.ts';
import { resolveFd } from '../core/fds.ts';
import { allocId } from '../core/ids.ts';
import { objName } from '../core/names.ts';
import { installFd, openFds, runningFds } from '../core/procs.ts';
import { peek } from '../draft/index.ts';
import { ref, unref } from '../core/objects.ts';
import { fail, ok } from '../result.ts';
import { checkAttach, fixupAttachType } from './attach-check.ts';
import { licenseIsGplCompatible } from './license.ts';
import { insnCheck, type InsnCheckResult } from '../algo/insncheck.ts';
import { HELPERS_BY_PROG_TYPE } from '../algo/helpers.ts';
import { progTag } from '../algo/tag.ts';
import { checkTailCallMaps } from '../maps/prog-array.ts';
import { sleepableMapCheck } from './map-compat.ts';
import { vetted, type Vetted } from './vetted.ts';

/** The prog_flags bpf_prog_load() accepts. */
const PROG_FLAGS = BPF_F_STRICT_ALIGNMENT | BPF_F_ANY_ALIGNMENT | BPF_F_TEST_RND_HI32 | BPF_F_TEST_STATE_FREQ | BPF_F_SLEEPABLE
  | BPF_F_XDP_HAS_FRAGS | BPF_F_XDP_DEV_BOUND_ONLY | BPF_F_TEST_REG_INVARIANTS | BPF_F_TOKEN_FD;
/** BPF_LOG_LEVEL1 | BPF_LOG_LEVEL2 | BPF_LOG_STATS | BPF_LOG_FIXED */
const BPF_LOG_MASK = 0xf;
const BPF_LOG_FIXED = 0x8;
/** Program types this kernel has (find_prog_type): all of enum bpf_prog_type but LIRC_MODE2, built without CONFIG_BPF_LIRC_MODE2. */
const HAS_PROG_TYPE = (t: number) => t > 0 && t <= bpf_prog_type.BPF_PROG_TYPE_NETFILTER && t !== bpf_prog_type.BPF_PROG_TYPE_LIRC_MODE2;
const LD_IMM64 = 0x18;
/** What loading a BTF-attached program type without attach_btf_id answers (measured on 6.18). */
const NEEDS_BTF: Partial<Record<number, ErrnoName>> = {
  [bpf_prog_type.BPF_PROG_TYPE_TRACING]: 'EINVAL', [bpf_prog_type.BPF_PROG_TYPE_EXT]: 'EPERM',
  [bpf_prog_type.BPF_PROG_TYPE_STRUCT_OPS]: 'ENOTSUPP', [bpf_prog_type.BPF_PROG_TYPE_LSM]: 'EPERM',
};
/** can_be_sleepable(): tracing (fentry/fexit/iter), LSM, uprobes, struct_ops, and syscall programs. */
const CAN_SLEEP: readonly number[] = [
  bpf_prog_type.BPF_PROG_TYPE_TRACING, bpf_prog_type.BPF_PROG_TYPE_LSM, bpf_prog_type.BPF_PROG_TYPE_KPROBE,
  bpf_prog_type.BPF_PROG_TYPE_STRUCT_OPS, bpf_prog_type.BPF_PROG_TYPE_SYSCALL,
];

function hasLdImm64(insns: readonly Insn[]): boolean {
  for (let i = 0; i < insns.length; i++) if (insns[i].code === LD_IMM64) return true;
  return false;
}

export function progLoad(s: S, pid: number, a: AttrOf<'BPF_PROG_LOAD'>): Result {
  const prog_flags = a.prog_flags ?? 0;
  if (prog_flags & ~PROG_FLAGS) return fail('EINVAL');
  const prog_type = enumValue(a.prog_type);
  const expected_attach_type = fixupAttachType(prog_type, enumValue(a.expected_attach_type));
  if (prog_flags & BPF_F_TOKEN_FD) return fail(resolveFd(s, pid, a.prog_token_fd, 'prog').err === 'EBADF' ? 'EBADF' : 'EINVAL');
  const insn_cnt = a.insn_cnt ?? a.insns.length;
  if (insn_cnt === 0 || insn_cnt > BPF_COMPLEXITY_LIMIT_INSNS) return fail('E2BIG');
  if (a.attach_prog_fd) return fail('EINVAL'); // freplace and tracing of programs are not modelled
  if (!checkAttach(prog_type, expected_attach_type, a.attach_btf_id ?? 0)) return fail('EINVAL');
  // copy_from_bpfptr(insns) and strncpy_from_bpfptr(license): a short buffer or NULL faults.
  if (insn_cnt > a.insns.length) return fail('EFAULT');
  if (a.license === undefined) return fail('EFAULT');
  const license = a.license.slice(0, 127);
  if (!HAS_PROG_TYPE(prog_type)) return fail('EINVAL');
  const name = objName(a.prog_name);
  if (name === undefined) return fail('EINVAL');

  // bpf_check(): the log's attributes first.
  const log_level = a.log_level ?? 0, log_size = a.log_size ?? 0, log_buf = a.log_buf ?? false;
  if (log_buf !== (log_size !== 0) || (log_buf && log_level === 0) || log_level & ~BPF_LOG_MASK || log_size > 0xffffffff >>> 2) return fail('EINVAL');

  const insns = insn_cnt === a.insns.length ? a.insns : a.insns.slice(0, insn_cnt);
  const fds = runningFds(s, pid)!;
  // Only an ld_imm64 makes the check look at the process's fds: most programs have none (their
  // verdict and tag depend on the instructions and type alone, see vetted.ts), and sorting the fds
  // means a draft of each. (keys and peek: the fd table is often a draft here, and a Proxy's keys
  // and integer reads are slow.)
  let known: Vetted | undefined, checked: InsnCheckResult;
  if (hasLdImm64(insns)) {
    const open = openFds(s, pid);
    const mapFds = open.filter((fd) => peek(fds, fd).kind === 'map');
    const otherFds = open.filter((fd) => peek(fds, fd).kind !== 'map');
    checked = insnCheck(insns, { helpers: HELPERS_BY_PROG_TYPE[BPF_PROG_TYPE_NAMES[prog_type]], mapFds, otherFds });
  } else {
    known = vetted(prog_type, insns);
    checked = known.checked;
  }
  if (!checked.ok) {
    // The log is known exactly for failures found before the verifier walks the program. When it
    // does not fit, bpf_vlog_finalize()'s -ENOSPC replaces the verifier's errno.
    if (!log_buf || checked.fullLog === undefined) return { ret: -checked.errno };
    const true_size = checked.fullLog.length + 1;
    // The log keeps its head with BPF_LOG_FIXED, else (a rotating log) its tail.
    const text = log_level & BPF_LOG_FIXED ? checked.fullLog.slice(0, log_size - 1) : checked.fullLog.slice(Math.max(0, checked.fullLog.length - (log_size - 1)));
    return { ret: true_size > log_size ? -errno.ENOSPC : -checked.errno, out: { log_buf: text, log_true_size: true_size } };
  }
  // check_attach_btf_id(): programs that attach through BTF need a BTF id (the errnos are the live
  // kernel's, fixtures/kernel/assumed-checks.json); only some types can be sleepable, and syscall
  // programs must be.
  const needsBtf = NEEDS_BTF[prog_type];
  if (needsBtf) return fail(needsBtf);
  const sleepable = (prog_flags & BPF_F_SLEEPABLE) !== 0;
  if (sleepable ? !CAN_SLEEP.includes(prog_type) : prog_type === bpf_prog_type.BPF_PROG_TYPE_SYSCALL) return fail('EINVAL');

  // resolve_pseudo_ldimm64(): each map fd becomes a reference to the map, once per map, in the
  // order the program first names them (the check above has vouched that each fd is a map).
  const map_ids: number[] = [];
  for (let i = 0; i < insns.length; i++) {
    const insn: Insn = insns[i];
    if (insn.code !== LD_IMM64) continue;
    if (insn.src_reg === BPF_PSEUDO_MAP_FD || insn.src_reg === BPF_PSEUDO_MAP_VALUE) {
      const id = peek(fds, insn.imm).id;
      if (!map_ids.includes(id)) map_ids.push(id);
    }
    i++;
  }

  const mapErr = sleepableMapCheck(s, sleepable, map_ids) ?? checkTailCallMaps(s, { prog_type, expected_attach_type, prog_flags }, map_ids);
  if (mapErr) return fail(mapErr);

  const id = allocId(s, 'prog');
  s.progs[id] = {
    id, refs: 0, prog_type, expected_attach_type, name, tag: known?.tag ?? progTag(insns),
    gpl_compatible: licenseIsGplCompatible(license), insns: insns as Insn[], map_ids, prog_flags,
  };
  for (const m of map_ids) ref(s, 'map', m);
  const fd = installFd(s, pid, { kind: 'prog', id });
  if (fd < 0) {
    delete s.progs[id];
    for (const m of map_ids) unref(s, 'map', m);
    return fail('EMFILE');
  }
  return ok(fd);
}
