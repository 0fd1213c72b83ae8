// Built-in invariants of the kernel state, checked after every event of every fuzzed run: a second
// line of defence for the model itself (a failure here is a bug in bpfsim, not in the code under
// test). Each compares the state after an event with the state before it.
//
// They run after every fuzzed event, so each first decides whether it holds without allocating
// (reused scratch maps, no messages); only when it does not are the messages put together, by the
// code that says why (which has the last word: it may still find nothing wrong).
import { bpf_attach_type, bpf_link_type, type Insn } from '@bpfsim/events';
import { checkReferences, forEachProgArraySlot, insnsKey, MPROG_MAX, tcxRunOrder, type KernelState, type MprogEntry, type Netdev } from '@bpfsim/reducer';
import { runBatch } from '@bpfsim/datapath';
import type { KernelInvariantName } from './types.ts';
import { Tally } from './tally.ts';
import { ValuesCache } from './values.ts';

export interface KernelInvariant {
  readonly name: KernelInvariantName;
  readonly description: string;
  /** The problems found: none (an empty array, shared: do not change it) when it holds. */
  check(state: KernelState, prev: KernelState): readonly string[];
}

type Dir = 'ingress' | 'egress';
const DIRS: readonly [Dir, 'tcx_ingress' | 'tcx_egress'][] = [['ingress', 'tcx_ingress'], ['egress', 'tcx_egress']];
const ATTACH = { ingress: bpf_attach_type.BPF_TCX_INGRESS, egress: bpf_attach_type.BPF_TCX_EGRESS } as const;
const TCX_LINK = bpf_link_type.BPF_LINK_TYPE_TCX;

const where = (dev: Netdev, dir: Dir) => `${dev.name} (${dev.ifindex}) tcx ${dir}`;

// The tables the invariants walk, each with its own few slots (the fds tables: one a process;
// procs are keyed by pids, large integers).
const procsValues = new ValuesCache(4, true), fdsValues = new ValuesCache(8), bpffsValues = new ValuesCache(), linksValues = new ValuesCache();
const progsValues = new ValuesCache(), mapsValues = new ValuesCache(), netdevsValues = new ValuesCache();

type Changed = readonly [Netdev, Dir, MprogEntry | undefined, MprogEntry | undefined];
const NONE: readonly Changed[] = Object.freeze([]);
/** What a check that holds returns (every event: no array made). */
const HOLDS: readonly string[] = Object.freeze([]);

/** Attach points whose entry differs between the two states (by identity: the fold shares what it did not change). */
function changedEntries(state: KernelState, prev: KernelState): readonly Changed[] {
  if (state.netdevs === prev.netdevs) return NONE;
  // The revision and datapath invariants both ask, one after the other, for the same two tables.
  const last = lastChanged;
  if (last !== undefined && last.now === state.netdevs && last.before === prev.netdevs) return last.out;
  let out: Changed[] | undefined;
  const devs = netdevsValues.of(state.netdevs);
  for (let i = 0; i < devs.length; i++) {
    const dev = devs[i], old = prev.netdevs[dev.ifindex];
    if (old === dev) continue;
    if (dev.tcx_ingress !== old?.tcx_ingress) (out ??= []).push([dev, 'ingress', dev.tcx_ingress, old?.tcx_ingress]);
    if (dev.tcx_egress !== old?.tcx_egress) (out ??= []).push([dev, 'egress', dev.tcx_egress, old?.tcx_egress]);
  }
  // Frozen tables cannot change, so their answer can be kept.
  if (Object.isFrozen(state.netdevs) && Object.isFrozen(prev.netdevs)) lastChanged = { now: state.netdevs, before: prev.netdevs, out: out ?? NONE };
  return out ?? NONE;
}
let lastChanged: { readonly now: object; readonly before: object; readonly out: readonly Changed[] } | undefined;

// Scratch for referencesHold: holders counted by id, one tally a kind (emptied on every call).
const heldProgs = new Tally(), heldMaps = new Tally(), heldLinks = new Tally();
function holdKind(kind: string, id: number): void {
  if (kind === 'prog') heldProgs.add(id);
  else if (kind === 'map') heldMaps.add(id);
  else if (kind === 'link') heldLinks.add(id);
}

const holdProg = (_slot: number, id: number) => { heldProgs.add(id); };

/**
 * Each object of `table` has as many holders as it counts (at least one), and nothing else is
 * held. What is held must be found under its id, as checkReferences looks it up (to which an
 * object under another key is freed).
 */
