// Building blocks: pids, fds, ids, byte strings, flag words and enum values over a Universe.
import fc from 'fast-check';
import {
  bpf_attach_type, bpf_map_type, bpf_prog_type, toHex,
  type BpfAttachTypeName, type BpfMapTypeName, type BpfProgTypeName,
} from '@bpfsim/events';
import type { Universe } from '../universe.ts';

/** A weighted choice between arbitraries (fc.oneof's `{ arbitrary, weight }` with a terser spelling). */
export function weighted<T>(...choices: readonly (readonly [number, fc.Arbitrary<T>])[]): fc.Arbitrary<T> {
  const live = choices.filter(([w]) => w > 0);
  if (!live.length) throw new Error('weighted: every weight is 0');
  for (const [w] of live) if (!Number.isInteger(w)) throw new Error(`weighted: weight ${w} is not an integer`);
  return fc.oneof(...live.map(([weight, arbitrary]) => ({ weight, arbitrary })));
}

/** A weighted choice between constants. */
export function weightedConst<T>(...choices: readonly (readonly [number, T])[]): fc.Arbitrary<T> {
  return weighted(...choices.map(([w, v]) => [w, fc.constant(v)] as const));
}

export const pidArb = (u: Universe): fc.Arbitrary<number> => fc.constantFrom(...u.pids);

/** An fd: mostly 0..maxFd (likely open), now and then one that never is. */
export const fdArb = (u: Universe): fc.Arbitrary<number> =>
  weighted([9, fc.integer({ min: 0, max: u.maxFd })], [1, fc.constantFrom(...u.farFds)]);

/** An object id as the trace means it (the n-th object of its kind the trace created is id n). */
export const idArb: fc.Arbitrary<number> = weighted(
  [6, fc.integer({ min: 1, max: 6 })], [2, fc.constant(0)], [1, fc.constantFrom(99, 0x7fffffff, 0xffffffff)],
);

/** `n` random bytes as lowercase hex. */
export const hexArb = (n: number): fc.Arbitrary<string> =>
  n === 0 ? fc.constant('') : fc.uint8Array({ minLength: n, maxLength: n }).map(toHex);

/** A little-endian u32 key from a small range, so that keys repeat (updates hit existing elements). */
export const smallKeyArb = (size: number): fc.Arbitrary<string> =>
  fc.integer({ min: 0, max: 7 }).map((k) => {
    const b = new Uint8Array(size);
    if (size > 0) b[0] = k;
    return toHex(b);
  });

/** Key or value bytes: mostly `size` bytes (small values), sometimes a wrong length. */
export const sizedBytesArb = (size: number, wrong: readonly number[] = [0, 2, 16]): fc.Arbitrary<string> =>
  weighted([8, smallKeyArb(size)], [2, hexArb(size)], [1, fc.constantFrom(...wrong).chain(hexArb)]);

/**
 * A flag word: each of `known` bits set with probability 1/`oneIn`, and now and then a bit the
 * kernel does not know (`unknown`).
 */
export function flagsArb(known: readonly number[], unknown: readonly number[] = [1 << 20], oneIn = 4): fc.Arbitrary<number> {
  const bits = fc.tuple(...known.map((b) => fc.integer({ min: 0, max: oneIn - 1 }).map((x) => (x === 0 ? b : 0))));
  const base = known.length ? bits.map((xs) => xs.reduce((a, b) => (a | b) >>> 0, 0)) : fc.constant(0);
  if (!unknown.length) return base;
  return weighted([12, base], [1, fc.tuple(base, fc.constantFrom(...unknown)).map(([a, b]) => (a | b) >>> 0)]);
}

/** An enum value: mostly by name, sometimes as its number (the kernel accepts both). */
function enumArb<N extends string>(table: Readonly<Record<N, number>>, names: readonly N[]): fc.Arbitrary<N | number> {
  return fc.constantFrom(...names).chain((n) => weightedConst<N | number>([4, n], [1, table[n]]));
}

