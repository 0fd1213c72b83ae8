// One arbitrary per modelled bpf(2) command: its attr, drawn over a Universe. Every value they
// produce passes validateEvent; many are values the kernel refuses (bad fds, flags, sizes, ids),
// which is the point: the fold must answer the kernel's errno for those too.
//
// These are *stateless*: an fd is a small number that may or may not be open. The stateful layer
// (stateful.ts) takes these events and points their fds, ids, keys, paths and ifindexes at objects
// that exist at that moment of the trace.
import fc from 'fast-check';
import {
  BPF_ANY, BPF_EXIST, BPF_F_AFTER, BPF_F_ALLOW_MULTI, BPF_F_ALLOW_OVERRIDE, BPF_F_BEFORE, BPF_F_ID, BPF_F_INNER_MAP,
  BPF_F_LINK, BPF_F_LOCK, BPF_F_MMAPABLE, BPF_F_NO_PREALLOC, BPF_F_NUMA_NODE, BPF_F_PRESERVE_ELEMS, BPF_F_RDONLY,
  BPF_F_RDONLY_PROG, BPF_F_REPLACE, BPF_F_WRONLY, BPF_F_WRONLY_PROG, BPF_F_ZERO_SEED, BPF_NOEXIST,
  bpf_map_type, type AttrOf, type BpfEventOf, type ModelledCmd,
} from '@bpfsim/events';
import type { Universe } from '../universe.ts';
import {
  OTHER_MAP_TYPES, attachTypeArb, attrRecord, expectedAttachTypeArb, fdArb, flagsArb, hexArb, idArb,
  modelledMapTypeArb, opt, pidArb, progTypeArb, sizedBytesArb, weighted, weightedConst,
} from './primitives.ts';
import { programArb } from './programs.ts';

/** Knobs of the bpf arbitraries. Weights are relative to the ordinary cases; 0 turns a case off. */
export interface BpfArbOptions {
  /**
   * BPF_MAP_CREATE of map types bpfsim does not model (PERCPU_HASH, LRU_HASH, ...): validateEvent
   * refuses them, so they exercise that refusal, not the kernel. Default 0.
   */
  readonly unmodelledMapTypes?: number;
  /** BPF_PROG_LOAD of programs only the verifier's walk rejects (programs.ts DYNAMIC_DEFECTS). Default 0. */
  readonly verifierDefects?: number;
}

type Attr = Record<string, unknown>;
type AttrArb = (u: Universe, o: BpfArbOptions) => fc.Arbitrary<Attr>;

const MAP_NAMES = ['m', 'counters', 'x_1', 'has space', 'sixteen_chars_xx', 'a.b'];
const PROG_NAMES = ['p', 'tc_main', 'bad-name', 'fifteen_chars_x', 'a_very_long_name_'];

/** The map_flags a create draws from (BPF_F_ZERO_SEED is added for hash and bloom when u.zeroSeed). */
const MAP_FLAG_BITS = [BPF_F_NO_PREALLOC, BPF_F_RDONLY, BPF_F_WRONLY, BPF_F_RDONLY_PROG, BPF_F_WRONLY_PROG, BPF_F_MMAPABLE, BPF_F_PRESERVE_ELEMS, BPF_F_INNER_MAP, BPF_F_NUMA_NODE];

/** Sizes by map kind: mostly ones the kernel accepts, sometimes not. */
function mapSizes(kind: 'hash' | 'array' | 'bloom' | 'other'): fc.Arbitrary<{ key_size: number; value_size: number; max_entries: number; map_extra?: number }> {
  const entries = weightedConst([6, 4], [2, 1], [2, 8], [1, 64], [1, 0]);
  switch (kind) {
    case 'hash': return attrRecord({ key_size: weightedConst([10, 4], [2, 8], [1, 1], [1, 0]), value_size: weightedConst([8, 8], [3, 4], [1, 1], [1, 0]), max_entries: entries, map_extra: opt(fc.constantFrom(0, 1), 1, 20) });
    case 'array': return attrRecord({ key_size: weightedConst([12, 4], [1, 8], [1, 0]), value_size: weightedConst([8, 8], [3, 4], [1, 0]), max_entries: entries, map_extra: opt(fc.constant(1), 1, 20) });
    case 'bloom': return attrRecord({ key_size: weightedConst([12, 0], [1, 4]), value_size: weightedConst([6, 4], [3, 8], [1, 0]), max_entries: weightedConst([6, 16], [2, 100], [1, 0]), map_extra: opt(fc.integer({ min: 0, max: 16 }), 1, 2) });
    case 'other': return attrRecord({ key_size: fc.constantFrom(0, 4), value_size: fc.constantFrom(4, 8), max_entries: fc.constantFrom(4, 4096) });
  }
}