function settled(held: Tally, table: Readonly<Record<number, unknown>>, objects: readonly { readonly id: number; readonly refs: number }[]): boolean {
  for (let i = 0; i < objects.length; i++) {
    const o = objects[i], n = held.take(o.id);
    if (n === 0 || n !== o.refs || table[o.id] === undefined) return false;
  }
  return held.size === 0; // else held but freed
}

/** The programs an attach point holds without a link. */
function attachmentsHeld(e: MprogEntry | undefined): void {
  if (e === undefined) return;
  const items = e.items;
  for (let i = 0; i < items.length; i++) if (!items[i].link_id) heldProgs.add(items[i].prog_id);
}

/**
 * checkReferences' verdict without its messages: counts the holders (the same ones it names: fds,
 * pins, links, programs' maps, prog array slots, attachments without a link) and compares them with the counts. Only
 * when they disagree does checkReferences run, to say why (and it has the last word).
 */
function referencesHold(s: KernelState): boolean {
  heldProgs.clear(); heldMaps.clear(); heldLinks.clear();
  const progs = progsValues.of(s.progs), links = linksValues.of(s.links);
  // (indexed loops: this runs after every event, and for-of's iterators were not always optimised away)
  const procs = procsValues.of(s.procs), pins = bpffsValues.of(s.bpffs), devs = netdevsValues.of(s.netdevs);
  for (let i = 0; i < procs.length; i++) {
    const fds = fdsValues.of(procs[i].fds);
    for (let j = 0; j < fds.length; j++) holdKind(fds[j].kind, fds[j].id);
  }
  for (let i = 0; i < pins.length; i++) { const n = pins[i]; if (n.kind !== 'dir') holdKind(n.kind, n.id); }
  for (let i = 0; i < links.length; i++) heldProgs.add(links[i].prog_id);
  for (let i = 0; i < progs.length; i++) { const m = progs[i].map_ids; for (let j = 0; j < m.length; j++) heldMaps.add(m[j]); }
  const maps = mapsValues.of(s.maps);
  for (let i = 0; i < maps.length; i++) if (maps[i].data.kind === 'prog_array') forEachProgArraySlot(maps[i], holdProg);
  for (let i = 0; i < devs.length; i++) {
    attachmentsHeld(devs[i].tcx_ingress);
    attachmentsHeld(devs[i].tcx_egress);
  }
  return settled(heldProgs, s.progs, progs) && settled(heldMaps, s.maps, maps) && settled(heldLinks, s.links, links);
}

export const references: KernelInvariant = {
  name: 'references',
  description: 'every live prog, map and link is held, its count equals its holders, nothing held is freed',
  check: (state, prev) => (state === prev || referencesHold(state) ? HOLDS : checkReferences(state)),
};

// Scratch for chainHolds: the links the chains name, and the programs.
const chainLinks = new Tally();
let chainProgs: number[] = [];

/**
 * The last netdevs and links tables chainHolds vouched for, and the programs their chains name.
 * Programs are the only other thing the verdict reads (whether each one named is live), so with
 * the same two (frozen) tables it only has to look those up. (Three variables rather than one
 * object: no allocation when the memo moves on.)
 */
let okNetdevs: object | undefined, okLinks: object | undefined;
let okProgs: number[] = [];

/** The chain invariant's verdict without its messages (chainProblems says why). */
function chainHolds(state: KernelState): boolean {
  if (okNetdevs === state.netdevs && okLinks === state.links) {
    const ok = okProgs;
    for (let i = 0; i < ok.length; i++) if (!state.progs[ok[i]]) return false;
    return true;
  }
  chainLinks.clear();
  const progs = chainProgs;
  progs.length = 0;
  const devs = netdevsValues.of(state.netdevs);
  for (let k = 0; k < devs.length; k++) {
    const dev = devs[k];
    for (let d = 0; d < 2; d++) {
      const entry = d === 0 ? dev.tcx_ingress : dev.tcx_egress;
      if (!entry) continue;
      const items = entry.items, fp = entry.fp, n = items.length;
      if (n === 0 || n > MPROG_MAX || fp.length !== n) return false;
      const attachType = d === 0 ? ATTACH.ingress : ATTACH.egress;
      for (let i = 0; i < n; i++) {
        const it = items[i], id = it.prog_id;
        if (fp[i] !== id || !state.progs[id]) return false;
        for (let j = 0; j < i; j++) if (items[j].prog_id === id) return false;
        progs.push(id);
        if (!it.link_id) continue;
        chainLinks.add(it.link_id);
        const l = state.links[it.link_id];
        if (!l || l.type !== TCX_LINK || l.prog_id !== id || l.ifindex !== dev.ifindex || l.attach_type !== attachType) return false;
      }
    }
  }
  const links = linksValues.of(state.links);
  for (let i = 0; i < links.length; i++) { const l = links[i]; if (l.type === TCX_LINK && l.ifindex && !chainLinks.has(l.id)) return false; }
  if (Object.isFrozen(state.netdevs) && Object.isFrozen(state.links)) {
    okNetdevs = state.netdevs; okLinks = state.links;
    chainProgs = okProgs; // the old memo's array becomes the next scratch
    okProgs = progs;
  }
  return true;
}

