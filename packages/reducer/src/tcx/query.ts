// BPF_PROG_QUERY: bpf_prog_query() of kernel/bpf/syscall.c, tcx_prog_query() and bpf_mprog_query().
import { type AttrOf, type Result } from '@bpfsim/events';
import type { S } from '../core/draft.ts';
import { enumValue } from '../core/enums.ts';
import { fail, ok } from '../result.ts';
import { BPF_F_QUERY_EFFECTIVE, isCgroupAttachType, isTcx } from './attach-type.ts';
import { directionOf, entryOf } from './direction.ts';
import { mprogQuery } from './mprog.ts';
import { peek } from '../draft/index.ts';

type Attr = AttrOf<'BPF_PROG_QUERY'>;

export function progQuery(s: S, _pid: number, a: Attr): Result {
  const query_flags = a.query_flags ?? 0;
  if (query_flags & ~BPF_F_QUERY_EFFECTIVE) return fail('EINVAL');
  const attach_type = enumValue(a.attach_type);
  // cgroup_bpf_prog_query() finds no cgroup behind target_fd (bpfsim has none): -EBADF. Not
  // modelled: the lirc, netns and sockmap queries (netkit's stub answers -EINVAL on 6.18 as built).
  if (isCgroupAttachType(attach_type)) return fail('EBADF');
  if (!isTcx(attach_type)) return fail('EINVAL');
  const dev = peek(peek(s, 'netdevs'), a.target_ifindex ?? a.target_fd ?? 0);
  if (!dev) return fail('ENODEV');
  // bpf_mprog_query(): no flags of any kind (attach_flags, an input too, is never set by bpfsim's attr).
  if (query_flags) return fail('EINVAL');
  const q = mprogQuery(entryOf(dev, directionOf(attach_type)), a.count ?? a.prog_cnt ?? 0, a.prog_ids ?? false);
  const out: Record<string, unknown> = { count: q.count, revision: q.revision, attach_flags: 0 };
  // Each array is written only when prog_ids was passed, for the slots that fit.
  if (a.prog_ids) {
    out.prog_ids = q.copied.map((it) => it.prog_id);
    if (a.prog_attach_flags) out.prog_attach_flags = q.copied.map(() => 0);
    if (a.link_ids) out.link_ids = q.copied.map((it) => it.link_id);
    if (a.link_attach_flags) out.link_attach_flags = q.copied.map(() => 0);
  }
  return q.ret === 'ENOSPC' ? fail('ENOSPC', out) : ok(0, out);
}
