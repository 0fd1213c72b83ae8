// The event vocabulary: every syscall and every stimulus from outside, as plain serialisable data.
import type { AttrOf, ModelledCmd } from './attrs.ts';

/** One bpf(2) call by process `pid`. */
export type BpfEvent = { [C in ModelledCmd]: { readonly kind: 'bpf'; readonly pid: number; readonly cmd: C; readonly attr: AttrOf<C> } }[ModelledCmd];
export type BpfEventOf<C extends ModelledCmd> = Extract<BpfEvent, { cmd: C }>;

/** close(2). */
export interface CloseEvent { readonly kind: 'close'; readonly pid: number; readonly fd: number }
/** dup(2): the lowest free fd, sharing the file. */
export interface DupEvent { readonly kind: 'dup'; readonly pid: number; readonly fd: number }
/** fork(2): `child` starts with a copy of `pid`'s fd table. */
export interface ForkEvent { readonly kind: 'fork'; readonly pid: number; readonly child: number }
/** exit(2): every fd of the process is closed. */
export interface ExitEvent { readonly kind: 'exit'; readonly pid: number }
/** unlink(2) of a bpffs path (drops a pin, or removes an empty directory with `dir`). */
export interface UnlinkEvent { readonly kind: 'unlink'; readonly pid: number; readonly pathname: string; readonly dir?: boolean }
/** mkdir(2) in bpffs. */
export interface MkdirEvent { readonly kind: 'mkdir'; readonly pid: number; readonly pathname: string }
/**
 * `ip link add NAME type veth peer name PEER` (a veth pair, as the kernel registers it),
 * or without `peer` a single device. Yields the ifindex of NAME.
 */
export interface NetdevAddEvent { readonly kind: 'netdev_add'; readonly name: string; readonly peer?: string }
/** `ip link del NAME` (a veth takes its peer with it). */
export interface NetdevDelEvent { readonly kind: 'netdev_del'; readonly name: string }

/** The kernel's monotonic clock moves to `ns` (what bpf_ktime_get_ns returns); it never goes back. */
export interface TickEvent { readonly kind: 'tick'; readonly ns: number }

/** __sk_buff fields a packet arrives with (the rest follow from its bytes and device). */
export interface PacketSkb {
  readonly mark?: number; readonly priority?: number; readonly tc_index?: number; readonly queue_mapping?: number;
  readonly hash?: number; readonly cb?: readonly number[];
}
/** One frame through a device's tcx hook. */
export interface Packet {
  readonly ifindex: number;
  readonly direction: 'ingress' | 'egress';
  /** The frame from its Ethernet header, lowercase hex. */
  readonly data: string;
  readonly skb?: PacketSkb;
}
/**
 * A batch of packets through the tcx pipelines. The datapath runs them on the state as it is
 * (a frozen snapshot); what their programs wrote to maps is folded in with the event, and the
 * result's `out.verdicts` says what became of each packet.
 */
export interface PacketsEvent { readonly kind: 'packets'; readonly packets: readonly Packet[] }

export type Event =
  | BpfEvent | CloseEvent | DupEvent | ForkEvent | ExitEvent | UnlinkEvent | MkdirEvent
  | NetdevAddEvent | NetdevDelEvent | TickEvent | PacketsEvent;
export type EventKind = Event['kind'];

/** What folding an event yields: the return value (or -errno) and every field the kernel writes back. */
export interface Result {
  readonly ret: number;
  readonly out?: Readonly<Record<string, unknown>>;
}
