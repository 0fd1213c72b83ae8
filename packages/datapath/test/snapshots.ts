// Hand-built snapshots for tests: frozen deeply, as the reducer's state is.
import type { Insn } from '@bpfsim/events';
import { bpf_map_type, bpf_prog_type } from '@bpfsim/events';
import { htabBucket, radixDepth, radixSet, roundupPowOfTwo, type RadixNode } from '@bpfsim/state';
import type { Snapshot, SnapshotMap, SnapshotProg } from '../src/snapshot.ts';

export function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as object)) deepFreeze(v);
  }
  return o;
}

/** A stand-in for the kernel's tag (sha1 of the insns): distinct programs get distinct tags, so the compile cache tells them apart. */
function tagOf(insns: readonly Insn[]): string {
  let h = 0x811c9dc5, g = 0x01000193;
  for (const i of insns) for (const v of [i.code, i.dst_reg, i.src_reg, i.off, i.imm]) { h = Math.imul(h ^ v, 0x01000193); g = Math.imul(g ^ v, 0x85ebca6b) ^ (g >>> 13); }
  return (h >>> 0).toString(16).padStart(8, '0') + (g >>> 0).toString(16).padStart(8, '0');
}

export const prog = (id: number, insns: readonly Insn[], map_ids: readonly number[] = [], prog_type = bpf_prog_type.BPF_PROG_TYPE_SCHED_CLS): SnapshotProg =>
  ({ id, prog_type, tag: tagOf(insns), insns, map_ids });

const base = (id: number, map_type: number, key_size: number, value_size: number, max_entries: number) =>
  ({ id, map_type, key_size, value_size, max_entries, map_flags: 0, map_extra: 0 });

/** An array map with the given elements (index -> value hex). */
export function arrayMap(id: number, value_size: number, max_entries: number, elems: Record<number, string> = {}): SnapshotMap {
  const values: RadixNode<string> = {};
  for (const [i, v] of Object.entries(elems)) radixSet(values, radixDepth(max_entries), Number(i), v);
  return { ...base(id, bpf_map_type.BPF_MAP_TYPE_ARRAY, 4, value_size, max_entries), data: { kind: 'array', values } };
}

/** A hash map (hashrnd 0) with the given elements, inserted in order (so the last is each bucket's head). */
export function hashMap(id: number, key_size: number, value_size: number, max_entries: number, elems: [string, string][] = []): SnapshotMap {
  const n_buckets = roundupPowOfTwo(max_entries);
  const buckets: Record<number, [string, string][]> = {};
  for (const [k, v] of elems) {
    const b = htabBucket(k, n_buckets, 0);
    buckets[b] = [[k, v], ...(buckets[b] ?? []).filter((e) => e[0] !== k)];
  }
  const root: RadixNode<readonly (readonly [string, string])[]> = {};
  for (const [b, list] of Object.entries(buckets)) radixSet(root, radixDepth(n_buckets), Number(b), list);
  return { ...base(id, bpf_map_type.BPF_MAP_TYPE_HASH, key_size, 0, max_entries), value_size, data: { kind: 'hash', hashrnd: 0, n_buckets, count: elems.length, buckets: root } };
}

/** A prog array (index -> prog id). */
export function progArray(id: number, max_entries: number, slots: Record<number, number>): SnapshotMap {
  const progs: RadixNode<number> = {};
  for (const [i, p] of Object.entries(slots)) radixSet(progs, radixDepth(max_entries), Number(i), p);
  return { ...base(id, bpf_map_type.BPF_MAP_TYPE_PROG_ARRAY, 4, 4, max_entries), data: { kind: 'prog_array', progs } };
}

export function snapshot(progs: SnapshotProg[], maps: SnapshotMap[] = [], netdevs: Snapshot['netdevs'] = { 1: { ifindex: 1 } }): Snapshot {
  return deepFreeze({
    progs: Object.fromEntries(progs.map((p) => [p.id, p])),
    maps: Object.fromEntries(maps.map((m) => [m.id, m])),
    netdevs,
  });
}
