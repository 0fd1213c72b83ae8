// BPF_PROG_ATTACH: bpf_prog_attach() of kernel/bpf/syscall.c, then tcx_prog_attach() of
// kernel/bpf/tcx.c for BPF_TCX_INGRESS / BPF_TCX_EGRESS.
import { BPF_F_REPLACE, bpf_attach_type as A, bpf_prog_type as P, type AttrOf, type Result } from '@bpfsim/events';
import type { S } from '../core/draft.ts';
import { enumValue } from '../core/enums.ts';
import { ref, unref } from '../core/objects.ts';
import { fail, ok } from '../result.ts';
import type { Prog } from '../state.ts';
import {
  BPF_F_ATTACH_MASK_BASE, BPF_F_ATTACH_MASK_CGROUP, BPF_F_ATTACH_MASK_MPROG, attachTypeToProgType, isCgroupProgType,
  isTcx, mprogSupported, progAttachTypeOk,
} from './attach-type.ts';
import { directionOf } from './direction.ts';
import { commitEntry, entryOrFresh } from './entry.ts';
import { progGet, relativeTuple } from './lookup.ts';
import { mprogAttach } from './mprog.ts';
import { peek } from '../draft/index.ts';

type Attr = AttrOf<'BPF_PROG_ATTACH'>;

export function progAttach(s: S, pid: number, a: Attr): Result {
  const attach_type = enumValue(a.attach_type);
  const flags = a.attach_flags ?? 0;
  const relative = a.relative_fd ?? a.relative_id ?? 0;
  const revision = a.expected_revision ?? 0;
  const ptype = attachTypeToProgType(attach_type);
  if (!ptype) return fail('EINVAL');
  if (mprogSupported(ptype)) {
    if (flags & ~BPF_F_ATTACH_MASK_MPROG) return fail('EINVAL');
  } else if (isCgroupProgType(ptype)) {
    if (flags & ~BPF_F_ATTACH_MASK_CGROUP) return fail('EINVAL');
  } else {
    if (flags & ~BPF_F_ATTACH_MASK_BASE) return fail('EINVAL');
    if (relative || revision) return fail('EINVAL');
  }
  const got = progGet(s, pid, a.attach_bpf_fd, ptype);
  if (got.err) return fail(got.err);
  if (!progAttachTypeOk(got.obj, attach_type)) return fail('EINVAL');
  if (ptype === P.BPF_PROG_TYPE_LSM && got.obj.expected_attach_type !== A.BPF_LSM_CGROUP) return fail('EINVAL');
  // bpfsim has no cgroup files: cgroup_get_from_fd(target_fd) answers -EBADF for any fd. Netkit
  // is not built into the measured kernel (its stubs answer -EINVAL); the sockmap, flow dissector
  // and lirc attach points are not modelled (-EINVAL).
  if (isCgroupProgType(ptype)) return fail('EBADF');
  if (!isTcx(attach_type)) return fail('EINVAL');
  return tcxProgAttach(s, pid, a, got.obj, attach_type, flags, relative, revision);
}

function tcxProgAttach(
  s: S, pid: number, a: Attr, prog: Prog, attach_type: number, flags: number, relative: number, revision: number,
): Result {
  const ifindex = a.target_ifindex ?? a.target_fd ?? 0;
  const dev = peek(peek(s, 'netdevs'), ifindex); // read only: commitEntry drafts it
  if (!dev) return fail('ENODEV');
  let replaced = 0;
  if (flags & BPF_F_REPLACE) {
    const old = progGet(s, pid, a.replace_bpf_fd, prog.prog_type);
    if (old.err) return fail(old.err);
    replaced = old.obj.id;
  }
  const dir = directionOf(attach_type);
  const entry = entryOrFresh(dev, dir);
  const r = mprogAttach(entry, { prog: prog.id, link: 0 }, replaced, flags, revision,
    () => relativeTuple(s, pid, relative, flags & ~BPF_F_REPLACE, prog.prog_type));
  if (!r.ok) return fail(r.err);
  // The reference bpf_prog_attach() took is now the attachment's.
  ref(s, 'prog', prog.id);
  commitEntry(s, ifindex, dir, entry, r.change.items);
  if (r.change.released) unref(s, 'prog', r.change.released);
  return ok(0);
}
