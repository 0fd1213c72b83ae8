// BPF_MAP_TYPE_BLOOM_FILTER as kernel/bpf/bloom_filter.c (Linux 6.18) computes it.
//
// Geometry (bloom_map_alloc):
//   nr_hash_funcs = map_extra & 0xf, or 5 when that is 0 (map_extra > 15 is rejected: -EINVAL)
//   nr_bits = max_entries * nr_hash_funcs; nr_bits = nr_bits / 5 * 7          (u32 arithmetic)
//   if either product overflows u32, or nr_bits > 2^31:
//       bitset_mask = U32_MAX, bitset_bytes = BITS_TO_BYTES(U32_MAX) = 2^29   (2^32 bits)
//   else nr_bits = nr_bits <= 64 ? 64 : roundup_pow_of_two(nr_bits);
//       bitset_mask = nr_bits - 1, bitset_bytes = nr_bits / 8
//   bitset_bytes = roundup(bitset_bytes, 8)
//   aligned_u32_count = value_size % 4 == 0 ? value_size / 4 : 0
//   hash_seed = 0 under BPF_F_ZERO_SEED, else get_random_u32()
// Hash i of a value (i = 0 .. nr_hash_funcs-1):
//   (aligned_u32_count ? jhash2(value words, aligned_u32_count, hash_seed + i)
//                      : jhash(value, value_size, hash_seed + i)) & bitset_mask
// push sets the k bits, peek answers 0 if all k are set, else -ENOENT.
//
// This module computes the geometry and the hashes; the bitset itself is stored by the reducer
// (packages/reducer/src/maps/bloom.ts: the non-zero u32 words of BloomData in radix nodes, word j
// holding bits 32j..32j+31, bit b at 1 << (b & 31)), checked against the live kernel's peeks in
// packages/reducer/test/maps/bloom.test.ts.

import { errno, fromHex } from '@bpfsim/events';
import { jhash } from './jhash.ts';

/** KMALLOC_MAX_SIZE on x86_64 (1 << (MAX_PAGE_ORDER + PAGE_SHIFT)), the limit of bloom_map_alloc_check. */
export const KMALLOC_MAX_SIZE = 4 << 20;
/** sizeof(struct bpf_bloom_filter) on the measured x86_64 6.18 kernel: memlock = this + bitsetBytes. */
export const BLOOM_STRUCT_SIZE = 312;

const U32_MAX = 0xffffffff;
const BPF_F_NUMA_NODE = 1 << 2;
const BPF_F_RDONLY = 1 << 3;
const BPF_F_WRONLY = 1 << 4;
const BPF_F_ZERO_SEED = 1 << 6;
const BPF_F_RDONLY_PROG = 1 << 7;
const BPF_F_WRONLY_PROG = 1 << 8;
/** BLOOM_CREATE_FLAG_MASK: BPF_F_NUMA_NODE | BPF_F_ZERO_SEED | BPF_F_ACCESS_MASK. */
export const BLOOM_CREATE_FLAG_MASK =
  BPF_F_NUMA_NODE | BPF_F_ZERO_SEED | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG;

export interface BloomGeometry {
  readonly valueSize: number;
  /** 1..15 */
  readonly nrHashFuncs: number;
  /** u32; the bitset has bitsetMask + 1 bits. */
  readonly bitsetMask: number;
  /** bytes of the bitset the kernel allocates (after the roundup to 8). */
  readonly bitsetBytes: number;
  /** value_size / 4 when value_size is a multiple of 4 (the kernel's jhash2 case), else 0 (jhash). */
  readonly alignedU32Count: number;
  /** u32; 0 under BPF_F_ZERO_SEED. */
  readonly hashSeed: number;
}

export interface BloomCreateAttr {
  readonly key_size: number;
  readonly value_size: number;
  readonly max_entries: number;
  readonly map_flags: number;
  /** u64 (a number, as in the event vocabulary). */
  readonly map_extra: number;
}

/**
 * The create-time checks of a bloom filter as the live kernel answers them (0 or -errno), in the
 * kernel's order: bloom_map_alloc_check (value_size > KMALLOC_MAX_SIZE: -E2BIG) before
 * bloom_map_alloc's -EINVAL bundle (key_size != 0, value_size 0, max_entries 0, a flag outside
 * BLOOM_CREATE_FLAG_MASK, both RDONLY and WRONLY or both RDONLY_PROG and WRONLY_PROG, map_extra > 15).
 * The generic BPF_MAP_CREATE checks of syscall.c (and the capability check) are not modelled here.
 */
export function bloomCreateErrno(a: BloomCreateAttr): number {
  if (a.value_size >>> 0 > KMALLOC_MAX_SIZE) return -errno.E2BIG;
  const f = a.map_flags >>> 0;
  if (
    a.key_size !== 0 || a.value_size === 0 || a.max_entries === 0 ||
    (f & ~BLOOM_CREATE_FLAG_MASK) !== 0 ||
    (f & (BPF_F_RDONLY | BPF_F_WRONLY)) === (BPF_F_RDONLY | BPF_F_WRONLY) ||
    (f & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) === (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG) ||
    !(a.map_extra >= 0 && a.map_extra <= 15)
  ) return -errno.EINVAL;
  return 0;
}

/** bloom_map_alloc's geometry for an attr that passed bloomCreateErrno. hashSeed: 0 for BPF_F_ZERO_SEED. */
export function bloomGeometry(valueSize: number, maxEntries: number, mapExtra: number, hashSeed = 0): BloomGeometry {
  const nrHashFuncs = (mapExtra & 0xf) || 5;
  // Exact in doubles: max_entries < 2^32, nr_hash_funcs <= 15.
  let nrBits = (maxEntries >>> 0) * nrHashFuncs;
  let overflow = nrBits > U32_MAX;
  if (!overflow) {
    nrBits = Math.floor(nrBits / 5) * 7;
    overflow = nrBits > U32_MAX || nrBits > 2 ** 31;
  }
  let bitsetBytes: number, bitsetMask: number;
  if (overflow) {
    bitsetBytes = Math.ceil(U32_MAX / 8);
    bitsetMask = U32_MAX;
  } else {
    let n = 64;
    if (nrBits > 64) while (n < nrBits) n *= 2;
    bitsetBytes = n / 8;
    bitsetMask = n - 1;
  }
  bitsetBytes = Math.ceil(bitsetBytes / 8) * 8;
  return Object.freeze({
    valueSize,
    nrHashFuncs,
    bitsetMask,
    bitsetBytes,
    alignedU32Count: (valueSize & 3) === 0 ? valueSize >>> 2 : 0,
    hashSeed: hashSeed >>> 0,
  });
}

function valueBytes(g: BloomGeometry, value: Uint8Array | string): Uint8Array {
  const v = typeof value === 'string' ? fromHex(value) : value;
  if (v.length !== g.valueSize) throw new RangeError(`bloom value has ${v.length} bytes, value_size is ${g.valueSize}`);
  return v;
}

/**
 * The bit index hash function `index` picks for `value` (hash() of bloom_filter.c: jhash2 over the
 * value's u32 words when value_size is a multiple of 4, else jhash; on a little-endian machine
 * they agree, so jhash of the bytes serves both, as in htab.ts).
 */
export function bloomHash(g: BloomGeometry, value: Uint8Array | string, index: number): number {
  const v = valueBytes(g, value);
  const seed = (g.hashSeed + index) >>> 0;
  const h = jhash(v, seed);
  return (h & g.bitsetMask) >>> 0;
}
