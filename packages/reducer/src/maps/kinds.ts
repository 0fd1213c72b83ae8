// Access-mode flags shared by the map types' create checks.
import { BPF_F_RDONLY, BPF_F_RDONLY_PROG, BPF_F_WRONLY, BPF_F_WRONLY_PROG } from '@bpfsim/events';

export const BPF_F_ACCESS_MASK = BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG;

/** bpf_map_flags_access_ok(): a map cannot be both read-only and write-only for programs. */
export function accessOk(flags: number): boolean {
  const prog = BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG;
  return (flags & prog) !== prog;
}
