// tcx links: BPF_LINK_CREATE (link_create() of kernel/bpf/syscall.c, then tcx_link_attach()),
// BPF_LINK_UPDATE (link_update(), tcx_link_update()), BPF_LINK_DETACH (link_detach(),
// tcx_link_detach()) and what the link's last reference going away does (tcx_link_release()).
import { BPF_F_ID, BPF_F_LINK, BPF_F_REPLACE, bpf_attach_type as A, bpf_link_type, bpf_prog_type as P, type AttrOf, type Result } from '@bpfsim/events';
import type { S } from '../core/draft.ts';
import { enumValue } from '../core/enums.ts';
import { allocId } from '../core/ids.ts';
import { ref, unref } from '../core/objects.ts';
import { installFd, lowestFreeFd } from '../core/procs.ts';
import { fail, ok } from '../result.ts';
import type { Link, Prog } from '../state.ts';
import { CGROUP_LINK_PROG_TYPES, isTcx, progAttachTypeOk } from './attach-type.ts';
import { directionOf, entryOf } from './direction.ts';
import { commitEntry, entryOrFresh } from './entry.ts';
import { linkGet, progGet, relativeTuple } from './lookup.ts';
import { mprogAttach, mprogDetach, NULL_TUPLE } from './mprog.ts';
import { child, peek } from '../draft/index.ts';

export function linkCreate(s: S, pid: number, a: AttrOf<'BPF_LINK_CREATE'>): Result {
  const attach_type = enumValue(a.attach_type);
  // BPF_STRUCT_OPS links take a map, not a program: not modelled.
  if (attach_type === A.BPF_STRUCT_OPS) return fail('EINVAL');
  const got = progGet(s, pid, a.prog_fd);
  if (got.err) return fail(got.err);
  const prog = got.obj;
  if (!progAttachTypeOk(prog, attach_type)) return fail('EINVAL');
  // Only tcx links are modelled. cgroup links find no cgroup behind target_fd (-EBADF: bpfsim has
  // no cgroup files); netkit is not built into the measured kernel (-EINVAL); the other link types
  // (tracing, xdp, netfilter, perf, netns, ...) are not modelled.
  if (CGROUP_LINK_PROG_TYPES.has(prog.prog_type)) return fail('EBADF');
  if (prog.prog_type !== P.BPF_PROG_TYPE_SCHED_CLS || !isTcx(attach_type)) return fail('EINVAL');
  return tcxLinkAttach(s, pid, a, prog, attach_type);
}

function tcxLinkAttach(s: S, pid: number, a: AttrOf<'BPF_LINK_CREATE'>, prog: Prog, attach_type: number): Result {
  const ifindex = a.target_ifindex ?? a.target_fd ?? 0;
  const dev = peek(peek(s, 'netdevs'), ifindex); // read only: commitEntry drafts it
  if (!dev) return fail('ENODEV');
  // bpf_link_prime() (from tcx_link_init()) reserves the fd first (get_unused_fd_flags():
  // without one, -EMFILE comes before any bpf_mprog error and takes no id), then allocates the
  // link's id (bpf_link_alloc_id(), idr_alloc_cyclic), and only then does tcx_link_prog_attach()
  // run bpf_mprog_attach(). A failed attach gives the id back (bpf_link_cleanup()) but the idr's
  // cursor has moved on: the next link gets the id after it (measured on 6.18: ids 96, [ESTALE], 98).
  if (lowestFreeFd(s, pid) < 0) return fail('EMFILE');
  const id = allocId(s, 'link');
  const flags = a.flags ?? 0;
  const relative = a.tcx?.relative_fd ?? a.tcx?.relative_id ?? 0;
  const dir = directionOf(attach_type);
  const entry = entryOrFresh(dev, dir);
  // bpf_link_by_id() finds the link being created in the idr with its id not yet settled (0) and
  // answers -EAGAIN, not -ENOENT.
  const selfById = (flags & BPF_F_LINK) !== 0 && (flags & BPF_F_ID) !== 0 && relative === id;
  const r = mprogAttach(entry, { prog: prog.id, link: id }, 0, flags, a.tcx?.expected_revision ?? 0,
    () => (selfById ? 'EAGAIN' : relativeTuple(s, pid, relative, flags & ~BPF_F_REPLACE, prog.prog_type)));
  if (!r.ok) return fail(r.err);
  s.links[id] = { id, refs: 0, type: bpf_link_type.BPF_LINK_TYPE_TCX, prog_id: prog.id, attach_type, ifindex };
  // The link holds the reference link_create() took on the program.
  ref(s, 'prog', prog.id);
  commitEntry(s, ifindex, dir, entry, r.change.items);
  return ok(installFd(s, pid, { kind: 'link', id }));
}

export function linkUpdate(s: S, pid: number, a: AttrOf<'BPF_LINK_UPDATE'>): Result {
  const flags = a.flags ?? 0;
  if (flags & ~BPF_F_REPLACE) return fail('EINVAL');
  const l = linkGet(s, pid, a.link_fd);
  if (l.err) return fail(l.err);
  const np = progGet(s, pid, a.new_prog_fd);
  if (np.err) return fail(np.err);
  let oldProg = 0;
  if (flags & BPF_F_REPLACE) {
    const op = progGet(s, pid, a.old_prog_fd);
    if (op.err) return fail(op.err);
    oldProg = op.obj.id;
  } else if (a.old_prog_fd) {
    return fail('EINVAL');
  }
  return tcxLinkUpdate(s, pid, l.obj, np.obj, oldProg);
}

function tcxLinkUpdate(s: S, pid: number, link: Link, nprog: Prog, oldProg: number): Result {
  if (!link.ifindex) return fail('ENOLINK');
  if (oldProg && oldProg !== link.prog_id) return fail('EPERM');
  const cur = link.prog_id;
  if (cur === nprog.id) return ok(0);
  const dir = directionOf(link.attach_type);
  const entry = entryOf(peek(peek(s, 'netdevs'), link.ifindex), dir);
  if (!entry) return fail('ENOENT');
  // The slot is found by the link's current program, by id; its type must be the new one's.
  const r = mprogAttach(entry, { prog: nprog.id, link: link.id }, cur, BPF_F_REPLACE | BPF_F_ID, 0,
    () => relativeTuple(s, pid, cur, BPF_F_ID, nprog.prog_type));
  if (!r.ok) return fail(r.err);
  commitEntry(s, link.ifindex, dir, entry, r.change.items);
  child(child(s, 'links'), link.id).prog_id = nprog.id;
  ref(s, 'prog', nprog.id);
  unref(s, 'prog', cur);
  return ok(0);
}

export function linkDetach(s: S, pid: number, a: AttrOf<'BPF_LINK_DETACH'>): Result {
  const l = linkGet(s, pid, a.link_fd);
  if (l.err) return fail(l.err);
  // tcx_link_detach(): detaching an already detached link (or one whose device is gone) is a no-op.
  tcxLinkRelease(s, l.obj);
  return ok(0);
}

/** tcx_link_release(): takes the link's slot out of its attach point, if it still has one. */
export function tcxLinkRelease(s: S, link: Link): void {
  if (!link.ifindex) return;
  const dir = directionOf(link.attach_type);
  const entry = entryOf(peek(peek(s, 'netdevs'), link.ifindex), dir);
  if (entry) {
    const r = mprogDetach(entry, { prog: link.prog_id, link: link.id }, 0, 0, () => NULL_TUPLE);
    if (r.ok) commitEntry(s, link.ifindex, dir, entry, r.change.items);
  }
  child(child(s, 'links'), link.id).ifindex = 0;
}
