// BPF_PROG_DETACH: bpf_prog_detach() of kernel/bpf/syscall.c, then tcx_prog_detach().
import type { AttrOf, Result } from '@bpfsim/events';
import type { S } from '../core/draft.ts';
import { enumValue } from '../core/enums.ts';
import { unref } from '../core/objects.ts';
import { fail, ok } from '../result.ts';
import type { Prog } from '../state.ts';
import { BPF_F_ATTACH_MASK_MPROG, attachTypeToProgType, isCgroupProgType, isTcx, mprogSupported } from './attach-type.ts';
import { directionOf, entryOf } from './direction.ts';
import { commitEntry } from './entry.ts';
import { progGet, relativeTuple } from './lookup.ts';
import { mprogDetach } from './mprog.ts';
import { peek } from '../draft/index.ts';

type Attr = AttrOf<'BPF_PROG_DETACH'>;

export function progDetach(s: S, pid: number, a: Attr): Result {
  const attach_type = enumValue(a.attach_type);
  const flags = a.attach_flags ?? 0;
  const relative = a.relative_fd ?? a.relative_id ?? 0;
  const revision = a.expected_revision ?? 0;
  const ptype = attachTypeToProgType(attach_type);
  let prog: Prog | undefined;
  if (mprogSupported(ptype)) {
    if (flags & ~BPF_F_ATTACH_MASK_MPROG) return fail('EINVAL');
    // Without attach_bpf_fd the request selects a slot by position.
    if (a.attach_bpf_fd) {
      const got = progGet(s, pid, a.attach_bpf_fd, ptype);
      if (got.err) return fail(got.err);
      prog = got.obj;
    }
  } else if (isCgroupProgType(ptype)) {
    if (flags || relative) return fail('EINVAL');
  } else if (flags || relative || revision) {
    return fail('EINVAL');
  }
  // No cgroup files exist in bpfsim (cgroup_get_from_fd() answers -EBADF); netkit stubs answer
  // -EINVAL on this kernel; other attach points are not modelled.
  if (isCgroupProgType(ptype)) return fail('EBADF');
  if (!isTcx(attach_type)) return fail('EINVAL');
  return tcxProgDetach(s, pid, a, prog, attach_type, flags, relative, revision);
}

function tcxProgDetach(
  s: S, pid: number, a: Attr, prog: Prog | undefined, attach_type: number, flags: number, relative: number, revision: number,
): Result {
  const ifindex = a.target_ifindex ?? a.target_fd ?? 0;
  const dev = peek(peek(s, 'netdevs'), ifindex); // read only: commitEntry drafts it
  if (!dev) return fail('ENODEV');
  const dir = directionOf(attach_type);
  const entry = entryOf(dev, dir);
  if (!entry) return fail('ENOENT');
  const r = mprogDetach(entry, { prog: prog?.id ?? 0, link: 0 }, flags, revision,
    () => relativeTuple(s, pid, relative, flags, prog?.prog_type ?? 0));
  if (!r.ok) return fail(r.err);
  commitEntry(s, ifindex, dir, entry, r.change.items);
  // bpf_mprog_commit() drops the detached program's attach reference.
  if (r.change.released) unref(s, 'prog', r.change.released);
  return ok(0);
}
