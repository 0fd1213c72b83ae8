// libbpf's low-level API (tools/lib/bpf/bpf.h) over the Kernel facade, with libbpf's names, argument
// order and return conventions: an fd or 0 on success, a negative errno on failure (libbpf 1.0 mode).
// Buffers are Uint8Arrays the call reads or fills, as in C.
import { ATTR_SCHEMAS, toHex, fromHex, type AttrOf, type Insn, type Result, type Schema } from '@bpfsim/events';
import type { Kernel } from './kernel.ts';

type Enum = string | number;

export interface MapCreateOpts { map_flags?: number; numa_node?: number; map_extra?: number; map_ifindex?: number; inner_map_fd?: number }
export interface ProgLoadOpts {
  expected_attach_type?: Enum; prog_flags?: number; prog_ifindex?: number; kern_version?: number;
  log_level?: number; log_size?: number; /** Filled with the verifier log when log_size is set. */ log_buf?: { text?: string };
  /** Set to the log's true size. */ log_true_size?: number;
}
export interface AttachOpts { flags?: number; relative_fd?: number; relative_id?: number; expected_revision?: number; replace_fd?: number }
export interface QueryOpts {
  query_flags?: number;
  /** In: capacity of the arrays; out: the number of attached programs. */ count?: number;
  /** Pass arrays to have them filled (their length is ignored; `count` is the capacity, as in C). */
  prog_ids?: number[]; prog_attach_flags?: number[]; link_ids?: number[]; link_attach_flags?: number[];
  /** Out. */ attach_flags?: number; /** Out. */ revision?: number;
}
export interface LinkCreateOpts { flags?: number; tcx?: { relative_fd?: number; relative_id?: number; expected_revision?: number } }
export interface LinkUpdateOpts { flags?: number; old_prog_fd?: number }

const fill = (buf: Uint8Array, hex: unknown) => { if (typeof hex === 'string') buf.set(fromHex(hex).subarray(0, buf.length)); };
const copyOut = (dst: number[] | undefined, src: unknown) => { if (dst && Array.isArray(src)) { dst.length = 0; dst.push(...(src as number[])); } };

export type LibBpf = ReturnType<typeof libbpf>;

