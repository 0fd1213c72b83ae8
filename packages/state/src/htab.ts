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
// This module computes the hash and the bucket; the buckets themselves are stored by the reducer
// (packages/reducer/src/maps/hash.ts, on HashData radix nodes), whose storage is checked against
// the live kernel's walks in packages/reducer/test/maps/hash.test.ts.

import { jhash } from './jhash.ts';

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

// A scratch buffer for hex keys, so that hashing a key allocates nothing.
let scratch = new Uint8Array(64);

function hexNibble(c: number): number {
  return c <= 57 ? c - 48 : (c | 32) - 87; // '0'-'9', 'a'-'f' (or 'A'-'F')
}

/**
 * htab_map_hash: the u32 hash of a key (bytes or lowercase hex), with hashrnd (0 under
 * BPF_F_ZERO_SEED). The kernel takes jhash2 over the key's u32 words when key_size is a multiple
 * of 4, else jhash over its bytes; on a little-endian machine the two agree (lookup3's hashword and
 * hashlittle; test/jhash.test.ts), so jhash of the bytes serves both.
 */
export function htabHash(key: Uint8Array | string, hashrnd = 0): number {
  if (typeof key !== 'string') return jhash(key, hashrnd);
  const n = key.length >>> 1;
  if (n > scratch.length) scratch = new Uint8Array((n + 63) & ~63);
  for (let i = 0; i < n; i++) scratch[i] = (hexNibble(key.charCodeAt(2 * i)) << 4) | hexNibble(key.charCodeAt(2 * i + 1));
  return jhash(scratch, hashrnd, n);
}

/** The bucket index of a key: htab_map_hash(key) & (n_buckets - 1). */
export function htabBucket(key: Uint8Array | string, nBuckets: number, hashrnd = 0): number {
  return (htabHash(key, hashrnd) & (nBuckets - 1)) >>> 0;
}
