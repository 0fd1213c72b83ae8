// Byte offsets of the union bpf_attr members each modelled command uses (Linux 6.18 uapi,
// checked against the running kernel's BTF). Fields the kernel only writes back are listed too.
import type { ModelledCmd } from '@bpfsim/events';

/** sizeof(union bpf_attr) in Linux 6.18; passed as the size of every call. */
export const ATTR_SIZE = 168;

export type SlotType = 'u32' | 's32' | 'u64' | 's64' | 'ptr' | 'name16';
export interface Slot { readonly off: number; readonly type: SlotType }

const u32 = (off: number): Slot => ({ off, type: 'u32' });
const s32 = (off: number): Slot => ({ off, type: 's32' });
const u64 = (off: number): Slot => ({ off, type: 'u64' });
const ptr = (off: number): Slot => ({ off, type: 'ptr' });
const name16 = (off: number): Slot => ({ off, type: 'name16' });

const mapElem = { map_fd: u32(0), key: ptr(8), value: ptr(16), flags: u64(24) };
const getNextId = { start_id: u32(0), next_id: u32(4) };
const attachDetach = {
  target_fd: u32(0), target_ifindex: u32(0), attach_bpf_fd: u32(4), attach_type: u32(8),
  attach_flags: u32(12), replace_bpf_fd: u32(16), relative_fd: u32(20), relative_id: u32(20),
  expected_revision: u64(24),
};
const getFdById = { open_flags: u32(8) };

/** Nested struct members are named with a dot (`tcx.relative_id`). */
export const ATTR_LAYOUT: { readonly [C in ModelledCmd]: Readonly<Record<string, Slot>> } = {
  BPF_MAP_CREATE: {
    map_type: u32(0), key_size: u32(4), value_size: u32(8), max_entries: u32(12), map_flags: u32(16),
    inner_map_fd: u32(20), numa_node: u32(24), map_name: name16(28), map_ifindex: u32(44),
    btf_fd: u32(48), btf_key_type_id: u32(52), btf_value_type_id: u32(56),
    btf_vmlinux_value_type_id: u32(60), map_extra: u64(64), value_type_btf_obj_fd: s32(72),
    map_token_fd: s32(76),
  },
  BPF_MAP_LOOKUP_ELEM: mapElem,
  BPF_MAP_UPDATE_ELEM: mapElem,
  BPF_MAP_DELETE_ELEM: mapElem,
  BPF_MAP_LOOKUP_AND_DELETE_ELEM: mapElem,
  BPF_MAP_GET_NEXT_KEY: { map_fd: u32(0), key: ptr(8), next_key: ptr(16) },
  BPF_MAP_FREEZE: { map_fd: u32(0) },
  BPF_PROG_LOAD: {
    prog_type: u32(0), insn_cnt: u32(4), insns: ptr(8), license: ptr(16), log_level: u32(24),
    log_size: u32(28), log_buf: ptr(32), kern_version: u32(40), prog_flags: u32(44),
    prog_name: name16(48), prog_ifindex: u32(64), expected_attach_type: u32(68), prog_btf_fd: u32(72),
    attach_btf_id: u32(108), attach_prog_fd: u32(112), attach_btf_obj_fd: u32(112), fd_array: ptr(120),
    log_true_size: u32(140), prog_token_fd: s32(144),
  },
  BPF_OBJ_PIN: { pathname: ptr(0), bpf_fd: u32(8), file_flags: u32(12), path_fd: s32(16) },
  BPF_OBJ_GET: { pathname: ptr(0), bpf_fd: u32(8), file_flags: u32(12), path_fd: s32(16) },
  BPF_PROG_ATTACH: attachDetach,
  BPF_PROG_DETACH: attachDetach,
  BPF_PROG_QUERY: {
    target_fd: u32(0), target_ifindex: u32(0), attach_type: u32(4), query_flags: u32(8),
    attach_flags: u32(12), prog_ids: ptr(16), count: u32(24), prog_cnt: u32(24),
    prog_attach_flags: ptr(32), link_ids: ptr(40), link_attach_flags: ptr(48), revision: u64(56),
  },
  BPF_PROG_TEST_RUN: {
    prog_fd: u32(0), retval: u32(4), data_size_in: u32(8), data_size_out: u32(12), data_in: ptr(16),
    data_out: ptr(24), repeat: u32(32), duration: u32(36), ctx_size_in: u32(40), ctx_size_out: u32(44),
    ctx_in: ptr(48), ctx_out: ptr(56), flags: u32(64), cpu: u32(68), batch_size: u32(72),
  },
  BPF_PROG_GET_NEXT_ID: getNextId,
  BPF_MAP_GET_NEXT_ID: getNextId,
  BPF_LINK_GET_NEXT_ID: getNextId,
  BPF_PROG_GET_FD_BY_ID: { prog_id: u32(0), ...getFdById },
  BPF_MAP_GET_FD_BY_ID: { map_id: u32(0), ...getFdById },
  BPF_LINK_GET_FD_BY_ID: { link_id: u32(0), ...getFdById },
  BPF_OBJ_GET_INFO_BY_FD: { bpf_fd: u32(0), info_len: u32(4), info: ptr(8) },
  BPF_LINK_CREATE: {
    prog_fd: u32(0), target_fd: u32(4), target_ifindex: u32(4), attach_type: u32(8), flags: u32(12),
    'tcx.relative_fd': u32(16), 'tcx.relative_id': u32(16), 'tcx.expected_revision': u64(24),
  },
  BPF_LINK_UPDATE: { link_fd: u32(0), new_prog_fd: u32(4), flags: u32(8), old_prog_fd: u32(12) },
  BPF_LINK_DETACH: { link_fd: u32(0) },
};

/** Length fields the oracle fills in from the bytes they describe. */
export const IMPLIED_LENGTHS: Readonly<Record<string, { readonly field: string; readonly unit: number }>> = {
  'BPF_PROG_TEST_RUN.data_in': { field: 'data_size_in', unit: 1 },
  'BPF_PROG_TEST_RUN.ctx_in': { field: 'ctx_size_in', unit: 1 },
};
