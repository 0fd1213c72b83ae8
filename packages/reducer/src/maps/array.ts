// BPF_MAP_TYPE_ARRAY (kernel/bpf/arraymap.c): u32 keys 0..max_entries-1, every element exists
// (zero-filled until written); elements cannot be deleted.
import { u32le, BPF_EXIST, BPF_F_INNER_MAP, BPF_F_LOCK, BPF_F_MMAPABLE, BPF_F_NUMA_NODE, BPF_F_PRESERVE_ELEMS, BPF_NOEXIST } from '@bpfsim/events';
import { INT_MAX } from '../core/ids.ts';
import type { Check } from '../result.ts';
import type { ArrayData, BpfMap } from '../state.ts';
import { arrayIndex as index, arrayValue, radixDepth, radixSet } from '@bpfsim/state';
import { DRAFT_ACCESS } from './radix-access.ts';
import { accessOk, BPF_F_ACCESS_MASK } from './kinds.ts';
import type { MapAttr } from './create.ts';

const ARRAY_CREATE_FLAG_MASK = BPF_F_NUMA_NODE | BPF_F_MMAPABLE | BPF_F_ACCESS_MASK | BPF_F_PRESERVE_ELEMS | BPF_F_INNER_MAP;

export function arrayAllocCheck(a: MapAttr): Check {
  if (a.max_entries === 0 || a.key_size !== 4 || a.value_size === 0 || a.map_flags & ~ARRAY_CREATE_FLAG_MASK || !accessOk(a.map_flags)) return 'EINVAL';
  if (a.map_flags & BPF_F_PRESERVE_ELEMS) return 'EINVAL'; // for perf event arrays
  if (a.value_size > INT_MAX) return 'E2BIG';
  return undefined;
}

export const arrayData = (): ArrayData => ({ kind: 'array', values: {} });

const zero = (m: BpfMap) => '00'.repeat(m.value_size);

/** The element at `key` (zeros until written), read without making drafts (the map may be a draft). */
export const arrayLookup = (m: BpfMap, key: string): string | undefined => arrayValue(m, key, DRAFT_ACCESS);

export function arrayUpdate(m: BpfMap, data: ArrayData, key: string, value: string, flags: number): Check {
  if ((flags & ~BPF_F_LOCK) > BPF_EXIST) return 'EINVAL';
  const i = index(key);
  if (i >= m.max_entries) return 'E2BIG';
  if (flags & BPF_NOEXIST) return 'EEXIST';
  if (flags & BPF_F_LOCK) return 'EINVAL'; // no bpf_spin_lock in the value (no BTF)
  radixSet(data.values, radixDepth(m.max_entries), i, value === zero(m) ? undefined : value, DRAFT_ACCESS);
  return undefined;
}

/** array_map_get_next_key: a missing or out-of-range key restarts at 0; the last index ends. */
export function arrayNextKey(m: BpfMap, key: string | null): string | 'ENOENT' {
  const i = key === null ? 0xffffffff : index(key);
  if (i >= m.max_entries) return '00000000';
  if (i === m.max_entries - 1) return 'ENOENT';
  return u32le(i + 1);
}
