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

export type Event =
  | BpfEvent | CloseEvent | DupEvent | ForkEvent | ExitEvent | UnlinkEvent | MkdirEvent
  | NetdevAddEvent | NetdevDelEvent;
export type EventKind = Event['kind'];

/** What folding an event yields: the return value (or -errno) and every field the kernel writes back. */
export interface Result {
  readonly ret: number;
  readonly out?: Readonly<Record<string, unknown>>;
}
