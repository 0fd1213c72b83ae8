// The generic part of kernel/bpf/syscall.c that runs before any attach point: which program type
// an attach type takes (attach_type_to_prog_type), which attach_flags each family accepts, and
// bpf_prog_attach_check_attach_type().
import { BPF_F_AFTER, BPF_F_ALLOW_MULTI, BPF_F_ALLOW_OVERRIDE, BPF_F_BEFORE, BPF_F_ID, BPF_F_LINK, BPF_F_REPLACE, bpf_attach_type as A, bpf_prog_type as P } from '@bpfsim/events';
import type { Prog } from '../state.ts';

const TO_PROG_TYPE: Readonly<Record<number, number>> = (() => {
  const m: Record<number, number> = {};
  const put = (t: number, ...as: number[]) => { for (const a of as) m[a] = t; };
  put(P.BPF_PROG_TYPE_CGROUP_SKB, A.BPF_CGROUP_INET_INGRESS, A.BPF_CGROUP_INET_EGRESS);
  put(P.BPF_PROG_TYPE_CGROUP_SOCK, A.BPF_CGROUP_INET_SOCK_CREATE, A.BPF_CGROUP_INET_SOCK_RELEASE,
    A.BPF_CGROUP_INET4_POST_BIND, A.BPF_CGROUP_INET6_POST_BIND);
  put(P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, A.BPF_CGROUP_INET4_BIND, A.BPF_CGROUP_INET6_BIND,
    A.BPF_CGROUP_INET4_CONNECT, A.BPF_CGROUP_INET6_CONNECT, A.BPF_CGROUP_UNIX_CONNECT,
    A.BPF_CGROUP_INET4_GETPEERNAME, A.BPF_CGROUP_INET6_GETPEERNAME, A.BPF_CGROUP_UNIX_GETPEERNAME,
    A.BPF_CGROUP_INET4_GETSOCKNAME, A.BPF_CGROUP_INET6_GETSOCKNAME, A.BPF_CGROUP_UNIX_GETSOCKNAME,
    A.BPF_CGROUP_UDP4_SENDMSG, A.BPF_CGROUP_UDP6_SENDMSG, A.BPF_CGROUP_UNIX_SENDMSG,
    A.BPF_CGROUP_UDP4_RECVMSG, A.BPF_CGROUP_UDP6_RECVMSG, A.BPF_CGROUP_UNIX_RECVMSG);
  put(P.BPF_PROG_TYPE_SOCK_OPS, A.BPF_CGROUP_SOCK_OPS);
  put(P.BPF_PROG_TYPE_CGROUP_DEVICE, A.BPF_CGROUP_DEVICE);
  put(P.BPF_PROG_TYPE_SK_MSG, A.BPF_SK_MSG_VERDICT);
  put(P.BPF_PROG_TYPE_SK_SKB, A.BPF_SK_SKB_STREAM_PARSER, A.BPF_SK_SKB_STREAM_VERDICT, A.BPF_SK_SKB_VERDICT);
  put(P.BPF_PROG_TYPE_LIRC_MODE2, A.BPF_LIRC_MODE2);
  put(P.BPF_PROG_TYPE_FLOW_DISSECTOR, A.BPF_FLOW_DISSECTOR);
  put(P.BPF_PROG_TYPE_CGROUP_SYSCTL, A.BPF_CGROUP_SYSCTL);
  put(P.BPF_PROG_TYPE_CGROUP_SOCKOPT, A.BPF_CGROUP_GETSOCKOPT, A.BPF_CGROUP_SETSOCKOPT);
  put(P.BPF_PROG_TYPE_TRACING, A.BPF_TRACE_ITER, A.BPF_TRACE_RAW_TP, A.BPF_TRACE_FENTRY, A.BPF_TRACE_FEXIT, A.BPF_MODIFY_RETURN);
  put(P.BPF_PROG_TYPE_LSM, A.BPF_LSM_MAC, A.BPF_LSM_CGROUP);
  put(P.BPF_PROG_TYPE_SK_LOOKUP, A.BPF_SK_LOOKUP);
  put(P.BPF_PROG_TYPE_XDP, A.BPF_XDP);
  put(P.BPF_PROG_TYPE_SCHED_CLS, A.BPF_TCX_INGRESS, A.BPF_TCX_EGRESS, A.BPF_NETKIT_PRIMARY, A.BPF_NETKIT_PEER);
  return Object.freeze(m);
})();

/** attach_type_to_prog_type(): BPF_PROG_TYPE_UNSPEC (0) for attach types BPF_PROG_ATTACH has no use for. */
export function attachTypeToProgType(attach_type: number): number {
  return TO_PROG_TYPE[attach_type] ?? P.BPF_PROG_TYPE_UNSPEC;
}

/** bpf_mprog_supported(): program types whose attach points are bpf_mprog arrays (tcx, netkit). */
export const mprogSupported = (ptype: number): boolean => ptype === P.BPF_PROG_TYPE_SCHED_CLS;