const KIND: Record<string | number, 'hash' | 'array' | 'bloom'> = {
  BPF_MAP_TYPE_HASH: 'hash', [bpf_map_type.BPF_MAP_TYPE_HASH]: 'hash',
  BPF_MAP_TYPE_ARRAY: 'array', [bpf_map_type.BPF_MAP_TYPE_ARRAY]: 'array',
  BPF_MAP_TYPE_BLOOM_FILTER: 'bloom', [bpf_map_type.BPF_MAP_TYPE_BLOOM_FILTER]: 'bloom',
};

const mapCreate: AttrArb = (u, o) => weighted<{ map_type: string | number; kind: 'hash' | 'array' | 'bloom' | 'other' }>(
  [30, modelledMapTypeArb().map((t) => ({ map_type: t, kind: KIND[t] }))],
  [1, fc.constantFrom<string | number>('BPF_MAP_TYPE_UNSPEC', 999, 36).map((t) => ({ map_type: t, kind: 'other' as const }))],
  [o.unmodelledMapTypes ?? 0, fc.constantFrom<string>(...OTHER_MAP_TYPES).map((t) => ({ map_type: t, kind: 'other' as const }))],
).chain(({ map_type, kind }) => fc.tuple(
  mapSizes(kind),
  flagsArb(MAP_FLAG_BITS, [1 << 20], 25),
  opt(fc.constantFrom(...MAP_NAMES), 1, 2),
  opt(fc.constantFrom(0, 1), 1, 30),
  weightedConst([30, 0], [1, 1]),
).map(([sizes, flags, map_name, numa, btf]) => {
  const zero = u.zeroSeed && (kind === 'hash' || kind === 'bloom') ? BPF_F_ZERO_SEED : 0;
  const map_flags = (flags | zero) >>> 0;
  const attr: Attr = { map_type, ...sizes };
  if (map_flags) attr.map_flags = map_flags;
  if (map_name !== undefined) attr.map_name = map_name;
  if (numa !== undefined && map_flags & BPF_F_NUMA_NODE) attr.numa_node = numa;
  if (btf) attr.btf_key_type_id = 1;
  return attr;
}));

const keyArb = sizedBytesArb(4, [0, 2, 8]);
const valueArb = sizedBytesArb(8, [0, 4, 16]);

const mapUpdate: AttrArb = (u) => attrRecord({
  map_fd: fdArb(u), key: opt(keyArb, 12, 1), value: opt(valueArb, 12, 1),
  flags: weighted<number | undefined>([6, fc.constant(undefined)], [8, fc.constantFrom(BPF_ANY, BPF_NOEXIST, BPF_EXIST)], [1, fc.constantFrom(BPF_F_LOCK, 3, 8)]),
});
const mapLookup: AttrArb = (u) => attrRecord({
  map_fd: fdArb(u), key: opt(keyArb, 12, 1), value: opt(valueArb, 1, 3), flags: opt(fc.constantFrom(BPF_F_LOCK, 2), 1, 20),
});
const mapDelete: AttrArb = (u) => attrRecord({ map_fd: fdArb(u), key: opt(keyArb, 12, 1), flags: opt(fc.constant(1), 1, 30) });
const mapLookupAndDelete: AttrArb = (u) => attrRecord({
  map_fd: fdArb(u), key: opt(keyArb, 12, 1), value: opt(valueArb, 1, 3), flags: opt(fc.constantFrom(BPF_F_LOCK, 1), 1, 20),
});
const mapGetNextKey: AttrArb = (u) => attrRecord({ map_fd: fdArb(u), key: opt(keyArb, 2, 1), next_key: weightedConst<boolean | undefined>([12, true], [1, false], [1, undefined]) });
const mapFreeze: AttrArb = (u) => attrRecord({ map_fd: fdArb(u) });

