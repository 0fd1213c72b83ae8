// BPF_MAP_TYPE_HASH (kernel/bpf/hashtab.c): elements live in n_buckets = roundup_pow_of_two(max_entries)
// buckets chosen by htab_map_hash(); a new element goes to the head of its bucket, which is the
// order BPF_MAP_GET_NEXT_KEY walks.
import { BPF_EXIST, BPF_F_LOCK, BPF_F_NO_COMMON_LRU, BPF_F_NO_PREALLOC, BPF_F_NUMA_NODE, BPF_F_ZERO_SEED, BPF_NOEXIST } from '@bpfsim/events';
import type { Check } from '../result.ts';
import type { BpfMap, HashData } from '../state.ts';
import { hashBucketOf, KMALLOC_MAX_SIZE, radixDepth, radixScan, radixSet, roundupPowOfTwo } from '@bpfsim/state';
import { DRAFT_ACCESS, draftRadixGet } from './radix-access.ts';
import { assign, child, peek, view } from '../draft/index.ts';
import { accessOk, BPF_F_ACCESS_MASK } from './kinds.ts';
import type { MapAttr } from './create.ts';

const HTAB_CREATE_FLAG_MASK = BPF_F_NO_PREALLOC | BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK | BPF_F_ZERO_SEED;
/** sizeof(struct htab_elem) on x86_64: key_size + value_size must stay below KMALLOC_MAX_SIZE minus this. */
const HTAB_ELEM_SIZE = 48;

export function hashAllocCheck(a: MapAttr): Check {
  if (a.map_flags & ~HTAB_CREATE_FLAG_MASK || !accessOk(a.map_flags)) return 'EINVAL';
  if (a.map_flags & BPF_F_NO_COMMON_LRU) return 'EINVAL'; // without an LRU map
  if (a.max_entries === 0 || a.key_size === 0 || a.value_size === 0) return 'EINVAL';
  if (a.key_size + a.value_size >= KMALLOC_MAX_SIZE - HTAB_ELEM_SIZE) return 'E2BIG';
  return undefined;
}

export const hashData = (a: MapAttr, hashrnd: number): HashData =>
  ({ kind: 'hash', hashrnd, n_buckets: roundupPowOfTwo(a.max_entries), count: 0, buckets: {} });

type Bucket = readonly (readonly [string, string])[];
const depthOf = (d: HashData) => radixDepth(d.n_buckets);
const bucketOf = hashBucketOf;
/** The elements of bucket `b`, read without making drafts of the radix path; `dv` is view(d). */
const elems = (d: HashData, dv: HashData, b: number): Bucket => (draftRadixGet(peek(d, 'buckets'), depthOf(dv), b) as Bucket | undefined) ?? [];

/** The value of `key`, read without making drafts (the map may be a draft). */
export function hashLookup(m: BpfMap, key: string): string | undefined {
  const d = peek(m, 'data') as HashData, dv = view(d);
  const list = elems(d, dv, bucketOf(dv, key));
  const at = indexOfKey(list, key);
  return at < 0 ? undefined : list[at][1];
}

/** The index of `key` in a bucket, or -1 (findIndex without a closure). */
function indexOfKey(list: Bucket, key: string): number {
  for (let i = 0; i < list.length; i++) if (list[i][0] === key) return i;
  return -1;
}

export function hashUpdate(m: BpfMap, d: HashData, key: string, value: string, flags: number): Check {
  if ((flags & ~BPF_F_LOCK) > BPF_EXIST) return 'EINVAL';
  const dv = view(d); // (its primitive fields, read without the Proxy)
  const b = bucketOf(dv, key);
  const list = elems(d, dv, b);
  const at = indexOfKey(list, key);
  const op = flags & ~BPF_F_LOCK;
  if (at >= 0 && op === BPF_NOEXIST) return 'EEXIST';
  if (at < 0 && op === BPF_EXIST) return 'ENOENT';
  const count = dv.count;
  if (at < 0 && count >= view(m).max_entries) return 'E2BIG';
  // An update replaces the element with a new one at the head of the bucket.
  const next: (readonly [string, string])[] = [[key, value]];
  for (let i = 0; i < list.length; i++) if (i !== at) next.push(list[i]);
  radixSet(child(d, 'buckets'), depthOf(dv), b, next, DRAFT_ACCESS);
  if (at < 0) assign(d, 'count', count + 1);
  return undefined;
}

/** A value changed through a pointer from bpf_map_lookup_elem: the element keeps its place. */
export function hashReplaceInPlace(d: HashData, key: string, value: string): void {
  const b = bucketOf(d, key);
  const list = elems(d, view(d), b);
  const at = list.findIndex((e) => e[0] === key);
  if (at >= 0) radixSet(d.buckets, depthOf(d), b, list.map((e, i) => (i === at ? [key, value] as const : e)), DRAFT_ACCESS);
}

export function hashDelete(d: HashData, key: string): Check {
  const dv = view(d); // (its primitive fields, read without the Proxy)
  const b = bucketOf(dv, key);
  const list = elems(d, dv, b);
  const at = indexOfKey(list, key);
  if (at < 0) return 'ENOENT';
  const count = dv.count;
  radixSet(child(d, 'buckets'), depthOf(dv), b, list.length === 1 ? undefined : list.filter((_, i) => i !== at), DRAFT_ACCESS);
  assign(d, 'count', count - 1);
  return undefined;
}

/** htab_map_get_next_key: the next element in the key's bucket, else the first of the next non-empty bucket. */
export function hashNextKey(m: BpfMap, key: string | null): string | 'ENOENT' {
  const d = peek(m, 'data') as HashData, dv = view(d);
  let from = 0;
  if (key !== null) {
    const b = bucketOf(dv, key);
    const list = elems(d, dv, b);
    const at = list.findIndex((e) => e[0] === key);
    if (at >= 0) {
      if (at + 1 < list.length) return list[at + 1][0];
      from = b + 1;
    }
  }
  let found: string | undefined;
  radixScan(peek(d, 'buckets'), depthOf(dv), from, (_i, list: Bucket) => { found = list[0][0]; return true; }, DRAFT_ACCESS);
  return found ?? 'ENOENT';
}
