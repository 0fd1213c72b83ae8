// BPF_MAP_TYPE_PROG_ARRAY (kernel/bpf/arraymap.c, prog_array_map_ops): u32 keys, values written as
// prog fds and read back as prog ids; the array holds a reference on each program in it. Its owner
// (the program type it takes, kernel/bpf/core.c __bpf_prog_map_compatible) is set by the first
// program inserted or loaded referencing it. Every errno here was measured on Linux 6.18
// (fixtures/kernel/prog-array-*.json).
import { u32le, BPF_F_MMAPABLE, BPF_F_INNER_MAP, BPF_F_RDONLY_PROG, BPF_F_WRONLY_PROG, BPF_F_XDP_HAS_FRAGS, bpf_map_type, bpf_prog_type } from '@bpfsim/events';
import { arrayIndex, radixDepth, radixGet, radixScan, radixSet, type ProgArrayOwner } from '@bpfsim/state';
import type { S } from '../core/draft.ts';
import { resolveFd } from '../core/fds.ts';
import { ref, unref } from '../core/objects.ts';
import { child, keys, peek } from '../draft/index.ts';
import type { Check } from '../result.ts';
import type { BpfMap, KernelState, Prog, ProgArrayData } from '../state.ts';
import { arrayAllocCheck } from './array.ts';
import type { MapAttr } from './create.ts';

/** fd_array_map_alloc_check(), then array_map_alloc_check()'s checks for a type other than ARRAY. */
export function progArrayAllocCheck(a: MapAttr): Check {
  if (a.value_size !== 4 || a.map_flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) return 'EINVAL';
  if (a.map_flags & (BPF_F_MMAPABLE | BPF_F_INNER_MAP)) return 'EINVAL'; // only for BPF_MAP_TYPE_ARRAY
  return arrayAllocCheck(a);
}

export const progArrayData = (): ProgArrayData => ({ kind: 'prog_array', progs: {} });

const depth = (m: BpfMap) => radixDepth(m.max_entries);

/** The id of the program in slot `index`, or undefined for an empty slot or one past max_entries. */
export function progArraySlot(m: BpfMap, index: number): number | undefined {
  if (index >= m.max_entries) return undefined;
  return radixGet((m.data as ProgArrayData).progs, depth(m), index) as number | undefined;
}

/** bpf_fd_array_map_lookup_elem(): the program's id (prog_fd_array_sys_lookup_elem), as the value. */
export function progArrayLookup(m: BpfMap, key: string): string | undefined {
  const id = progArraySlot(m, arrayIndex(key));
  return id === undefined ? undefined : u32le(id);
}

type OwnerOf = Pick<Prog, 'prog_type' | 'expected_attach_type' | 'prog_flags'>;

function ownerOf(p: OwnerOf): ProgArrayOwner {
  return { prog_type: p.prog_type, expected_attach_type: p.expected_attach_type, xdp_has_frags: (p.prog_flags & BPF_F_XDP_HAS_FRAGS) !== 0 };
}

/**
 * __bpf_prog_map_compatible(): the first program sets the owner; later ones must match its type,
 * XDP frags and (prog arrays only) expected_attach_type, as measured (prog-array-owner*.json); a
 * sleepable program goes into an array owned by one that is not, and the other way round. bpfsim's
 * programs are all JITed (CONFIG_BPF_JIT_ALWAYS_ON) with no cgroup storage and no
 * attach_func_proto, so those compare equal.
 */
function compatible(map: BpfMap, p: OwnerOf): boolean {
  const data = map.data as ProgArrayData;
  const mine = ownerOf(p);
  if (data.owner === undefined) {
    (data as { owner?: ProgArrayOwner }).owner = mine;
    return true;
  }
  const o = data.owner;
  return o.prog_type === mine.prog_type && o.xdp_has_frags === mine.xdp_has_frags && o.expected_attach_type === mine.expected_attach_type;
}

/**
 * bpf_fd_array_map_update_elem() from the syscall: flags other than BPF_ANY, then the index, then
 * the fd (prog_fd_array_get_ptr: bpf_prog_get, no EXT program, compatible with the owner). The array
 * takes a reference on the new program and drops the one on the program it replaces.
 */