const progLoad: AttrArb = (_u, o) => progTypeArb().chain((prog_type) => attrRecord({
  prog_type: fc.constant(prog_type),
  insns: programArb(prog_type, o.verifierDefects ?? 0),
  license: weightedConst<string | undefined>([12, 'GPL'], [2, 'Dual BSD/GPL'], [1, 'MIT'], [1, 'Proprietary'], [1, undefined]),
  prog_name: opt(fc.constantFrom(...PROG_NAMES), 1, 2),
  expected_attach_type: expectedAttachTypeArb(),
  insn_cnt: opt(fc.constantFrom(0, 1, 3, 1000001), 1, 40),
  prog_flags: opt(fc.constantFrom(1 << 20, 1, 0x10), 1, 40),
  kern_version: opt(fc.constant(0x61200), 1, 30),
}).chain((a) => weighted<Attr>(
  [20, fc.constant(a)],
  // the verifier log: valid and invalid combinations of level, size and buffer
  [2, fc.constantFrom<Attr>(
    { log_level: 1, log_size: 1024, log_buf: true }, { log_level: 1 }, { log_size: 1024, log_buf: true },
    { log_level: 1, log_size: 1024 }, { log_level: 16, log_size: 1024, log_buf: true }, { log_level: 2, log_size: 64, log_buf: true },
  ).map((log) => ({ ...a, ...log }))],
)));

const pathArb = (u: Universe, root = false): fc.Arbitrary<string> => weighted(
  [8, fc.constantFrom(...u.pins)], [root ? 2 : 1, fc.constantFrom(...u.dirs)], [2, fc.constantFrom(...u.oddPaths)],
);

const objPin: AttrArb = (u) => attrRecord({ bpf_fd: fdArb(u), pathname: pathArb(u), file_flags: opt(fc.constantFrom(BPF_F_RDONLY, 1 << 20), 1, 20) });
const objGet: AttrArb = (u) => attrRecord({
  pathname: pathArb(u, true), file_flags: weighted<number | undefined>([10, fc.constant(undefined)], [3, fc.constantFrom(BPF_F_RDONLY, BPF_F_WRONLY)], [1, fc.constantFrom(BPF_F_RDONLY | BPF_F_WRONLY, 1 << 20)]),
});

const getNextId: AttrArb = () => attrRecord({ start_id: opt(idArb, 4, 1) });
const openFlags = weighted<number | undefined>([12, fc.constant(undefined)], [2, fc.constantFrom(BPF_F_RDONLY, BPF_F_WRONLY)], [1, fc.constantFrom(0x18, 1 << 20, 1)]);
const progGetFdById: AttrArb = () => attrRecord({ prog_id: idArb, open_flags: openFlags });
const mapGetFdById: AttrArb = () => attrRecord({ map_id: idArb, open_flags: openFlags });
const linkGetFdById: AttrArb = () => attrRecord({ link_id: idArb, open_flags: openFlags });

const INFO_LENS = [0, 4, 8, 16, 24, 40, 64, 80, 104, 232, 4096];
const objGetInfoByFd: AttrArb = (u) => attrRecord({
  bpf_fd: fdArb(u), info_len: weighted([4, fc.constant(4096)], [6, fc.constantFrom(...INFO_LENS)]),
  info: weightedConst<boolean | undefined>([12, true], [1, false], [1, undefined]),
});

/** target_ifindex (mostly) or target_fd (the same union member): a small ifindex, lo, or none. */
const targetArb = () => fc.tuple(weightedConst([20, 'target_ifindex'], [1, 'target_fd']), weighted([10, fc.integer({ min: 1, max: 7 })], [1, fc.constantFrom(0, 77)]))
  .map(([k, v]) => ({ [k]: v }));

/**
 * The mprog placement flags: BEFORE / AFTER, the relative object by ID and/or as a LINK (mostly
 * with a direction: without one they are refused), and rarely bits tcx refuses.
 */
export const placementFlagsArb = (extra: readonly number[] = [BPF_F_ALLOW_MULTI, BPF_F_ALLOW_OVERRIDE, 1 << 6]): fc.Arbitrary<number> =>
  weightedConst([8, 0], [5, BPF_F_BEFORE], [5, BPF_F_AFTER], [1, BPF_F_BEFORE | BPF_F_AFTER]).chain((dir) => fc.tuple(
    dir ? weightedConst([5, 0], [2, BPF_F_ID], [2, BPF_F_LINK], [2, BPF_F_ID | BPF_F_LINK]) : weightedConst([24, 0], [1, BPF_F_ID], [1, BPF_F_LINK]),
    weighted([30, fc.constant(0)], [1, fc.constantFrom(...extra)]),
  ).map(([how, x]) => (dir | how | x) >>> 0));

