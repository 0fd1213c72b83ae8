// The part of the frozen kernel state the datapath reads, declared structurally so that the
// reducer's KernelState is a Snapshot without the datapath importing the reducer. The datapath
// never writes any of it: runs collect their map writes in an overlay (maps/overlay.ts) and
// return them as a write set for the reducer to fold.
import type { Insn } from '@bpfsim/events';
import type { MapData, ProgArrayData } from '@bpfsim/state';

export interface SnapshotProg {
  readonly id: number;
  readonly prog_type: number;
  readonly tag: string;
  readonly insns: readonly Insn[];
  /** The maps the program references, in the order the program first names them (see compile/link.ts). */
  readonly map_ids: readonly number[];
}

/**
 * BPF_MAP_TYPE_PROG_ARRAY elements (@bpfsim/state): index -> prog id, only the occupied slots, in
 * the radix storage of @bpfsim/state (depth radixDepth(max_entries)).
 */
export type { ProgArrayData };

export type SnapshotMapData = MapData;

export interface SnapshotMap {
  readonly id: number;
  readonly map_type: number;
  readonly key_size: number;
  readonly value_size: number;
  readonly max_entries: number;
  readonly map_flags: number;
  readonly map_extra: number;
  readonly data: SnapshotMapData;
}

/** dev->tcx_ingress / tcx_egress: only the fast path is read. */
export interface SnapshotMprog { readonly fp: readonly number[] }

export interface SnapshotNetdev {
  readonly ifindex: number;
  readonly tcx_ingress?: SnapshotMprog;
  readonly tcx_egress?: SnapshotMprog;
}

export interface Snapshot {
  readonly progs: Readonly<Record<number, SnapshotProg>>;
  readonly maps: Readonly<Record<number, SnapshotMap>>;
  readonly netdevs: Readonly<Record<number, SnapshotNetdev>>;
}
