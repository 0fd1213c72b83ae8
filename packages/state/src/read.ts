// Reading map elements from kernel state, for the reducer and for the datapath alike.
import { fromHex } from '@bpfsim/events';
import type { ArrayData, BloomData, HashData, MapShape } from './mapdata.ts';
import { PLAIN_ACCESS, radixDepth, radixGet, type RadixAccess } from './radix.ts';
import { htabBucket } from './htab.ts';
import { bloomGeometry, bloomHash } from './bloom.ts';

type Bucket = readonly (readonly [string, string])[];

/** The little-endian u32 index a 4-byte array key names. */
export const arrayIndex = (key: string) => parseInt(key.slice(6, 8) + key.slice(4, 6) + key.slice(2, 4) + key.slice(0, 2), 16);

/** An array element (zeros until written), or undefined past max_entries. `access`: see RadixAccess. */
export function arrayValue(m: MapShape, key: string, access: RadixAccess = PLAIN_ACCESS): string | undefined {
  const i = arrayIndex(key);
  if (i >= m.max_entries) return undefined;
  const values = access.read(access.read(m, 'data') as ArrayData, 'values') as ArrayData['values'];
  return (radixGet(values, radixDepth(m.max_entries), i, access) as string | undefined) ?? '00'.repeat(m.value_size);
}

export function hashBucketOf(d: HashData, key: string): number {
  return htabBucket(key, d.n_buckets, d.hashrnd);
}

/** The elements of one hash bucket, newest first. */
export function hashBucket(d: HashData, b: number, access: RadixAccess = PLAIN_ACCESS): Bucket {
  return (radixGet(access.read(d, 'buckets') as HashData['buckets'], radixDepth(d.n_buckets), b, access) as Bucket | undefined) ?? [];
}

/** A hash map's value for `key`, or undefined. */
export function hashFind(d: HashData, key: string, access: RadixAccess = PLAIN_ACCESS): string | undefined {
  return hashBucket(d, hashBucketOf(d, key), access).find((e) => e[0] === key)?.[1];
}

export function hashValue(m: MapShape, key: string): string | undefined {
  return hashFind(m.data as HashData, key);
}

export function bloomGeometryOf(m: MapShape) {
  return bloomGeometry(m.value_size, m.max_entries, m.map_extra, (m.data as BloomData).hash_seed);
}

/** The radix depth of a bloom filter's word store. */
export const bloomDepth = (d: BloomData) => radixDepth(Math.floor(d.bitset_mask / 32) + 1);

/** bloom_map_peek_elem: present only if every hash's bit is set. */
export function bloomHas(m: MapShape, value: string): boolean {
  const d = m.data as BloomData;
  const g = bloomGeometryOf(m);
  const bytes = fromHex(value), depth = bloomDepth(d);
  for (let i = 0; i < d.nr_hash_funcs; i++) {
    const bit = bloomHash(g, bytes, i);
    const word = (radixGet(d.words, depth, Math.floor(bit / 32)) as number | undefined) ?? 0;
    if (!(word & (1 << (bit % 32)))) return false;
  }
  return true;
}