/** relative_fd or relative_id (one union member), by the flags: an id under BPF_F_ID. */
function relativeArb(u: Universe, flags: number): fc.Arbitrary<Attr> {
  const key = flags & BPF_F_ID ? 'relative_id' : 'relative_fd';
  // without BEFORE / AFTER a relative object is refused: give one rarely
  const [none, some] = flags & (BPF_F_BEFORE | BPF_F_AFTER) ? [1, 4] : [12, 1];
  return weighted<Attr>([none, fc.constant({})], [some, (flags & BPF_F_ID ? idArb : fdArb(u)).map((v) => ({ [key]: v }))]);
}

const revisionArb = weighted<number | undefined>([6, fc.constant(undefined)], [3, fc.integer({ min: 1, max: 6 })], [1, fc.constant(0x100000000)]);

const progAttach: AttrArb = (u) => fc.tuple(targetArb(), fdArb(u), attachTypeArb(), placementFlagsArb(), opt(fdArb(u), 1, 12), revisionArb)
  .chain(([target, fd, attach_type, f, replace, expected_revision]) => {
    const flags = replace !== undefined ? (f | BPF_F_REPLACE) >>> 0 : f;
    return relativeArb(u, flags).map((rel) => {
      const a: Attr = { ...target, attach_bpf_fd: fd, attach_type };
      if (flags) a.attach_flags = flags;
      if (replace !== undefined) a.replace_bpf_fd = replace;
      if (expected_revision !== undefined) a.expected_revision = expected_revision;
      return { ...a, ...rel };
    });
  });

const progDetach: AttrArb = (u) => fc.tuple(targetArb(), opt(fdArb(u), 3, 1), attachTypeArb(), placementFlagsArb([BPF_F_REPLACE, 1 << 6]), revisionArb)
  .chain(([target, fd, attach_type, flags, expected_revision]) => relativeArb(u, flags).map((rel) => {
    const a: Attr = { ...target, attach_type };
    if (fd !== undefined) a.attach_bpf_fd = fd;
    if (flags) a.attach_flags = flags;
    if (expected_revision !== undefined) a.expected_revision = expected_revision;
    return { ...a, ...rel };
  }));

const progQuery: AttrArb = () => fc.tuple(
  targetArb(), attachTypeArb(), weightedConst<number | undefined>([3, undefined], [6, 8], [2, 1], [2, 2], [1, 0], [1, 64]),
  weightedConst([10, true], [2, false]), fc.boolean(), weightedConst([4, false], [1, true]), weightedConst([4, false], [1, true]),
  weightedConst([30, 0], [1, 1]),
).map(([target, attach_type, count, prog_ids, link_ids, paf, laf, query_flags]) => {
  const a: Attr = { ...target, attach_type };
  if (count !== undefined) a.count = count;
  if (prog_ids) a.prog_ids = true;
  if (link_ids) a.link_ids = true;
  if (paf) a.prog_attach_flags = true;
  if (laf) a.link_attach_flags = true;
  if (query_flags) a.query_flags = query_flags;
  return a;
});

const linkCreate: AttrArb = (u) => fc.tuple(fdArb(u), targetArb(), attachTypeArb(), placementFlagsArb([BPF_F_REPLACE, 1 << 20]), revisionArb)
  .chain(([prog_fd, target, attach_type, flags, expected_revision]) => relativeArb(u, flags).map((rel) => {
    const a: Attr = { prog_fd, ...target, attach_type };
    if (flags) a.flags = flags;
    const tcx: Attr = { ...rel };
    if (expected_revision !== undefined) tcx.expected_revision = expected_revision;
    if (Object.keys(tcx).length) a.tcx = tcx;
    return a;
  }));

const linkUpdate: AttrArb = (u) => fc.tuple(fdArb(u), fdArb(u), weightedConst([6, 0], [3, BPF_F_REPLACE], [1, 1 << 20]), fdArb(u), weightedConst([12, false], [1, true]))
  .map(([link_fd, new_prog_fd, flags, old, oddOld]) => {
    const a: Attr = { link_fd, new_prog_fd };
    if (flags) a.flags = flags;
    // old_prog_fd goes with BPF_F_REPLACE (without it, it is refused)
    if (flags & BPF_F_REPLACE || oddOld) a.old_prog_fd = old;
    return a;
  });
const linkDetach: AttrArb = (u) => attrRecord({ link_fd: fdArb(u) });

/** BPF_PROG_TEST_RUN: bpfsim does not model running programs; drawn only when asked for. */
const progTestRun: AttrArb = (u) => attrRecord({ prog_fd: fdArb(u), data_in: opt(hexArb(14), 1, 1), repeat: opt(fc.constantFrom(1, 2), 1, 2) });