export function progArrayUpdate(s: S, pid: number, map: BpfMap, key: string, value: string, flags: number): Check {
  if (flags !== 0) return 'EINVAL';
  const index = arrayIndex(key);
  if (index >= map.max_entries) return 'E2BIG';
  const r = resolveFd(s, pid, arrayIndex(value), 'prog');
  if (r.err) return r.err;
  const prog = peek(peek(s, 'progs'), r.entry.id);
  // EXT programs cannot be loaded without BTF in bpfsim, so the kernel's refusal of one never comes up.
  if (prog.prog_type === bpf_prog_type.BPF_PROG_TYPE_EXT || !compatible(map, prog)) return 'EINVAL';
  const progs = (map.data as ProgArrayData).progs;
  const old = radixGet(progs, depth(map), index) as number | undefined;
  radixSet(progs, depth(map), index, prog.id);
  ref(s, 'prog', prog.id);
  if (old !== undefined) unref(s, 'prog', old);
  return undefined;
}

/** fd_array_map_delete_elem(): -E2BIG past max_entries, -ENOENT for an empty slot. */
export function progArrayDelete(s: S, map: BpfMap, key: string): Check {
  const index = arrayIndex(key);
  if (index >= map.max_entries) return 'E2BIG';
  const progs = (map.data as ProgArrayData).progs;
  const old = radixGet(progs, depth(map), index) as number | undefined;
  if (old === undefined) return 'ENOENT';
  radixSet(progs, depth(map), index, undefined);
  unref(s, 'prog', old);
  return undefined;
}

/**
 * bpf_check_tail_call() (bpf_prog_select_runtime, after the verifier): a program loaded that
 * references a prog array must be compatible with its owner, and becomes the owner of one that has
 * none, map by map in the order the program names them.
 */
export function checkTailCallMaps(s: S, p: OwnerOf, mapIds: readonly number[]): Check {
  for (const id of mapIds) {
    if (peek(peek(s, 'maps'), id).map_type !== bpf_map_type.BPF_MAP_TYPE_PROG_ARRAY) continue;
    if (!compatible(child(child(s, 'maps'), id), p)) return 'EINVAL';
  }
  return undefined;
}

/** Whether some fd or pin still refers to map `id`: the kernel's map->usercnt above zero. */
function hasUserRefs(s: S, id: number): boolean {
  const procs = peek(s, 'procs');
  for (const pid of keys(procs)) {
    const fds = peek(peek(procs, +pid), 'fds');
    for (const fd of keys(fds)) {
      const e = peek(fds, +fd);
      if (e.kind === 'map' && e.id === id) return true;
    }
  }
  const fs = peek(s, 'bpffs');
  for (const path of keys(fs)) {
    const n = peek(fs, path);
    if (n.kind === 'map' && n.id === id) return true;
  }
  return false;
}

/**
 * map_release_uref -> prog_array_map_clear(): when the last fd or pin of a prog array goes, its
 * entries are cleared, dropping the references on their programs, even while programs that
 * reference the array keep it alive. Called with the fd or pin already gone and before the map's
 * own reference is dropped. The kernel clears from a work item, a moment later (measured: right
 * after close(2) the programs can still be there); this is the settled outcome, which the fixtures
 * record with the oracle's settleMs. An array with entries always has a user reference (only the
 * syscall inserts), so an empty one needs no look at the fd tables.
 */
export function releaseUserRef(s: S, id: number): void {
  const map = peek(peek(s, 'maps'), id);
  const cur = peek(map, 'data');
  if (cur === undefined || cur.kind !== 'prog_array' || keys(peek(cur, 'progs')).length === 0 || hasUserRefs(s, id)) return;
  const data = child(child(child(s, 'maps'), id), 'data') as ProgArrayData;
  const held: number[] = [];
  radixScan(data.progs, depth(map), 0, (_, progId) => { held.push(progId); });
  // Empty the array before the programs go: freeing one may drop a reference on this very map.
  (data as { progs: ProgArrayData['progs'] }).progs = {};
  for (const progId of held) unref(s, 'prog', progId);
}

/** Each occupied slot of prog array `m` (a reference it holds on the program), in index order; nothing for other maps. */
export function forEachProgArraySlot(m: BpfMap, visit: (index: number, progId: number) => void): void {
  if (m.data.kind === 'prog_array') radixScan(m.data.progs, radixDepth(m.max_entries), 0, (i, progId) => { visit(i, progId); });
}

/** The references prog arrays hold on programs, one per occupied slot, with who holds each. */
export function progArrayHolders(s: KernelState, add: (progId: number, who: string) => void): void {
  for (const m of Object.values(s.maps)) forEachProgArraySlot(m, (i, progId) => add(progId, `prog array ${m.id} slot ${i}`));
}
