// The members of union bpf_attr that each modelled command reads, named as in the uapi.
import { f, req, union, enumField, struct, type Infer, type Schema } from './schema.ts';
import { BPF_MAP_TYPE_NAMES, BPF_PROG_TYPE_NAMES, BPF_ATTACH_TYPE_NAMES } from './uapi.ts';

const mapType = enumField(BPF_MAP_TYPE_NAMES);
const progType = enumField(BPF_PROG_TYPE_NAMES);
const attachType = enumField(BPF_ATTACH_TYPE_NAMES);

const mapElem = { map_fd: req(f.u32), key: f.bytes, value: f.bytes, flags: f.u64 } as const;
const getNextId = { start_id: f.u32 } as const;
const target = { target_fd: union(f.u32, 'target'), target_ifindex: union(f.u32, 'target') } as const;
const relative = { relative_fd: union(f.u32, 'relative'), relative_id: union(f.u32, 'relative') } as const;

export const ATTR_SCHEMAS = {
  BPF_MAP_CREATE: {
    map_type: req(mapType), key_size: req(f.u32), value_size: req(f.u32), max_entries: req(f.u32),
    map_flags: f.u32, inner_map_fd: f.u32, numa_node: f.u32, map_name: f.str, map_ifindex: f.u32,
    btf_fd: f.u32, btf_key_type_id: f.u32, btf_value_type_id: f.u32, btf_vmlinux_value_type_id: f.u32,
    map_extra: f.u64, value_type_btf_obj_fd: f.s32, map_token_fd: f.s32,
  },
  BPF_MAP_LOOKUP_ELEM: mapElem,
  BPF_MAP_UPDATE_ELEM: mapElem,
  BPF_MAP_DELETE_ELEM: mapElem,
  BPF_MAP_LOOKUP_AND_DELETE_ELEM: mapElem,
  BPF_MAP_GET_NEXT_KEY: { map_fd: req(f.u32), key: f.bytes, next_key: f.outbuf },
  BPF_MAP_FREEZE: { map_fd: req(f.u32) },
  BPF_PROG_LOAD: {
    prog_type: req(progType), insns: req(f.insns), insn_cnt: f.u32, license: f.str,
    log_level: f.u32, log_size: f.u32, log_buf: f.outbuf, kern_version: f.u32, prog_flags: f.u32,
    prog_name: f.str, prog_ifindex: f.u32, expected_attach_type: attachType, prog_btf_fd: f.u32,
    attach_btf_id: f.u32, attach_prog_fd: union(f.u32, 'attach_target'),
    attach_btf_obj_fd: union(f.u32, 'attach_target'), fd_array: f.bytes, prog_token_fd: f.s32,
  },
  BPF_OBJ_PIN: { pathname: req(f.str), bpf_fd: req(f.u32), file_flags: f.u32, path_fd: f.s32 },
  BPF_OBJ_GET: { pathname: req(f.str), bpf_fd: f.u32, file_flags: f.u32, path_fd: f.s32 },
  BPF_PROG_ATTACH: {
    ...target, attach_bpf_fd: f.u32, attach_type: req(attachType), attach_flags: f.u32,
    replace_bpf_fd: f.u32, ...relative, expected_revision: f.u64,
  },
  BPF_PROG_DETACH: {
    ...target, attach_bpf_fd: f.u32, attach_type: req(attachType), attach_flags: f.u32,
    replace_bpf_fd: f.u32, ...relative, expected_revision: f.u64,
  },
  BPF_PROG_QUERY: {
    ...target, attach_type: req(attachType), query_flags: f.u32, count: union(f.u32, 'count'),
    prog_cnt: union(f.u32, 'count'), prog_ids: f.outbuf, prog_attach_flags: f.outbuf,
    link_ids: f.outbuf, link_attach_flags: f.outbuf,
  },
  BPF_PROG_TEST_RUN: {
    prog_fd: req(f.u32), retval: f.u32, data_size_out: f.u32, data_in: f.bytes, data_out: f.outbuf,
    repeat: f.u32, ctx_in: f.bytes, ctx_out: f.outbuf, ctx_size_out: f.u32, flags: f.u32, cpu: f.u32,
    batch_size: f.u32,
  },
  BPF_PROG_GET_NEXT_ID: getNextId,
  BPF_MAP_GET_NEXT_ID: getNextId,
  BPF_LINK_GET_NEXT_ID: getNextId,
  BPF_PROG_GET_FD_BY_ID: { prog_id: req(f.u32), open_flags: f.u32 },
  BPF_MAP_GET_FD_BY_ID: { map_id: req(f.u32), open_flags: f.u32 },
  BPF_LINK_GET_FD_BY_ID: { link_id: req(f.u32), open_flags: f.u32 },
  BPF_OBJ_GET_INFO_BY_FD: { bpf_fd: req(f.u32), info_len: req(f.u32), info: f.outbuf },
  BPF_LINK_CREATE: {
    prog_fd: req(f.u32), ...target, attach_type: req(attachType), flags: f.u32,
    tcx: struct({ ...relative, expected_revision: f.u64 }),
  },
  BPF_LINK_UPDATE: { link_fd: req(f.u32), new_prog_fd: req(f.u32), flags: f.u32, old_prog_fd: f.u32 },
  BPF_LINK_DETACH: { link_fd: req(f.u32) },
} as const satisfies Record<string, Schema>;

export type ModelledCmd = keyof typeof ATTR_SCHEMAS;
export type AttrOf<C extends ModelledCmd> = Infer<(typeof ATTR_SCHEMAS)[C]>;

export function isModelledCmd(cmd: string): cmd is ModelledCmd {
  return Object.prototype.hasOwnProperty.call(ATTR_SCHEMAS, cmd);
}

/** Map types bpfsim models; BPF_MAP_CREATE of another type the kernel knows is refused by validateEvent. */
export const MODELLED_MAP_TYPES: readonly string[] = ['BPF_MAP_TYPE_HASH', 'BPF_MAP_TYPE_ARRAY', 'BPF_MAP_TYPE_PROG_ARRAY', 'BPF_MAP_TYPE_BLOOM_FILTER'];