export const MODELLED_MAP_TYPES = ['BPF_MAP_TYPE_HASH', 'BPF_MAP_TYPE_ARRAY', 'BPF_MAP_TYPE_BLOOM_FILTER'] as const satisfies readonly BpfMapTypeName[];
export type ModelledMapType = (typeof MODELLED_MAP_TYPES)[number];

/** A map type bpfsim models, by name or number. */
export const modelledMapTypeArb = (): fc.Arbitrary<ModelledMapType | number> => enumArb(bpf_map_type, MODELLED_MAP_TYPES);

/** Map types the kernel has and bpfsim does not model (README: "Not modelled"). */
export const OTHER_MAP_TYPES = ['BPF_MAP_TYPE_PERCPU_HASH', 'BPF_MAP_TYPE_PERCPU_ARRAY', 'BPF_MAP_TYPE_LRU_HASH', 'BPF_MAP_TYPE_QUEUE', 'BPF_MAP_TYPE_RINGBUF'] as const satisfies readonly BpfMapTypeName[];

/** Program types a plain `r0 = K; exit` program loads as, without BTF or an attach target. */
export const PLAIN_PROG_TYPES = [
  'BPF_PROG_TYPE_SCHED_CLS', 'BPF_PROG_TYPE_SCHED_ACT', 'BPF_PROG_TYPE_XDP', 'BPF_PROG_TYPE_SOCKET_FILTER',
  'BPF_PROG_TYPE_CGROUP_SKB', 'BPF_PROG_TYPE_KPROBE', 'BPF_PROG_TYPE_TRACEPOINT',
] as const satisfies readonly BpfProgTypeName[];

/** A program type: mostly SCHED_CLS (the one tcx takes), then the other plain ones, then invalid ones. */
export const progTypeArb = (): fc.Arbitrary<string | number> => weighted<string | number>(
  [12, weightedConst<string | number>([4, 'BPF_PROG_TYPE_SCHED_CLS'], [1, bpf_prog_type.BPF_PROG_TYPE_SCHED_CLS])],
  [4, enumArb(bpf_prog_type, PLAIN_PROG_TYPES)],
  [1, fc.constantFrom<string | number>('BPF_PROG_TYPE_UNSPEC', 'BPF_PROG_TYPE_LIRC_MODE2', 999)],
);

export const TCX_ATTACH_TYPES = ['BPF_TCX_INGRESS', 'BPF_TCX_EGRESS'] as const satisfies readonly BpfAttachTypeName[];

/**
 * An attach type for the tcx commands: mostly tcx ingress / egress, now and then one refused
 * before any attach point is looked at, or whose attach point is of another kind.
 */
export const attachTypeArb = (): fc.Arbitrary<string | number> => weighted<string | number>(
  [20, enumArb(bpf_attach_type, TCX_ATTACH_TYPES)],
  [1, fc.constantFrom<string | number>('BPF_XDP', 'BPF_CGROUP_INET_INGRESS', 'BPF_NETKIT_PRIMARY', 200)],
);

/** expected_attach_type at load: mostly none, else a tcx direction, now and then another. */
export const expectedAttachTypeArb = (): fc.Arbitrary<string | number | undefined> => weighted<string | number | undefined>(
  [10, fc.constant(undefined)], [3, enumArb(bpf_attach_type, TCX_ATTACH_TYPES)],
  [1, fc.constantFrom<string | number>('BPF_CGROUP_INET_INGRESS', 'BPF_XDP', 0)],
);

/** Drops the keys whose value is undefined (fc.record with optional keys leaves none; maps may). */
export function compact<T extends Record<string, unknown>>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}

/** `arb` or, with weight `absent` against `present`, undefined (a field left out). */
export function opt<T>(arb: fc.Arbitrary<T>, present = 1, absent = 1): fc.Arbitrary<T | undefined> {
  return weighted<T | undefined>([absent, fc.constant(undefined)], [present, arb]);
}

/** fc.record whose fields may be undefined (see opt), with the undefined ones dropped. */
export function attrRecord<T extends Record<string, unknown>>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model).map((o) => compact(o as T));
}
