// BPF_MAP_CREATE: map_create()'s checks in the kernel's order, then the type's alloc checks.
import { bpf_map_type, BPF_F_RDONLY, BPF_F_WRONLY, BPF_F_ZERO_SEED, BPF_F_NUMA_NODE, BPF_F_TOKEN_FD, type AttrOf, type Result } from '@bpfsim/events';
import type { S } from '../core/draft.ts';
import { allocId } from '../core/ids.ts';
import { objName } from '../core/names.ts';
import { installFd } from '../core/procs.ts';
import { enumValue } from '../core/enums.ts';
import { resolveFd } from '../core/fds.ts';
import { fail, ok } from '../result.ts';
import type { FileMode, MapData } from '../state.ts';
import { nextRandom } from '../rng.ts';
import { arrayAllocCheck, arrayData } from './array.ts';
import { hashAllocCheck, hashData } from './hash.ts';
import { bloomAllocCheck, bloomData } from './bloom.ts';
import { progArrayAllocCheck, progArrayData } from './prog-array.ts';

const MAX_MAP_TYPE = bpf_map_type.BPF_MAP_TYPE_INSN_ARRAY;

/** bpf_get_file_flag(): the access mode an fd gets from BPF_F_RDONLY / BPF_F_WRONLY. */
export function fileMode(flags: number): FileMode | undefined | 'EINVAL' {
  const rd = flags & BPF_F_RDONLY, wr = flags & BPF_F_WRONLY;
  if (rd && wr) return 'EINVAL';
  return rd ? 'ro' : wr ? 'wo' : undefined;
}

export function mapCreate(s: S, pid: number, a: AttrOf<'BPF_MAP_CREATE'>): Result {
  const map_type = enumValue(a.map_type);
  const map_flags = (a.map_flags ?? 0) & ~BPF_F_TOKEN_FD;
  const map_extra = a.map_extra ?? 0;
  if (a.btf_vmlinux_value_type_id) {
    if (map_type !== bpf_map_type.BPF_MAP_TYPE_STRUCT_OPS || a.btf_key_type_id || a.btf_value_type_id) return fail('EINVAL');
  } else if (a.btf_key_type_id && !a.btf_value_type_id) return fail('EINVAL');
  if (map_type !== bpf_map_type.BPF_MAP_TYPE_BLOOM_FILTER && map_type !== bpf_map_type.BPF_MAP_TYPE_ARENA && map_extra !== 0) return fail('EINVAL');
  const mode = fileMode(map_flags);
  if (mode === 'EINVAL') return fail('EINVAL');
  // One NUMA node (0) is online on the machines bpfsim models.
  if (map_flags & BPF_F_NUMA_NODE && (a.numa_node ?? 0) !== 0) return fail('EINVAL');
  if (map_type > MAX_MAP_TYPE || map_type === bpf_map_type.BPF_MAP_TYPE_UNSPEC) return fail('EINVAL');

  // The fields the alloc checks read, named: spreading the attr (events come in many shapes) was ~2% of a map-heavy fold.
  const attr: MapAttr = { map_type, map_flags, map_extra, max_entries: a.max_entries, key_size: a.key_size, value_size: a.value_size, numa_node: a.numa_node };
  let err;
  switch (map_type) {
    case bpf_map_type.BPF_MAP_TYPE_ARRAY: err = arrayAllocCheck(attr); break;
    case bpf_map_type.BPF_MAP_TYPE_HASH: err = hashAllocCheck(attr); break;
    case bpf_map_type.BPF_MAP_TYPE_BLOOM_FILTER: err = bloomAllocCheck(attr); break;
    case bpf_map_type.BPF_MAP_TYPE_PROG_ARRAY: err = progArrayAllocCheck(attr); break;
    default: throw new Error(`map type ${map_type} reached the reducer though validation refuses it`);
  }
  if (err) return fail(err);
  // BPF tokens are not modelled: the fd BPF_F_TOKEN_FD names is never a token (-EBADF or -EINVAL).
  if ((a.map_flags ?? 0) & BPF_F_TOKEN_FD) return fail(resolveFd(s, pid, a.map_token_fd, 'prog').err === 'EBADF' ? 'EBADF' : 'EINVAL');

  let data: MapData;
  if (map_type === bpf_map_type.BPF_MAP_TYPE_ARRAY) data = arrayData();
  else if (map_type === bpf_map_type.BPF_MAP_TYPE_PROG_ARRAY) data = progArrayData();
  else {
    let seed = 0;
    if (!(map_flags & BPF_F_ZERO_SEED)) [seed, s.rng] = nextRandom(s.rng);
    data = map_type === bpf_map_type.BPF_MAP_TYPE_HASH ? hashData(attr, seed) : bloomData(attr, seed);
  }
  const name = objName(a.map_name);
  if (name === undefined) return fail('EINVAL');

  const id = allocId(s, 'map');
  s.maps[id] = {
    id, refs: 0, map_type, key_size: a.key_size, value_size: a.value_size, max_entries: a.max_entries,
    map_flags, map_extra, name, frozen: false, data,
  };
  const fd = installFd(s, pid, mode ? { kind: 'map', id, mode } : { kind: 'map', id });
  if (fd < 0) { delete s.maps[id]; return fail('EMFILE'); }
  return ok(fd);
}

export type MapAttr = { map_type: number; map_flags: number; map_extra: number; key_size: number; value_size: number; max_entries: number; numa_node?: number };
