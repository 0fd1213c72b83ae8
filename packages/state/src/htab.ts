// Where a key sits in a BPF_MAP_TYPE_HASH map, and so the order BPF_MAP_GET_NEXT_KEY walks it
// (kernel/bpf/hashtab.c).
//
//   n_buckets = roundup_pow_of_two(max_entries)              (htab_map_alloc; max_entries > 2^31 → -E2BIG)
//   hash      = key_size % 4 == 0 ? jhash2(key as u32 words, key_size / 4, hashrnd)
//                                 : jhash(key, key_size, hashrnd)          (htab_map_hash)
//   bucket    = hash & (n_buckets - 1)                                     (__select_bucket)
//   hashrnd   = 0 under BPF_F_ZERO_SEED, else get_random_u32() at create time.
//
// Each bucket is a list; a new element is linked at its head (hlist_nulls_add_head_rcu). An update
// of an existing key in a HASH or LRU_HASH map links a new element at the head and unlinks the old
// one, so the key moves to the head of its bucket; PERCPU_HASH copies the value in place, so the
// key keeps its place (all three measured, test/algo/htab.test.ts). By the source, LRU_PERCPU_HASH
// and BPF_F_LOCK updates also copy in place (not measured: no spin-lock maps without BTF here).
//
// GET_NEXT_KEY(key): if key is NULL or not in the map, the first element of the first non-empty
// bucket; else the element after it in its bucket, else the first element of the next non-empty
// bucket; -ENOENT past the last. That is: the elements listed bucket by bucket in ascending bucket
// order, each bucket head first, and "next" is simply the following entry of that list.
//
// This module keeps that list: an HtabOrder is a frozen array of {key, bucket}, sorted by bucket,
// each bucket's entries head first. Operations return a new array (copy on write, O(n) per change,
// O(log n + bucket length) per lookup) and never mutate their argument. Keys are lowercase hex
// strings of exactly key_size bytes.

import { jhash, jhash2, bytesToWords } from './jhash.ts';

/** roundup_pow_of_two(n) for 1 <= n <= 2^32 (1 for n <= 1). */
export function roundupPowOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** n_buckets of a hash map with this max_entries (the caller has already rejected 0 and > 2^31). */
export function htabBuckets(maxEntries: number): number {
  return roundupPowOfTwo(maxEntries);
}

// Scratch buffers for hex keys, so that hashing a key allocates nothing.
let scratch = new Uint8Array(64);
let scratchWords = new Uint32Array(16);

function hexNibble(c: number): number {
  return c <= 57 ? c - 48 : (c | 32) - 87; // '0'-'9', 'a'-'f' (or 'A'-'F')
}

/** htab_map_hash: the u32 hash of a key (bytes or lowercase hex), with hashrnd (0 under BPF_F_ZERO_SEED). */
export function htabHash(key: Uint8Array | string, hashrnd = 0): number {
  if (typeof key !== 'string') {
    return (key.length & 3) === 0 ? jhash2(bytesToWords(key), hashrnd) : jhash(key, hashrnd);
  }
  const n = key.length >>> 1;
  if (n > scratch.length) {
    scratch = new Uint8Array((n + 63) & ~63);
    scratchWords = new Uint32Array(scratch.length >>> 2);
  }
  for (let i = 0; i < n; i++) scratch[i] = (hexNibble(key.charCodeAt(2 * i)) << 4) | hexNibble(key.charCodeAt(2 * i + 1));
  if ((n & 3) !== 0) return jhash(scratch, hashrnd, n);
  // The key's u32 words as x86_64 reads them: little-endian, whatever the host.
  for (let j = 0, i = 0; i < n; j++, i += 4) {
    scratchWords[j] = scratch[i] | (scratch[i + 1] << 8) | (scratch[i + 2] << 16) | (scratch[i + 3] << 24);
  }
  return jhash2(scratchWords, hashrnd, n >>> 2);
}

/** The bucket index of a key: htab_map_hash(key) & (n_buckets - 1). */
export function htabBucket(key: Uint8Array | string, nBuckets: number, hashrnd = 0): number {
  return (htabHash(key, hashrnd) & (nBuckets - 1)) >>> 0;
}

export interface HtabSlot {
  readonly key: string;
  readonly bucket: number;
}

/** The elements of a hash map in GET_NEXT_KEY order (see above). */
export type HtabOrder = readonly HtabSlot[];

export const HTAB_EMPTY: HtabOrder = Object.freeze([]) as HtabOrder;

/** First index whose bucket is >= b. */
function lowerBound(order: HtabOrder, b: number): number {
  let lo = 0, hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (order[mid].bucket < b) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** Index of key (whose bucket is b) in order, or -1. */
function find(order: HtabOrder, key: string, b: number): number {
  for (let i = lowerBound(order, b); i < order.length && order[i].bucket === b; i++) {
    if (order[i].key === key) return i;
  }
  return -1;
}

/** Whether key is in the map. */
export function htabHas(order: HtabOrder, key: string, bucket: number): boolean {
  return find(order, key, bucket) >= 0;
}

/**
 * Links key at the head of its bucket; if it was already in the map it moves there (what an
 * update of an existing HASH/LRU_HASH key does). Count and flag checks are the caller's.
 */
export function htabLinkHead(order: HtabOrder, key: string, bucket: number): HtabOrder {
  const at = lowerBound(order, bucket);
  const old = find(order, key, bucket);
  if (old === at) return order; // already the head of its bucket
  const out: HtabSlot[] = order.slice();
  if (old >= 0) out.splice(old, 1);
  out.splice(at, 0, Object.freeze({ key, bucket }));
  return Object.freeze(out);
}

/** Unlinks key; returns the same array if it was not there (the kernel's -ENOENT). */
export function htabUnlink(order: HtabOrder, key: string, bucket: number): HtabOrder {
  const i = find(order, key, bucket);
  if (i < 0) return order;
  const out = order.slice();
  out.splice(i, 1);
  return Object.freeze(out);
}

/**
 * BPF_MAP_GET_NEXT_KEY: the key after `key` (null for a NULL key pointer), or null for -ENOENT.
 * `bucket` is the bucket of `key` (ignored when key is null).
 */
export function htabNextKey(order: HtabOrder, key: string | null, bucket = 0): string | null {
  if (key !== null) {
    const i = find(order, key, bucket);
    if (i >= 0) return i + 1 < order.length ? order[i + 1].key : null;
  }
  return order.length > 0 ? order[0].key : null;
}

/** The keys in GET_NEXT_KEY order. */
export function htabKeys(order: HtabOrder): string[] {
  return order.map((s) => s.key);
}
