// Arbitraries for the events that are not bpf(2): close, dup, fork, exit, mkdir, unlink and the
// netdev stimuli, and `eventArb`, any event at all (stateless: see stateful.ts for traces whose
// events refer to what exists).
import fc from 'fast-check';
import type {
  CloseEvent, DupEvent, Event, EventKind, ExitEvent, ForkEvent, MkdirEvent, ModelledCmd, NetdevAddEvent,
  NetdevDelEvent, Packet, PacketsEvent, TickEvent, UnlinkEvent,
} from '@bpfsim/events';
import type { Universe } from '../universe.ts';
import { fdArb, hexArb, opt, pidArb, weighted, weightedConst } from './primitives.ts';
import { anyBpfEventArb, type BpfArbOptions } from './bpf.ts';

const BPFFS = /^\/sys\/fs\/bpf(\/|$)/;

export const closeArb = (u: Universe): fc.Arbitrary<CloseEvent> =>
  fc.record({ kind: fc.constant('close' as const), pid: pidArb(u), fd: fdArb(u).map((fd) => fd | 0) });
export const dupArb = (u: Universe): fc.Arbitrary<DupEvent> =>
  fc.record({ kind: fc.constant('dup' as const), pid: pidArb(u), fd: fdArb(u).map((fd) => fd | 0) });
/** fork: the child is a pid of the universe (often one that is running: -EEXIST). */
export const forkArb = (u: Universe): fc.Arbitrary<ForkEvent> =>
  fc.record({ kind: fc.constant('fork' as const), pid: pidArb(u), child: pidArb(u) });
export const exitArb = (u: Universe): fc.Arbitrary<ExitEvent> => fc.record({ kind: fc.constant('exit' as const), pid: pidArb(u) });

/** Paths mkdir and unlink take: bpffs only (validateEvent refuses others). */
const bpffsPathArb = (u: Universe): fc.Arbitrary<string> => weighted(
  [6, fc.constantFrom(...u.dirs)], [4, fc.constantFrom(...u.pins)], [1, fc.constantFrom(...u.oddPaths.filter((p) => BPFFS.test(p)))],
);
export const mkdirArb = (u: Universe): fc.Arbitrary<MkdirEvent> =>
  fc.record({ kind: fc.constant('mkdir' as const), pid: pidArb(u), pathname: bpffsPathArb(u) });
export const unlinkArb = (u: Universe): fc.Arbitrary<UnlinkEvent> =>
  fc.tuple(pidArb(u), bpffsPathArb(u), weightedConst<boolean | undefined>([4, undefined], [2, true], [1, false]))
    .map(([pid, pathname, dir]) => (dir === undefined ? { kind: 'unlink', pid, pathname } : { kind: 'unlink', pid, pathname, dir }));

/** `ip link add`: one of the universe's veth pairs, now and then without a peer name or crossed. */
export const netdevAddArb = (u: Universe): fc.Arbitrary<NetdevAddEvent> => weighted<NetdevAddEvent>(
  [10, fc.constantFrom(...u.veths).map(([name, peer]) => ({ kind: 'netdev_add', name, peer }))],
  [1, fc.constantFrom(...u.veths).map(([name]) => ({ kind: 'netdev_add', name }))],
  [1, fc.tuple(fc.constantFrom(...u.veths), fc.constantFrom(...u.veths)).map(([[a], [, b]]) => ({ kind: 'netdev_add', name: a, peer: b }))],
);
/** `ip link del`: either end of a pair, or a name that is no (deletable) device. */
export const netdevDelArb = (u: Universe): fc.Arbitrary<NetdevDelEvent> => weighted(
  [8, fc.constantFrom(...u.veths.flat())], [1, fc.constantFrom(...u.oddNetdevs)],
).map((name) => ({ kind: 'netdev_del', name }));

/** The clock moves to `ns` (the stateful layer makes it move forward, mostly). */
export const tickArb = (): fc.Arbitrary<TickEvent> =>
  weighted([8, fc.integer({ min: 0, max: 10_000_000_000 })], [1, fc.constantFrom(0, Number.MAX_SAFE_INTEGER)]).map((ns) => ({ kind: 'tick', ns }));

/** An Ethernet frame: IPv4 / UDP-ish bytes after a 14-byte header, or a runt. */
const frameArb = (): fc.Arbitrary<string> => weighted(
  [6, fc.tuple(hexArb(12), fc.constantFrom('0800', '86dd', '0806'), fc.integer({ min: 20, max: 64 }).chain(hexArb)).map(([mac, type, body]) => mac + type + body)],
  [1, fc.integer({ min: 0, max: 13 }).chain(hexArb)],
);

/** One packet through a device's tcx hook (ifindex among the first few; the stateful layer aims it). */
export const packetArb = (): fc.Arbitrary<Packet> => fc.record({
  ifindex: weighted([8, fc.integer({ min: 1, max: 7 })], [1, fc.constantFrom(0, 77)]),
  direction: fc.constantFrom('ingress' as const, 'egress' as const),
  data: frameArb(),
  skb: opt(fc.record({ mark: opt(fc.nat({ max: 0xffffffff }), 1, 1), priority: opt(fc.nat({ max: 7 }), 1, 2) }).map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))), 1, 3),
}).map((p) => (p.skb === undefined ? { ifindex: p.ifindex, direction: p.direction, data: p.data } : p as Packet));

/** A batch of packets through the tcx pipelines (the model's datapath; the live kernel oracle does not run these). */
export const packetsArb = (): fc.Arbitrary<PacketsEvent> =>
  fc.array(packetArb(), { minLength: 0, maxLength: 4 }).map((packets) => ({ kind: 'packets', packets }));

/**
 * Relative weights of event kinds; `bpf` is split further by command weights. `tick` and `packets`
 * are 0: the oracle runs syscalls only (it refuses them), so differential runs must not draw them;
 * model-only runs can turn them on.
 */
export type KindWeights = { readonly [K in EventKind]: number };
export const DEFAULT_KIND_WEIGHTS: KindWeights = Object.freeze({
  bpf: 200, close: 16, dup: 6, fork: 4, exit: 3, mkdir: 4, unlink: 5, netdev_add: 6, netdev_del: 3, tick: 0, packets: 0,
});

export interface EventArbOptions extends BpfArbOptions {
  readonly kinds?: Partial<KindWeights>;
  readonly cmds?: Partial<Record<ModelledCmd, number>>;
}

/** Any well-formed event of the universe (validateEvent accepts it), kinds and commands by weight. */
export function eventArb(u: Universe, o: EventArbOptions = {}): fc.Arbitrary<Event> {
  const w = { ...DEFAULT_KIND_WEIGHTS, ...o.kinds };
  const byKind: { [K in EventKind]: () => fc.Arbitrary<Event> } = {
    bpf: () => anyBpfEventArb(u, o, o.cmds), close: () => closeArb(u), dup: () => dupArb(u), fork: () => forkArb(u),
    exit: () => exitArb(u), mkdir: () => mkdirArb(u), unlink: () => unlinkArb(u), netdev_add: () => netdevAddArb(u), netdev_del: () => netdevDelArb(u),
    tick: () => tickArb(), packets: () => packetsArb(),
  };
  return weighted(...(Object.keys(byKind) as EventKind[]).map((k) => [w[k], byKind[k]()] as const));
}
