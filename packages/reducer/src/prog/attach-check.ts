// bpf_prog_load_fixup_attach_type() and bpf_prog_load_check_attach(): which expected_attach_type
// a program type may be loaded with.
import { bpf_attach_type as A, bpf_prog_type as P } from '@bpfsim/events';

export function fixupAttachType(prog_type: number, expected: number): number {
  if (expected !== 0) return expected;
  if (prog_type === P.BPF_PROG_TYPE_CGROUP_SOCK) return A.BPF_CGROUP_INET_SOCK_CREATE;
  if (prog_type === P.BPF_PROG_TYPE_SK_REUSEPORT) return A.BPF_SK_REUSEPORT_SELECT;
  return expected;
}

const ALLOWED: Record<number, readonly number[]> = {
  [P.BPF_PROG_TYPE_CGROUP_SOCK]: [A.BPF_CGROUP_INET_SOCK_CREATE, A.BPF_CGROUP_INET_SOCK_RELEASE, A.BPF_CGROUP_INET4_POST_BIND, A.BPF_CGROUP_INET6_POST_BIND],
  [P.BPF_PROG_TYPE_CGROUP_SOCK_ADDR]: [
    A.BPF_CGROUP_INET4_BIND, A.BPF_CGROUP_INET6_BIND, A.BPF_CGROUP_INET4_CONNECT, A.BPF_CGROUP_INET6_CONNECT,
    A.BPF_CGROUP_UNIX_CONNECT, A.BPF_CGROUP_INET4_GETPEERNAME, A.BPF_CGROUP_INET6_GETPEERNAME,
    A.BPF_CGROUP_UNIX_GETPEERNAME, A.BPF_CGROUP_INET4_GETSOCKNAME, A.BPF_CGROUP_INET6_GETSOCKNAME,
    A.BPF_CGROUP_UNIX_GETSOCKNAME, A.BPF_CGROUP_UDP4_SENDMSG, A.BPF_CGROUP_UDP6_SENDMSG, A.BPF_CGROUP_UNIX_SENDMSG,
    A.BPF_CGROUP_UDP4_RECVMSG, A.BPF_CGROUP_UDP6_RECVMSG, A.BPF_CGROUP_UNIX_RECVMSG,
  ],
  [P.BPF_PROG_TYPE_CGROUP_SKB]: [A.BPF_CGROUP_INET_INGRESS, A.BPF_CGROUP_INET_EGRESS],
  [P.BPF_PROG_TYPE_CGROUP_SOCKOPT]: [A.BPF_CGROUP_SETSOCKOPT, A.BPF_CGROUP_GETSOCKOPT],
  [P.BPF_PROG_TYPE_SK_LOOKUP]: [A.BPF_SK_LOOKUP],
  [P.BPF_PROG_TYPE_SK_REUSEPORT]: [A.BPF_SK_REUSEPORT_SELECT, A.BPF_SK_REUSEPORT_SELECT_OR_MIGRATE],
  [P.BPF_PROG_TYPE_NETFILTER]: [A.BPF_NETFILTER],
  [P.BPF_PROG_TYPE_SYSCALL]: [0],
  [P.BPF_PROG_TYPE_EXT]: [0],
};

/** 0 when the pair is allowed, else false (the kernel answers -EINVAL). */
export function checkAttach(prog_type: number, expected: number, attach_btf_id: number): boolean {
  // A BTF id only makes sense for tracing-style programs, and needs a BTF object to point into.
  if (attach_btf_id) return false;
  const allowed = ALLOWED[prog_type];
  return allowed === undefined || allowed.includes(expected);
}