/** Why the chain invariant fails (exported for the test that holds chainHolds to it). */
export function chainProblems(state: KernelState): string[] {
  const bad: string[] = [];
  const seen = new Set<number>();
  for (const dev of Object.values(state.netdevs)) {
    for (const [dir, key] of DIRS) {
      const entry = dev[key];
      if (!entry) continue;
      const at = where(dev, dir);
      const ids = entry.items.map((it) => it.prog_id);
      if (ids.length === 0 || ids.length > MPROG_MAX) bad.push(`${at}: ${ids.length} programs (a chain holds 1..${MPROG_MAX})`);
      if (new Set(ids).size !== ids.length) bad.push(`${at}: a program is attached twice [${ids.join(', ')}]`);
      if (entry.fp.length !== ids.length || entry.fp.some((p, i) => p !== ids[i])) bad.push(`${at}: fast path [${entry.fp.join(', ')}] is not the programs [${ids.join(', ')}]`);
      for (const it of entry.items) {
        if (!state.progs[it.prog_id]) bad.push(`${at}: prog ${it.prog_id} is attached but freed`);
        if (!it.link_id) continue;
        seen.add(it.link_id);
        const l = state.links[it.link_id];
        if (!l) { bad.push(`${at}: link ${it.link_id} owns a slot but is freed`); continue; }
        if (l.type !== TCX_LINK) bad.push(`${at}: link ${l.id} owns a slot but is of type ${l.type}, not tcx`);
        if (l.prog_id !== it.prog_id || l.ifindex !== dev.ifindex || l.attach_type !== ATTACH[dir]) {
          bad.push(`${at}: link ${l.id} (prog ${l.prog_id}, ifindex ${l.ifindex}, attach type ${l.attach_type}) owns the slot of prog ${it.prog_id}`);
        }
      }
    }
  }
  for (const l of Object.values(state.links)) {
    if (l.type === TCX_LINK && l.ifindex && !seen.has(l.id)) bad.push(`tcx link ${l.id} says it is attached to ifindex ${l.ifindex} but no chain holds it`);
  }
  return bad;
}

export const chain: KernelInvariant = {
  name: 'chain',
  description: 'every tcx chain holds 1..63 distinct live programs, its fast path is their ids in order, and each link it names is a live tcx link of that program, device and direction; every attached tcx link is in its chain',
  check(state, prev) {
    if (state.netdevs === prev.netdevs && state.links === prev.links && state.progs === prev.progs) return HOLDS;
    return chainHolds(state) ? HOLDS : chainProblems(state);
  },
};

/** Whether the chain's programs or links differ. */
function itemsDiffer(now: MprogEntry, before: MprogEntry): boolean {
  const a = now.items, b = before.items;
  if (a.length !== b.length) return true;
  for (let i = 0; i < a.length; i++) if (a[i].prog_id !== b[i].prog_id || a[i].link_id !== b[i].link_id) return true;
  return false;
}

export const revision: KernelInvariant = {
  name: 'revision',
  description: 'an attach point\'s revision never decreases while its entry exists, and moves whenever its chain changes',
  check(state, prev) {
    let bad: string[] | undefined;
    const changed = changedEntries(state, prev);
    for (let i = 0; i < changed.length; i++) {
      const [dev, dir, now, before] = changed[i];
      if (!now || !before || prev.netdevs[dev.ifindex] === undefined) continue;
      if (now.revision < before.revision) (bad ??= []).push(`${where(dev, dir)}: revision went back from ${before.revision} to ${now.revision}`);
      if (now.revision === before.revision && itemsDiffer(now, before)) (bad ??= []).push(`${where(dev, dir)}: the chain changed but its revision stayed ${now.revision}`);
    }
    return bad ?? HOLDS;
  },
};