/** is_cgroup_prog_type(ptype, 0, false). */
export function isCgroupProgType(ptype: number): boolean {
  switch (ptype) {
    case P.BPF_PROG_TYPE_CGROUP_DEVICE: case P.BPF_PROG_TYPE_CGROUP_SKB: case P.BPF_PROG_TYPE_CGROUP_SOCK:
    case P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR: case P.BPF_PROG_TYPE_CGROUP_SOCKOPT: case P.BPF_PROG_TYPE_CGROUP_SYSCTL:
    case P.BPF_PROG_TYPE_SOCK_OPS: case P.BPF_PROG_TYPE_LSM:
      return true;
    default:
      return false;
  }
}

/** Attach types whose BPF_PROG_QUERY goes to cgroup_bpf_prog_query(). */
export function isCgroupAttachType(attach_type: number): boolean {
  const ptype = attachTypeToProgType(attach_type);
  return attach_type === A.BPF_LSM_CGROUP || (ptype !== P.BPF_PROG_TYPE_LSM && isCgroupProgType(ptype));
}

/** Program types link_create() hands to cgroup_bpf_link_attach(). */
export const CGROUP_LINK_PROG_TYPES: ReadonlySet<number> = new Set([
  P.BPF_PROG_TYPE_CGROUP_SKB, P.BPF_PROG_TYPE_CGROUP_SOCK, P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, P.BPF_PROG_TYPE_SOCK_OPS,
  P.BPF_PROG_TYPE_CGROUP_DEVICE, P.BPF_PROG_TYPE_CGROUP_SYSCTL, P.BPF_PROG_TYPE_CGROUP_SOCKOPT,
]);

/** BPF_F_PREORDER (cgroup attach_flags). */
const BPF_F_PREORDER = 1 << 6;
export const BPF_F_ATTACH_MASK_BASE = BPF_F_ALLOW_OVERRIDE | BPF_F_ALLOW_MULTI | BPF_F_REPLACE;
export const BPF_F_ATTACH_MASK_MPROG = BPF_F_REPLACE | BPF_F_BEFORE | BPF_F_AFTER | BPF_F_ID | BPF_F_LINK;
/** What cgroup attach types accept (measured on 6.18: BPF_F_PREORDER, relative_fd and expected_revision pass). */
export const BPF_F_ATTACH_MASK_CGROUP = BPF_F_ATTACH_MASK_BASE | BPF_F_ATTACH_MASK_MPROG | BPF_F_PREORDER;

/** BPF_F_QUERY_EFFECTIVE, the only query_flags bit bpf_prog_query() lets through. */
export const BPF_F_QUERY_EFFECTIVE = 1 << 0;

export const isTcx = (attach_type: number): boolean => attach_type === A.BPF_TCX_INGRESS || attach_type === A.BPF_TCX_EGRESS;
export const isNetkit = (attach_type: number): boolean => attach_type === A.BPF_NETKIT_PRIMARY || attach_type === A.BPF_NETKIT_PEER;

/** bpf_prog_attach_check_attach_type(): true when `prog` may go on `attach_type` (else -EINVAL). */
export function progAttachTypeOk(prog: Prog, attach_type: number): boolean {
  const eat = prog.expected_attach_type;
  switch (prog.prog_type) {
    case P.BPF_PROG_TYPE_CGROUP_SOCK:
    case P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
    case P.BPF_PROG_TYPE_CGROUP_SOCKOPT:
    case P.BPF_PROG_TYPE_SK_LOOKUP:
      return attach_type === eat;
    case P.BPF_PROG_TYPE_CGROUP_SKB:
      // Programs loaded without an expected attach type do not enforce it (bpfsim's loader never sets it).
      return attachTypeToProgType(attach_type) === prog.prog_type;
    case P.BPF_PROG_TYPE_EXT:
      return true;
    case P.BPF_PROG_TYPE_NETFILTER:
      return attach_type === A.BPF_NETFILTER;
    case P.BPF_PROG_TYPE_PERF_EVENT:
    case P.BPF_PROG_TYPE_TRACEPOINT:
      return attach_type === A.BPF_PERF_EVENT;
    case P.BPF_PROG_TYPE_KPROBE: {
      const multi = [A.BPF_TRACE_KPROBE_MULTI, A.BPF_TRACE_KPROBE_SESSION, A.BPF_TRACE_UPROBE_MULTI, A.BPF_TRACE_UPROBE_SESSION];
      if (multi.includes(eat) && attach_type !== eat) return false;
      return attach_type === A.BPF_PERF_EVENT || multi.includes(attach_type);
    }
    case P.BPF_PROG_TYPE_SCHED_CLS:
      return isTcx(attach_type) || isNetkit(attach_type);
    default: {
      const ptype = attachTypeToProgType(attach_type);
      return ptype !== P.BPF_PROG_TYPE_UNSPEC && ptype === prog.prog_type;
    }
  }
}
