// The map types bpfsim models, and the element-storage operations each implements.
import { bpf_map_type } from '@bpfsim/events';

export const MODELLED_MAP_TYPES: readonly number[] = [
  bpf_map_type.BPF_MAP_TYPE_HASH, bpf_map_type.BPF_MAP_TYPE_ARRAY, bpf_map_type.BPF_MAP_TYPE_BLOOM_FILTER,
];

/** BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG | BPF_F_RDONLY | BPF_F_WRONLY */
export const BPF_F_ACCESS_MASK = 0x8 | 0x10 | 0x80 | 0x100;

/** bpf_map_flags_access_ok(): a map cannot be both read-only and write-only for programs. */
export function accessOk(flags: number): boolean {
  return (flags & 0x180) !== 0x180;
}
