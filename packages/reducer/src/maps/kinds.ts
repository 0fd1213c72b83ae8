// Access-mode flags shared by the map types' create checks.

/** BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG | BPF_F_RDONLY | BPF_F_WRONLY */
export const BPF_F_ACCESS_MASK = 0x8 | 0x10 | 0x80 | 0x100;

/** bpf_map_flags_access_ok(): a map cannot be both read-only and write-only for programs. */
export function accessOk(flags: number): boolean {
  return (flags & 0x180) !== 0x180;
}
