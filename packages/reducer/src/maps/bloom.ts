// BPF_MAP_TYPE_BLOOM_FILTER (kernel/bpf/bloom_filter.c): no keys; update pushes a value,
// lookup peeks (-ENOENT when surely absent), delete and get_next_key are -EOPNOTSUPP.
// Geometry and hashing are @bpfsim/state's bloom.ts; the bitset is stored as its non-zero u32 words in a
// radix tree, so a push copies a few small nodes whatever the filter's size.
import { errnoName, fromHex, type ErrnoName } from '@bpfsim/events';
import type { Check } from '../result.ts';
import type { BloomData, BpfMap } from '../state.ts';
import type { MapAttr } from './create.ts';
import { bloomCreateErrno, bloomDepth as depth, bloomGeometry, bloomGeometryOf, bloomHas, bloomHash, radixGet, radixSet } from '@bpfsim/state';
import { peek } from '../draft/index.ts';
import { DRAFT_ACCESS } from './radix-access.ts';

export function bloomAllocCheck(a: MapAttr): Check {
  const e = bloomCreateErrno(a);
  return e ? (errnoName(e) as ErrnoName) : undefined;
}

export function bloomData(a: MapAttr, hash_seed: number): BloomData {
  const g = bloomGeometry(a.value_size, a.max_entries, a.map_extra, hash_seed);
  return { kind: 'bloom', nr_hash_funcs: g.nrHashFuncs, hash_seed: g.hashSeed, bitset_mask: g.bitsetMask, words: {} };
}

/** bloom_map_push_elem: only BPF_ANY. */
export function bloomPush(m: BpfMap, d: BloomData, value: string, flags: number): Check {
  if (flags !== 0) return 'EINVAL';
  const g = bloomGeometryOf(m);
  const bytes = fromHex(value), dep = depth(d);
  for (let i = 0; i < d.nr_hash_funcs; i++) {
    const bit = bloomHash(g, bytes, i);
    const w = Math.floor(bit / 32), mask = 1 << (bit % 32);
    const old = radixGet<number>(peek(d, 'words'), dep, w, DRAFT_ACCESS) ?? 0;
    if (!(old & mask)) radixSet(d.words, dep, w, (old | mask) >>> 0, DRAFT_ACCESS);
  }
  return undefined;
}

/** bloom_map_peek_elem: present only if every hash's bit is set. */
export const bloomPeek = bloomHas;
