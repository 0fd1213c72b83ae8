// Getting the objects a tcx request names, with the kernel's errnos: bpf_prog_get(),
// bpf_prog_get_type(), bpf_prog_by_id(), bpf_link_get_from_fd(), bpf_link_by_id(), and
// bpf_mprog_tuple_relative() built on them.
import { BPF_F_ID, BPF_F_LINK, type ErrnoName } from '@bpfsim/events';
import type { S } from '../core/draft.ts';
import { resolveFd } from '../core/fds.ts';
import type { Link, Prog } from '../state.ts';
import type { Tuple } from './mprog.ts';
import { peek } from '../draft/index.ts';

export type Got<T> = { readonly obj: T; readonly err?: undefined } | { readonly obj?: undefined; readonly err: ErrnoName };

/** bpf_prog_get_type(fd, type): -EBADF without a file, -EINVAL for another kind of file or program type. */
export function progGet(s: S, pid: number, fd: number | undefined, type?: number): Got<Prog> {
  const r = resolveFd(s, pid, fd, 'prog');
  if (r.err) return { err: r.err };
  const prog = peek(peek(s, 'progs'), r.entry.id); // read only: no draft (ref/unref make theirs)
  if (type !== undefined && prog.prog_type !== type) return { err: 'EINVAL' };
  return { obj: prog };
}

/** bpf_link_get_from_fd(). */
export function linkGet(s: S, pid: number, fd: number | undefined): Got<Link> {
  const r = resolveFd(s, pid, fd, 'link');
  return r.err ? { err: r.err } : { obj: peek(peek(s, 'links'), r.entry.id) };
}

/** bpf_prog_by_id() / bpf_link_by_id(): id 0 and unknown ids are -ENOENT. */
function byId<T>(table: Readonly<Record<number, T>>, id: number): Got<T> {
  const obj = id ? table[id] : undefined;
  return obj ? { obj } : { err: 'ENOENT' };
}

/**
 * bpf_mprog_tuple_relative(): the object `id_or_fd` names under BPF_F_LINK / BPF_F_ID, which must
 * run a program of `type` (0: any). Without either flag and with 0 there is none (the NULL tuple).
 */
export function relativeTuple(s: S, pid: number, idOrFd: number, flags: number, type: number): Tuple | ErrnoName {
  const byIdFlag = (flags & BPF_F_ID) !== 0;
  if (flags & BPF_F_LINK) {
    // bpf_mprog_link(): without BPF_F_ID, fd 0 is not looked up but refused.
    const got = byIdFlag ? byId(s.links, idOrFd) : idOrFd ? linkGet(s, pid, idOrFd) : { err: 'EINVAL' as const };
    if (got.err) return got.err;
    const link = got.obj;
    if (type && peek(peek(s, 'progs'), link.prog_id).prog_type !== type) return 'EINVAL';
    return { prog: link.prog_id, link: link.id };
  }
  if (!byIdFlag && !idOrFd) return { prog: 0, link: 0 };
  const got = byIdFlag ? byId(s.progs, idOrFd) : progGet(s, pid, idOrFd);
  if (got.err) return got.err;
  if (type && got.obj.prog_type !== type) return 'EINVAL';
  return { prog: got.obj.id, link: 0 };
}