/** libbpf's API as process `pid` of `kernel` calls it. */
export function libbpf(kernel: Kernel, pid: number) {
  const call = caller(kernel, pid);
  return {
    bpf_map_create(map_type: Enum, map_name: string | null, key_size: number, value_size: number, max_entries: number, opts: MapCreateOpts = {}): number {
      return call('BPF_MAP_CREATE', { map_type, key_size, value_size, max_entries, ...(map_name ? { map_name } : {}), ...opts } as AttrOf<'BPF_MAP_CREATE'>).ret;
    },
    bpf_map_update_elem(fd: number, key: Uint8Array | null, value: Uint8Array, flags = 0): number {
      const attr = keyAttr(fd, key);
      attr.value = toHex(value);
      attr.flags = flags;
      return call('BPF_MAP_UPDATE_ELEM', attr as AttrOf<'BPF_MAP_UPDATE_ELEM'>).ret;
    },
    bpf_map_lookup_elem(fd: number, key: Uint8Array | null, value: Uint8Array): number {
      const attr = keyAttr(fd, key);
      attr.value = toHex(value);
      const r = call('BPF_MAP_LOOKUP_ELEM', attr as AttrOf<'BPF_MAP_LOOKUP_ELEM'>);
      fill(value, r.out?.value);
      return r.ret;
    },
    bpf_map_lookup_and_delete_elem(fd: number, key: Uint8Array | null, value: Uint8Array): number {
      const attr = keyAttr(fd, key);
      attr.value = toHex(value);
      const r = call('BPF_MAP_LOOKUP_AND_DELETE_ELEM', attr as AttrOf<'BPF_MAP_LOOKUP_AND_DELETE_ELEM'>);
      fill(value, r.out?.value);
      return r.ret;
    },
    bpf_map_delete_elem(fd: number, key: Uint8Array | null): number {
      return call('BPF_MAP_DELETE_ELEM', keyAttr(fd, key) as AttrOf<'BPF_MAP_DELETE_ELEM'>).ret;
    },
    bpf_map_get_next_key(fd: number, key: Uint8Array | null, next_key: Uint8Array): number {
      const attr = keyAttr(fd, key);
      attr.next_key = true;
      const r = call('BPF_MAP_GET_NEXT_KEY', attr as AttrOf<'BPF_MAP_GET_NEXT_KEY'>);
      fill(next_key, r.out?.next_key);
      return r.ret;
    },
    bpf_map_freeze(fd: number): number { return call('BPF_MAP_FREEZE', { map_fd: fd }).ret; },
    bpf_prog_load(prog_type: Enum, prog_name: string | null, license: string | null, insns: readonly Insn[], insn_cnt: number, opts: ProgLoadOpts = {}): number {
      const { log_buf, log_true_size: _, ...rest } = opts;
      const r = call('BPF_PROG_LOAD', {
        prog_type, insns, insn_cnt, ...(license !== null ? { license } : {}), ...(prog_name ? { prog_name } : {}),
        ...rest, ...(log_buf && opts.log_size ? { log_buf: true } : {}),
      } as AttrOf<'BPF_PROG_LOAD'>);
      if (log_buf && typeof r.out?.log_buf === 'string') log_buf.text = r.out.log_buf;
      if (typeof r.out?.log_true_size === 'number') opts.log_true_size = r.out.log_true_size;
      return r.ret;
    },
    bpf_obj_pin(fd: number, pathname: string): number { return call('BPF_OBJ_PIN', { bpf_fd: fd, pathname }).ret; },
    bpf_obj_get(pathname: string, file_flags = 0): number { return call('BPF_OBJ_GET', { pathname, file_flags }).ret; },
    bpf_prog_attach_opts(prog_fd: number, target: number, type: Enum, opts: AttachOpts = {}): number {
      return call('BPF_PROG_ATTACH', attachAttr(prog_fd, target, type, opts, true) as AttrOf<'BPF_PROG_ATTACH'>).ret;
    },
    bpf_prog_detach_opts(prog_fd: number, target: number, type: Enum, opts: AttachOpts = {}): number {
      return call('BPF_PROG_DETACH', attachAttr(prog_fd, target, type, opts, false) as AttrOf<'BPF_PROG_DETACH'>).ret;
    },
    bpf_prog_query_opts(target: number, type: Enum, opts: QueryOpts): number {
      const r = call('BPF_PROG_QUERY', {
        target_ifindex: target, attach_type: type, query_flags: opts.query_flags ?? 0, count: opts.count ?? 0,
        prog_ids: !!opts.prog_ids, prog_attach_flags: !!opts.prog_attach_flags, link_ids: !!opts.link_ids, link_attach_flags: !!opts.link_attach_flags,
      } as AttrOf<'BPF_PROG_QUERY'>);
      const o = r.out ?? {};
      if (typeof o.count === 'number') opts.count = o.count;
      if (typeof o.revision === 'number') opts.revision = o.revision;
      if (typeof o.attach_flags === 'number') opts.attach_flags = o.attach_flags;
      copyOut(opts.prog_ids, o.prog_ids); copyOut(opts.prog_attach_flags, o.prog_attach_flags);
      copyOut(opts.link_ids, o.link_ids); copyOut(opts.link_attach_flags, o.link_attach_flags);
      return r.ret;
    },
    bpf_link_create(prog_fd: number, target: number, attach_type: Enum, opts: LinkCreateOpts = {}): number {
      const attr: Record<string, unknown> = { prog_fd, target_ifindex: target, attach_type, flags: opts.flags ?? 0 };
      if (opts.tcx) attr.tcx = opts.tcx;
      return call('BPF_LINK_CREATE', attr as AttrOf<'BPF_LINK_CREATE'>).ret;
    },
    bpf_link_update(link_fd: number, new_prog_fd: number, opts: LinkUpdateOpts = {}): number {
      const attr: Record<string, unknown> = { link_fd, new_prog_fd, flags: opts.flags ?? 0 };
      if (opts.old_prog_fd) attr.old_prog_fd = opts.old_prog_fd;
      return call('BPF_LINK_UPDATE', attr as AttrOf<'BPF_LINK_UPDATE'>).ret;
    },
    bpf_link_detach(link_fd: number): number { return call('BPF_LINK_DETACH', { link_fd }).ret; },
    bpf_prog_get_next_id(start_id: number, next_id: Uint32Array): number { return nextId(call('BPF_PROG_GET_NEXT_ID', { start_id }), next_id); },
    bpf_map_get_next_id(start_id: number, next_id: Uint32Array): number { return nextId(call('BPF_MAP_GET_NEXT_ID', { start_id }), next_id); },
    bpf_link_get_next_id(start_id: number, next_id: Uint32Array): number { return nextId(call('BPF_LINK_GET_NEXT_ID', { start_id }), next_id); },
    bpf_prog_get_fd_by_id(id: number): number { return call('BPF_PROG_GET_FD_BY_ID', { prog_id: id }).ret; },
    bpf_map_get_fd_by_id(id: number): number { return call('BPF_MAP_GET_FD_BY_ID', { map_id: id }).ret; },
    bpf_link_get_fd_by_id(id: number): number { return call('BPF_LINK_GET_FD_BY_ID', { link_id: id }).ret; },
    /** bpf_obj_get_info_by_fd(): fills `info` with the fields that fit in info_len.len, and updates it. */
    bpf_obj_get_info_by_fd(fd: number, info: Record<string, unknown>, info_len: { len: number }): number {
      const r = call('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: fd, info_len: info_len.len, info: true });
      if (r.ret === 0) { Object.assign(info, r.out?.info); info_len.len = r.out?.info_len as number; }
      return r.ret;
    },
    close(fd: number): number { return kernel.close(pid, fd).ret; },
  };
}

/** An attr's first members for a map element command: the map, and the key unless there is none. */
function keyAttr(fd: number, key: Uint8Array | null): Record<string, unknown> {
  const attr: Record<string, unknown> = { map_fd: fd };
  if (key) attr.key = toHex(key);
  return attr;
}

/**
 * The attr of BPF_PROG_ATTACH (`replace`: with replace_bpf_fd) and BPF_PROG_DETACH: the optional
 * members added in their order by assignment (as in every attr here with optional members but
 * prog_load's: spreading a conditional literal into one cost ~30 ns).
 */
function attachAttr(prog_fd: number, target: number, type: Enum, opts: AttachOpts, replace: boolean): Record<string, unknown> {
  const attr: Record<string, unknown> = { target_ifindex: target, attach_bpf_fd: prog_fd, attach_type: type, attach_flags: opts.flags ?? 0 };
  if (replace && opts.replace_fd) attr.replace_bpf_fd = opts.replace_fd;
  if (opts.relative_id) attr.relative_id = opts.relative_id;
  else if (opts.relative_fd) attr.relative_fd = opts.relative_fd;
  if (opts.expected_revision) attr.expected_revision = opts.expected_revision;
  return attr;
}

/**
 * kernel.bpf as process `pid`, with each attr made uapi-shaped (asUapi). Returned by a function:
 * a closure bound to a name in libbpf() would be named at run time on every call under tsx
 * (esbuild's keepNames: a defineProperty, ~0.4 us).
 */
function caller(kernel: Kernel, pid: number) {
  return <C extends Parameters<Kernel['bpf']>[1]>(cmd: C, attr: AttrOf<C>): Result =>
    kernel.bpf(pid, cmd, asUapi(ATTR_SCHEMAS[cmd], attr as Record<string, unknown>, attr as Record<string, unknown>) as AttrOf<C>);
}

/**
 * C's int fds and flags land in __u32 attr fields: a negative value (-1, -2) arrives as a large
 * unsigned one, which the kernel then refuses as it refuses any bad fd. Writes into `out`: the
 * attr itself at the top (each call builds its own), a new object for a struct in it (the caller's).
 */
function asUapi(schema: Schema, attr: Record<string, unknown>, out: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(attr);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i], v = attr[k];
    let w = v;
    if (typeof v === 'number') {
      if (v < 0 && v >= -0x80000000 && schema[k]?.kind === 'u32') w = v >>> 0;
    } else if (v && typeof v === 'object' && !Array.isArray(v)) {
      const kind = schema[k]?.kind;
      if (kind && typeof kind === 'object' && 'struct' in kind) w = asUapi(kind.struct, v as Record<string, unknown>, {});
    }
    if (out !== attr || w !== v) out[k] = w;
  }
  return out;
}

function nextId(r: Result, out: Uint32Array): number {
  if (r.ret === 0) out[0] = r.out?.next_id as number;
  return r.ret;
}