const ATTR_ARBS: { readonly [C in ModelledCmd]: AttrArb } = {
  BPF_MAP_CREATE: mapCreate,
  BPF_MAP_LOOKUP_ELEM: mapLookup,
  BPF_MAP_UPDATE_ELEM: mapUpdate,
  BPF_MAP_DELETE_ELEM: mapDelete,
  BPF_MAP_LOOKUP_AND_DELETE_ELEM: mapLookupAndDelete,
  BPF_MAP_GET_NEXT_KEY: mapGetNextKey,
  BPF_MAP_FREEZE: mapFreeze,
  BPF_PROG_LOAD: progLoad,
  BPF_OBJ_PIN: objPin,
  BPF_OBJ_GET: objGet,
  BPF_PROG_ATTACH: progAttach,
  BPF_PROG_DETACH: progDetach,
  BPF_PROG_QUERY: progQuery,
  BPF_PROG_TEST_RUN: progTestRun,
  BPF_PROG_GET_NEXT_ID: getNextId,
  BPF_MAP_GET_NEXT_ID: getNextId,
  BPF_LINK_GET_NEXT_ID: getNextId,
  BPF_PROG_GET_FD_BY_ID: progGetFdById,
  BPF_MAP_GET_FD_BY_ID: mapGetFdById,
  BPF_LINK_GET_FD_BY_ID: linkGetFdById,
  BPF_OBJ_GET_INFO_BY_FD: objGetInfoByFd,
  BPF_LINK_CREATE: linkCreate,
  BPF_LINK_UPDATE: linkUpdate,
  BPF_LINK_DETACH: linkDetach,
};

/** The attr of `cmd`: every field by its uapi name, as validateEvent expects it. */
export function attrArb<C extends ModelledCmd>(cmd: C, u: Universe, o: BpfArbOptions = {}): fc.Arbitrary<AttrOf<C>> {
  return ATTR_ARBS[cmd](u, o) as unknown as fc.Arbitrary<AttrOf<C>>;
}

/** A bpf event of `cmd` by one of the universe's pids. */
export function bpfEventArb<C extends ModelledCmd>(cmd: C, u: Universe, o: BpfArbOptions = {}): fc.Arbitrary<BpfEventOf<C>> {
  return fc.tuple(pidArb(u), attrArb(cmd, u, o)).map(([pid, attr]) => ({ kind: 'bpf', pid, cmd, attr }) as unknown as BpfEventOf<C>);
}

/**
 * How often each command is drawn, relative to the others. Commands that create objects come often
 * enough that the rest find some; BPF_PROG_TEST_RUN (not modelled: the model answers -ENOTSUPP) is 0.
 */
export const DEFAULT_CMD_WEIGHTS: { readonly [C in ModelledCmd]: number } = Object.freeze({
  BPF_MAP_CREATE: 6, BPF_MAP_LOOKUP_ELEM: 5, BPF_MAP_UPDATE_ELEM: 8, BPF_MAP_DELETE_ELEM: 4,
  BPF_MAP_LOOKUP_AND_DELETE_ELEM: 2, BPF_MAP_GET_NEXT_KEY: 4, BPF_MAP_FREEZE: 1,
  BPF_PROG_LOAD: 7, BPF_OBJ_PIN: 3, BPF_OBJ_GET: 3,
  BPF_PROG_ATTACH: 7, BPF_PROG_DETACH: 4, BPF_PROG_QUERY: 5, BPF_PROG_TEST_RUN: 0,
  BPF_PROG_GET_NEXT_ID: 1, BPF_MAP_GET_NEXT_ID: 1, BPF_LINK_GET_NEXT_ID: 1,
  BPF_PROG_GET_FD_BY_ID: 1, BPF_MAP_GET_FD_BY_ID: 1, BPF_LINK_GET_FD_BY_ID: 1,
  BPF_OBJ_GET_INFO_BY_FD: 3, BPF_LINK_CREATE: 6, BPF_LINK_UPDATE: 3, BPF_LINK_DETACH: 2,
});

/** Any bpf event, commands drawn by `weights`. */
export function anyBpfEventArb(u: Universe, o: BpfArbOptions = {}, weights: Partial<Record<ModelledCmd, number>> = {}): fc.Arbitrary<BpfEventOf<ModelledCmd>> {
  const w = { ...DEFAULT_CMD_WEIGHTS, ...weights };
  return weighted(...(Object.keys(w) as ModelledCmd[]).map((cmd) => [w[cmd], bpfEventArb(cmd, u, o)] as const));
}