/** An IPv4/UDP frame (60 bytes): what the probe runs through each changed attach point. */
const PROBE = 'ffffffffffff02000000000108004500002e0000400040110000c0a80001c0a80002303930390012000068656c6c6f776f726c64212121';

/** What became of the probe: the programs it ran (ids), whether each said TCX_NEXT, and how it ended. */
interface ProbeRun { ran: number[]; allNext: boolean; error: boolean; internal?: string }

/**
 * What a probe run says of the chain it went through, without the programs' ids: whether it ran
 * the chain's programs in order from the first (`count` of them), and how.
 */
interface ProbeVerdict { readonly prefix: boolean; readonly count: number; readonly allNext: boolean; readonly error: boolean; readonly internal: boolean }

/**
 * Probe verdicts of chains of programs without maps or helper calls, by device, direction and the programs'
 * instructions: such a run depends on nothing else (the probe's inputs are fixed; which program
 * runs is told by position), so a chain seen before, under any ids, need not run again. Fuzzing
 * revisits the same few chains all the time, each run under new ids.
 */
const probeCache = new Map<string, ProbeVerdict>();

/**
 * A number for each distinct instruction list (by the reducer's insnsKey), so that probe keys stay
 * short: equal lists get equal numbers while `insnsIds` holds them, and numbers are never reused.
 */
const insnsIds = new Map<string, number>();
let nextInsnsId = 0;

/** What probeKey uses of a program's instructions: their number, or NO_KEY (not cached). */
const NO_KEY = -1;

/**
 * The number of the list (NO_KEY when it calls a helper, or a field is outside its type), afresh.
 * A helper may read what the probe key does not hold (the clock, the trace's random state, the
 * skb's hash), so a chain with such a program is probed afresh every time.
 */
function insnsNumber(insns: readonly Insn[]): number {
  for (let i = 0; i < insns.length; i++) if (insns[i].code === BPF_CALL_INSN && insns[i].src_reg === 0) return NO_KEY;
  const key = insnsKey(insns);
  if (key === undefined) return NO_KEY;
  let id = insnsIds.get(key);
  if (id === undefined) {
    if (insnsIds.size >= 4096) insnsIds.clear();
    id = nextInsnsId++;
    insnsIds.set(key, id);
  }
  return id;
}
/** BPF_JMP | BPF_CALL. */
const BPF_CALL_INSN = 0x85;

/**
 * insnsNumber of the last few deeply frozen instruction arrays (they cannot change), by identity.
 * Each run loads its programs anew, so an array is asked about only within its run: a few slots
 * compared by identity cost less than a WeakMap (whose set was ~0.2 us a program load).
 */
const INSNS_SLOTS = 16;
const insnsArrays: (object | undefined)[] = new Array(INSNS_SLOTS).fill(undefined);
const insnsNumbers: number[] = new Array(INSNS_SLOTS).fill(NO_KEY);
let insnsNext = 0;

function insnsNumberOf(insns: readonly Insn[]): number {
  for (let i = 0; i < INSNS_SLOTS; i++) if (insnsArrays[i] === insns) return insnsNumbers[i];
  const n = insnsNumber(insns);
  if (deeplyFrozen(insns)) {
    insnsArrays[insnsNext] = insns;
    insnsNumbers[insnsNext] = n;
    insnsNext = (insnsNext + 1) & (INSNS_SLOTS - 1);
  }
  return n;
}

function deeplyFrozen(insns: readonly object[]): boolean {
  if (!Object.isFrozen(insns)) return false;
  for (let i = 0; i < insns.length; i++) {
    const x = insns[i];
    if (typeof x === 'object' && x !== null && !Object.isFrozen(x)) return false;
  }
  return true;
}

/** The probe cache's key for a chain, or undefined when a program of it uses maps or helpers (or is gone). */
function probeKey(state: KernelState, ifindex: number, dir: Dir, ids: readonly number[]): string | undefined {
  let key = `${ifindex}/${dir}`;
  for (let i = 0; i < ids.length; i++) {
    const p = state.progs[ids[i]];
    if (!p || p.map_ids.length !== 0) return undefined;
    const id = insnsNumberOf(p.insns);
    if (id === NO_KEY) return undefined;
    key += `/${id}`;
  }
  return key;
}

