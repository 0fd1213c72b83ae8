// Kernel state: many small nodes, so that an event's draft copies little (see bench/fold.ts).
import type { Insn } from '@bpfsim/events';

export type ObjKind = 'prog' | 'map' | 'link' | 'file';
/** Kinds of BPF object that have ids and reference counts. */
export type BpfObjKind = Exclude<ObjKind, 'file'>;
/** The state table each kind of BPF object lives in. */
export const TABLE_OF = { prog: 'progs', map: 'maps', link: 'links' } as const satisfies Record<BpfObjKind, string>;

/** An open fd: the object its file refers to and the file's access mode (f_mode of a map fd). */
export interface FdEntry { readonly kind: ObjKind; readonly id: number; readonly mode?: FileMode }
/** 'ro' / 'wo' for a map fd opened with BPF_F_RDONLY / BPF_F_WRONLY; absent for read-write. */
export type FileMode = 'ro' | 'wo';

export interface Proc { readonly pid: number; readonly fds: Readonly<Record<number, FdEntry>> }

export interface Prog {
  readonly id: number;
  /** References held by fds, pins, links, attachments and prog arrays. */
  readonly refs: number;
  readonly prog_type: number;
  readonly expected_attach_type: number;
  readonly name: string;
  readonly tag: string;
  readonly gpl_compatible: boolean;
  readonly insns: readonly Insn[];
  /** Maps the program references (each holds a map reference), in the order the verifier found them. */
  readonly map_ids: readonly number[];
  /** Sequence number of the load, for `bpftool prog show`-style ordering of equal ids after wrap. */
  readonly prog_flags: number;
}

export interface BpfMap {
  readonly id: number;
  readonly refs: number;
  readonly map_type: number;
  readonly key_size: number;
  readonly value_size: number;
  readonly max_entries: number;
  readonly map_flags: number;
  readonly map_extra: number;
  readonly name: string;
  readonly frozen: boolean;
  readonly data: MapData;
}

export type { MapData, ArrayData, HashData, BloomData, ProgArrayData, ProgArrayOwner, RadixNode } from '@bpfsim/state';
import type { MapData } from '@bpfsim/state';

export interface Link {
  readonly id: number;
  readonly refs: number;
  readonly type: number;
  readonly prog_id: number;
  readonly attach_type: number;
  /** The device a tcx link is attached to; 0 once detached (BPF_LINK_DETACH or device gone). */
  readonly ifindex: number;
}

export interface Netdev {
  readonly ifindex: number;
  readonly name: string;
  readonly peer: number;
  /** dev->tcx_ingress / dev->tcx_egress: present only while programs are attached (see tcx/). */
  readonly tcx_ingress?: MprogEntry;
  readonly tcx_egress?: MprogEntry;
}

/** One slot of a bpf_mprog attach point: the program it runs and the link owning it (0: attached by BPF_PROG_ATTACH). */
export interface MprogItem { readonly prog_id: number; readonly link_id: number }

/**
 * A bpf_mprog bundle (a tcx_entry). The kernel allocates it on the first attach, with revision 1,
 * and frees it when the last program goes, so an attach point with nothing attached has none.
 */
export interface MprogEntry {
  /** bpf_mprog_bundle.revision: bumped by every successful attach, replace, update and detach. */
  readonly revision: number;
  /** The control path (bpf_mprog_cp with each slot's program), in run order; at most 63. */
  readonly items: readonly MprogItem[];
  /** The fast path (bpf_mprog_fp): the prog ids the datapath runs, in order, derived from items. */
  readonly fp: readonly number[];
}

/** A bpffs inode: a directory, or a pin holding a reference to its object. */
export type BpffsNode = { readonly kind: 'dir' } | { readonly kind: ObjKind; readonly id: number };

export interface IdCursors { readonly prog: number; readonly map: number; readonly link: number }

export interface KernelState {
  /** xorshift32 state: the only source of kernel randomness (hash seeds), seeded by the trace. */
  readonly rng: number;
  readonly procs: Readonly<Record<number, Proc>>;
  readonly progs: Readonly<Record<number, Prog>>;
  readonly maps: Readonly<Record<number, BpfMap>>;
  readonly links: Readonly<Record<number, Link>>;
  /** The next id each idr tries (idr_alloc_cyclic's cursor). */
  readonly nextId: IdCursors;
  readonly netdevs: Readonly<Record<number, Netdev>>;
  /** The network namespace's next ifindex to try. */
  readonly nextIfindex: number;
  /** bpffs mounted at BPFFS_ROOT: path (relative to the mount) -> node. */
  readonly bpffs: Readonly<Record<string, BpffsNode>>;
  /** The monotonic clock (ns), moved by tick events; what bpf_ktime_get_ns returns. */
  readonly clock_ns: number;
}

export const BPFFS_ROOT = '/sys/fs/bpf';
/** RLIMIT_NOFILE's default soft limit: fds 0..1023. */
export const NOFILE = 1024;
