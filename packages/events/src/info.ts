// Byte layouts of the info structs BPF_OBJ_GET_INFO_BY_FD fills, so that a model can write back
// exactly the fields that fit in the caller's info_len, as the kernel does (it copies min(info_len, sizeof)).
export interface InfoField { readonly name: string; readonly offset: number; readonly size: number }

const layout = (fields: [string, number, number][]): readonly InfoField[] =>
  Object.freeze(fields.map(([name, offset, size]) => Object.freeze({ name, offset, size })));

/** struct bpf_prog_info (Linux 6.18: 232 bytes). Pointer members are left out: they are inputs. */
export const BPF_PROG_INFO = layout([
  ['type', 0, 4], ['id', 4, 4], ['tag', 8, 8], ['jited_prog_len', 16, 4], ['xlated_prog_len', 20, 4],
  ['load_time', 40, 8], ['created_by_uid', 48, 4], ['nr_map_ids', 52, 4], ['name', 64, 16],
  ['ifindex', 80, 4], ['gpl_compatible', 84, 4], ['netns_dev', 88, 8], ['netns_ino', 96, 8],
  ['nr_jited_ksyms', 104, 4], ['nr_jited_func_lens', 108, 4], ['btf_id', 128, 4],
  ['func_info_rec_size', 132, 4], ['nr_func_info', 144, 4], ['nr_line_info', 148, 4],
  ['nr_jited_line_info', 168, 4], ['line_info_rec_size', 172, 4], ['jited_line_info_rec_size', 176, 4],
  ['nr_prog_tags', 180, 4], ['run_time_ns', 192, 8], ['run_cnt', 200, 8], ['recursion_misses', 208, 8],
  ['verified_insns', 216, 4], ['attach_btf_obj_id', 220, 4], ['attach_btf_id', 224, 4],
]);
export const SIZEOF_BPF_PROG_INFO = 232;

/** struct bpf_map_info (Linux 6.18: 104 bytes; `hash` at 88 is a pointer, left out). */
export const BPF_MAP_INFO = layout([
  ['type', 0, 4], ['id', 4, 4], ['key_size', 8, 4], ['value_size', 12, 4], ['max_entries', 16, 4],
  ['map_flags', 20, 4], ['name', 24, 16], ['ifindex', 40, 4], ['btf_vmlinux_value_type_id', 44, 4],
  ['netns_dev', 48, 8], ['netns_ino', 56, 8], ['btf_id', 64, 4], ['btf_key_type_id', 68, 4],
  ['btf_value_type_id', 72, 4], ['btf_vmlinux_id', 76, 4], ['map_extra', 80, 8], ['hash_size', 96, 4],
]);
/** Measured on Linux 6.18 (BPF_OBJ_GET_INFO_BY_FD with a large info_len writes back 104). */
export const SIZEOF_BPF_MAP_INFO = 104;

/** struct bpf_link_info: the common head and the tcx member of its union. */
export const BPF_LINK_INFO = layout([['type', 0, 4], ['id', 4, 4], ['prog_id', 8, 4]]);
export const BPF_LINK_INFO_TCX = layout([['ifindex', 16, 4], ['attach_type', 20, 4]]);
/** Measured on Linux 6.18. */
export const SIZEOF_BPF_LINK_INFO = 64;