function runProbe(state: KernelState, ifindex: number, dir: Dir): ProbeRun {
  const v = runBatch(state, [{ ifindex, direction: dir, data: PROBE }]).verdicts[0];
  return {
    ran: v.runs.map((r) => r.prog_id), allNext: v.runs.every((r) => r.ret === -1), error: v.action === 'error',
    ...(v.action === 'error' && v.error?.kind === 'internal' ? { internal: v.error.message } : {}),
  };
}

/** The probe's verdict on the chain `ids` (what tcxRunOrder says runs there). */
function probe(state: KernelState, ifindex: number, dir: Dir, ids: readonly number[]): ProbeVerdict {
  const key = probeKey(state, ifindex, dir, ids);
  const hit = key === undefined ? undefined : probeCache.get(key);
  if (hit) return hit;
  const r = runProbe(state, ifindex, dir);
  let prefix = r.ran.length <= ids.length;
  for (let i = 0; prefix && i < r.ran.length; i++) prefix = r.ran[i] === ids[i];
  const v: ProbeVerdict = { prefix, count: r.ran.length, allNext: r.allNext, error: r.error, internal: r.internal !== undefined };
  // A run of other programs than the chain's (a failure anyway) is told by their ids: not kept.
  if (key !== undefined && prefix && !v.internal) {
    if (probeCache.size >= 4096) probeCache.clear();
    probeCache.set(key, v);
  }
  return v;
}

/** Whether `order` lists the chain's programs (`now`'s items) in order. */
function isChain(order: readonly number[], now: MprogEntry | undefined): boolean {
  const n = now === undefined ? 0 : now.items.length;
  if (order.length !== n) return false;
  for (let i = 0; i < n; i++) if (order[i] !== now!.items[i].prog_id) return false;
  return true;
}

/** The datapath invariant's verdict on one changed attach point, without its messages. */
function datapathHolds(state: KernelState, dev: Netdev, dir: Dir, now: MprogEntry | undefined): boolean {
  const order = tcxRunOrder(state, dev.ifindex, dir);
  if (!isChain(order, now)) return false;
  const v = probe(state, dev.ifindex, dir, order);
  if (v.internal || !v.prefix) return false;
  return v.error || !v.allNext || v.count === order.length;
}

/** Why the datapath invariant fails at the changed attach points (exported for the test that holds datapathHolds to it). */
export function datapathProblems(state: KernelState, changed: readonly Changed[]): string[] {
  const bad: string[] = [];
  for (const [dev, dir, now] of changed) {
    const ids = now?.items.map((it) => it.prog_id) ?? [];
    const order = tcxRunOrder(state, dev.ifindex, dir);
    if (order.length !== ids.length || order.some((p, i) => p !== ids[i])) bad.push(`${where(dev, dir)}: tcxRunOrder [${order.join(', ')}] is not the chain [${ids.join(', ')}]`);
    const v = runProbe(state, dev.ifindex, dir);
    if (v.internal !== undefined) { bad.push(`${where(dev, dir)}: the datapath failed: ${v.internal}`); continue; }
    if (v.ran.some((p, i) => p !== ids[i])) bad.push(`${where(dev, dir)}: a packet ran [${v.ran.join(', ')}], the chain is [${ids.join(', ')}]`);
    else if (!v.error && v.allNext && v.ran.length !== ids.length) bad.push(`${where(dev, dir)}: every program said TCX_NEXT but a packet ran only [${v.ran.join(', ')}] of [${ids.join(', ')}]`);
  }
  return bad;
}

export const datapath: KernelInvariant = {
  name: 'datapath',
  description: 'a packet through a changed attach point runs its programs in the control path\'s order (tcxRunOrder equals the chain; the datapath runs a prefix of it, all of it when every program returns TCX_NEXT)',
  check(state, prev) {
    const changed = changedEntries(state, prev);
    for (let i = 0; i < changed.length; i++) {
      const [dev, dir, now] = changed[i];
      if (!datapathHolds(state, dev, dir, now)) return datapathProblems(state, changed);
    }
    return HOLDS;
  },
};

export const KERNEL_INVARIANTS: readonly KernelInvariant[] = [references, chain, revision, datapath];

/** The kernel invariants a spec asks for. */
export function kernelInvariants(which: boolean | readonly KernelInvariantName[] | undefined): readonly KernelInvariant[] {
  if (which === false) return [];
  if (which === undefined || which === true) return KERNEL_INVARIANTS;
  return KERNEL_INVARIANTS.filter((k) => which.includes(k.name));
}
