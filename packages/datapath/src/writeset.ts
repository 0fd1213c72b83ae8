// What a batch (or a test run) wrote to maps, for the reducer to fold as one event.
//
// One entry per element that ended the batch different from the snapshot, in the order that
// reproduces the kernel's final state when applied one by one:
//
//   { map_id, key, value }            an update (bpf_map_update_elem). For a hash map the element
//                                     goes to the head of its bucket, as in the kernel; entries are
//                                     ordered by each key's last update/delete, so applying them in
//                                     order leaves every bucket in the kernel's order.
//   { map_id, key, value, in_place }  the value changed only through a pointer from
//                                     bpf_map_lookup_elem (or an ld_imm64 map value): the element
//                                     keeps its place in its bucket. For an array this is the same as
//                                     an update.
//   { map_id, key, delete: true }     bpf_map_delete_elem of an element the snapshot had.
//   { map_id, key: '', value, push }  bpf_map_push_elem on a bloom filter (BPF_MAP_UPDATE_ELEM with
//                                     no key).
//
// Keys and values are lowercase hex of key_size / value_size bytes. A key inserted and deleted
// within the batch leaves no entry; an update to the value the element already had is kept for
// hash maps (it moves the element) and dropped for arrays.

export type WriteOp =
  | { readonly map_id: number; readonly key: string; readonly value: string; readonly in_place?: true; readonly push?: true }
  | { readonly map_id: number; readonly key: string; readonly delete: true };

export type WriteSet = readonly WriteOp[];
