// tcx and bpf_mprog: the attach commands of bpf(2) for BPF_TCX_INGRESS / BPF_TCX_EGRESS.
import type { BpfEvent, Result } from '@bpfsim/events';
import type { S } from '../core/draft.ts';
import { fail } from '../result.ts';
import { progAttach } from './attach.ts';
import { progDetach } from './detach.ts';
import { progQuery } from './query.ts';
import { linkCreate, linkDetach, linkUpdate } from './link.ts';

export { tcxRunOrder } from './fastpath.ts';
export type { Direction } from './direction.ts';
export { MPROG_MAX } from './mprog.ts';

/** BPF_PROG_ATTACH, BPF_PROG_DETACH, BPF_PROG_QUERY, BPF_LINK_CREATE, BPF_LINK_UPDATE, BPF_LINK_DETACH. */
export function attachCmd(s: S, e: BpfEvent): Result {
  switch (e.cmd) {
    case 'BPF_PROG_ATTACH': return progAttach(s, e.pid, e.attr);
    case 'BPF_PROG_DETACH': return progDetach(s, e.pid, e.attr);
    case 'BPF_PROG_QUERY': return progQuery(s, e.pid, e.attr);
    case 'BPF_LINK_CREATE': return linkCreate(s, e.pid, e.attr);
    case 'BPF_LINK_UPDATE': return linkUpdate(s, e.pid, e.attr);
    case 'BPF_LINK_DETACH': return linkDetach(s, e.pid, e.attr);
    default: return fail('EINVAL');
  }
}
