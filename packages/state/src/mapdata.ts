// How map elements are stored in kernel state: chunked into small nodes (see radix.ts), so that
// writing one element copies a few small nodes. The reducer writes this shape; the datapath and
// any other reader read it through read.ts.

/** A radix node: at most 64 keys, or leaves at the last level. */
export interface RadixNode<T> { readonly [k: number]: RadixNode<T> | T }

export type MapData = ArrayData | HashData | BloomData | ProgArrayData;

/** BPF_MAP_TYPE_ARRAY: index -> value hex, only elements ever written non-zero. */
export interface ArrayData { readonly kind: 'array'; readonly values: RadixNode<string> }

/** BPF_MAP_TYPE_HASH. */
export interface HashData {
  readonly kind: 'hash';
  readonly hashrnd: number;
  readonly n_buckets: number;
  count: number;
  /** bucket index -> elements in kernel order (newest first), as [key hex, value hex]. */
  readonly buckets: RadixNode<readonly (readonly [string, string])[]>;
}

/** BPF_MAP_TYPE_BLOOM_FILTER. */
export interface BloomData {
  readonly kind: 'bloom';
  readonly nr_hash_funcs: number;
  readonly hash_seed: number;
  readonly bitset_mask: number;
  /** u32 word index -> word, only the non-zero words. */
  readonly words: RadixNode<number>;
}

/**
 * BPF_MAP_TYPE_PROG_ARRAY: index -> prog id, only the occupied slots (the array holds a reference on
 * each), and the map's owner once set (map->owner: by the first program inserted or loaded
 * referencing the map; it never changes after).
 */
export interface ProgArrayData { readonly kind: 'prog_array'; readonly progs: RadixNode<number>; readonly owner?: ProgArrayOwner }

/** What __bpf_prog_map_compatible() compares, of the bpfsim programs (all JITed, no cgroup storage, no BTF). */
export interface ProgArrayOwner {
  readonly prog_type: number;
  readonly expected_attach_type: number;
  readonly xdp_has_frags: boolean;
}

/** What a reader needs of a map besides its data. */
export interface MapShape {
  readonly key_size: number;
  readonly value_size: number;
  readonly max_entries: number;
  readonly map_extra: number;
  readonly data: MapData;
}
