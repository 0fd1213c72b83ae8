// struct bpf_prog_info / bpf_map_info / bpf_link_info (Linux 6.18), decoded by uapi field name.
// Only members wholly inside the info_len the kernel reports are decoded. Pointer members
// (xlated_prog_insns, map_ids, hash, ...) are left out: they are inputs, echoed back as passed.
import { bpf_link_type, toHex } from '@bpfsim/events';
import { decodeCString } from './strings.ts';
import { readScalar, type ScalarType } from './struct.ts';

export type InfoKind = 'prog' | 'map' | 'link';
type Member = readonly [name: string, off: number, type: ScalarType | 'tag8' | 'name16' | 'bit0'];

export const INFO_SIZE: Readonly<Record<InfoKind, number>> = { prog: 232, map: 104, link: 64 };

const PROG_INFO: readonly Member[] = [
  ['type', 0, 'u32'], ['id', 4, 'u32'], ['tag', 8, 'tag8'], ['jited_prog_len', 16, 'u32'],
  ['xlated_prog_len', 20, 'u32'], ['load_time', 40, 'u64'], ['created_by_uid', 48, 'u32'],
  ['nr_map_ids', 52, 'u32'], ['name', 64, 'name16'], ['ifindex', 80, 'u32'], ['gpl_compatible', 84, 'bit0'],
  ['netns_dev', 88, 'u64'], ['netns_ino', 96, 'u64'], ['nr_jited_ksyms', 104, 'u32'],
  ['nr_jited_func_lens', 108, 'u32'], ['btf_id', 128, 'u32'], ['func_info_rec_size', 132, 'u32'],
  ['nr_func_info', 144, 'u32'], ['nr_line_info', 148, 'u32'], ['nr_jited_line_info', 168, 'u32'],
  ['line_info_rec_size', 172, 'u32'], ['jited_line_info_rec_size', 176, 'u32'], ['nr_prog_tags', 180, 'u32'],
  ['run_time_ns', 192, 'u64'], ['run_cnt', 200, 'u64'], ['recursion_misses', 208, 'u64'],
  ['verified_insns', 216, 'u32'], ['attach_btf_obj_id', 220, 'u32'], ['attach_btf_id', 224, 'u32'],
];

const MAP_INFO: readonly Member[] = [
  ['type', 0, 'u32'], ['id', 4, 'u32'], ['key_size', 8, 'u32'], ['value_size', 12, 'u32'],
  ['max_entries', 16, 'u32'], ['map_flags', 20, 'u32'], ['name', 24, 'name16'], ['ifindex', 40, 'u32'],
  ['btf_vmlinux_value_type_id', 44, 'u32'], ['netns_dev', 48, 'u64'], ['netns_ino', 56, 'u64'],
  ['btf_id', 64, 'u32'], ['btf_key_type_id', 68, 'u32'], ['btf_value_type_id', 72, 'u32'],
  ['btf_vmlinux_id', 76, 'u32'], ['map_extra', 80, 'u64'], ['hash_size', 96, 'u32'],
];

const LINK_HEAD: readonly Member[] = [['type', 0, 'u32'], ['id', 4, 'u32'], ['prog_id', 8, 'u32']];
/** The union member of bpf_link_info each link type fills, flattened into the info object. */
const LINK_UNION: Readonly<Record<number, readonly Member[]>> = {
  [bpf_link_type.BPF_LINK_TYPE_CGROUP]: [['cgroup_id', 16, 'u64'], ['attach_type', 24, 'u32']],
  [bpf_link_type.BPF_LINK_TYPE_NETNS]: [['netns_ino', 16, 'u32'], ['attach_type', 20, 'u32']],
  [bpf_link_type.BPF_LINK_TYPE_XDP]: [['ifindex', 16, 'u32']],
  [bpf_link_type.BPF_LINK_TYPE_STRUCT_OPS]: [['map_id', 16, 'u32']],
  [bpf_link_type.BPF_LINK_TYPE_NETFILTER]: [['pf', 16, 'u32'], ['hooknum', 20, 'u32'], ['priority', 24, 's32'], ['flags', 28, 'u32']],
  [bpf_link_type.BPF_LINK_TYPE_TCX]: [['ifindex', 16, 'u32'], ['attach_type', 20, 'u32']],
  [bpf_link_type.BPF_LINK_TYPE_NETKIT]: [['ifindex', 16, 'u32'], ['attach_type', 20, 'u32']],
  [bpf_link_type.BPF_LINK_TYPE_SOCKMAP]: [['map_id', 16, 'u32'], ['attach_type', 20, 'u32']],
};

const WIDTH = { u8: 1, u16: 2, u32: 4, s32: 4, u64: 8, s64: 8, tag8: 8, name16: 16, bit0: 4 } as const;

function decodeMembers(members: readonly Member[], b: Uint8Array, len: number, into: Record<string, unknown>): void {
  for (const [name, off, type] of members) {
    if (off + WIDTH[type] > len || off + WIDTH[type] > b.length) continue;
    if (type === 'tag8') into[name] = toHex(b.subarray(off, off + 8));
    else if (type === 'name16') into[name] = decodeCString(b.subarray(off, off + 16));
    else if (type === 'bit0') into[name] = b[off] & 1;
    else into[name] = readScalar(b, off, type);
  }
}

/** Decodes the first `len` bytes of an info struct of the given kind. */
export function decodeInfo(kind: InfoKind, b: Uint8Array, len: number): Record<string, unknown> {
  const info: Record<string, unknown> = {};
  if (kind === 'prog') decodeMembers(PROG_INFO, b, len, info);
  else if (kind === 'map') decodeMembers(MAP_INFO, b, len, info);
  else {
    decodeMembers(LINK_HEAD, b, len, info);
    const extra = typeof info.type === 'number' ? LINK_UNION[info.type] : undefined;
    if (extra) decodeMembers(extra, b, len, info);
  }
  return info;
}
