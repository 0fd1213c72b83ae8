// Built-in invariants of the kernel state, checked after every event of every fuzzed run: a second
// line of defence for the model itself (a failure here is a bug in bpfsim, not in the code under
// test). Each compares the state after an event with the state before it.
import { bpf_attach_type, bpf_link_type } from '@bpfsim/events';
import { checkReferences, tcxRunOrder, type KernelState, type MprogEntry, type Netdev } from '@bpfsim/reducer';
import { runBatch } from '@bpfsim/datapath';
import type { KernelInvariantName } from './types.ts';

export interface KernelInvariant {
  readonly name: KernelInvariantName;
  readonly description: string;
  check(state: KernelState, prev: KernelState): string[];
}

type Dir = 'ingress' | 'egress';
const DIRS: readonly [Dir, 'tcx_ingress' | 'tcx_egress'][] = [['ingress', 'tcx_ingress'], ['egress', 'tcx_egress']];
const ATTACH = { ingress: bpf_attach_type.BPF_TCX_INGRESS, egress: bpf_attach_type.BPF_TCX_EGRESS } as const;
const TCX_LINK = bpf_link_type.BPF_LINK_TYPE_TCX;
const MPROG_MAX = 63;

const where = (dev: Netdev, dir: Dir) => `${dev.name} (${dev.ifindex}) tcx ${dir}`;

/** Attach points whose entry differs between the two states (by identity: the fold shares what it did not change). */
function changedEntries(state: KernelState, prev: KernelState): [Netdev, Dir, MprogEntry | undefined, MprogEntry | undefined][] {
  const out: [Netdev, Dir, MprogEntry | undefined, MprogEntry | undefined][] = [];
  if (state.netdevs === prev.netdevs) return out;
  for (const dev of Object.values(state.netdevs)) {
    const old = prev.netdevs[dev.ifindex];
    if (old === dev) continue;
    for (const [dir, key] of DIRS) if (dev[key] !== old?.[key]) out.push([dev, dir, dev[key], old?.[key]]);
  }
  return out;
}

/**
 * checkReferences' verdict without its messages: counts the holders (the same ones it names: fds,
 * pins, links, programs' maps, attachments without a link) and compares them with the counts. Only
 * when they disagree does checkReferences run, to say why (and it has the last word).
 */
function referencesHold(s: KernelState): boolean {
  const held = { prog: new Map<number, number>(), map: new Map<number, number>(), link: new Map<number, number>() };
  const inc = (kind: string, id: number) => {
    const m = held[kind as keyof typeof held];
    if (m) m.set(id, (m.get(id) ?? 0) + 1);
  };
  for (const p of Object.values(s.procs)) for (const e of Object.values(p.fds)) inc(e.kind, e.id);
  for (const n of Object.values(s.bpffs)) if (n.kind !== 'dir') inc(n.kind, n.id);
  for (const l of Object.values(s.links)) inc('prog', l.prog_id);
  for (const p of Object.values(s.progs)) for (const m of p.map_ids) inc('map', m);
  for (const dev of Object.values(s.netdevs)) {
    for (const it of dev.tcx_ingress?.items ?? []) if (!it.link_id) inc('prog', it.prog_id);
    for (const it of dev.tcx_egress?.items ?? []) if (!it.link_id) inc('prog', it.prog_id);
  }
  const tables = { prog: s.progs, map: s.maps, link: s.links } as const;
  for (const kind of ['prog', 'map', 'link'] as const) {
    const m = held[kind];
    for (const o of Object.values(tables[kind])) {
      const n = m.get(o.id) ?? 0;
      if (n === 0 || n !== o.refs) return false;
      m.delete(o.id);
    }
    if (m.size) return false; // held but freed
  }
  return true;
}

export const references: KernelInvariant = {
  name: 'references',
  description: 'every live prog, map and link is held, its count equals its holders, nothing held is freed',
  check: (state, prev) => (state === prev || referencesHold(state) ? [] : checkReferences(state)),
};

export const chain: KernelInvariant = {
  name: 'chain',
  description: 'every tcx chain holds 1..63 distinct live programs, its fast path is their ids in order, and each link it names is a live tcx link of that program, device and direction; every attached tcx link is in its chain',
  check(state, prev) {
    if (state.netdevs === prev.netdevs && state.links === prev.links && state.progs === prev.progs) return [];
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
  },
};

export const revision: KernelInvariant = {
  name: 'revision',
  description: 'an attach point\'s revision never decreases while its entry exists, and moves whenever its chain changes',
  check(state, prev) {
    const bad: string[] = [];
    for (const [dev, dir, now, before] of changedEntries(state, prev)) {
      if (!now || !before || prev.netdevs[dev.ifindex] === undefined) continue;
      if (now.revision < before.revision) bad.push(`${where(dev, dir)}: revision went back from ${before.revision} to ${now.revision}`);
      const changed = now.items.length !== before.items.length || now.items.some((it, i) => it.prog_id !== before.items[i].prog_id || it.link_id !== before.items[i].link_id);
      if (changed && now.revision === before.revision) bad.push(`${where(dev, dir)}: the chain changed but its revision stayed ${now.revision}`);
    }
    return bad;
  },
};

/** An IPv4/UDP frame (60 bytes): what the probe runs through each changed attach point. */
const PROBE = 'ffffffffffff02000000000108004500002e0000400040110000c0a80001c0a80002303930390012000068656c6c6f776f726c64212121';

/**
 * Probe outcomes of chains of map-less programs, by device, direction and the programs' ids and
 * instructions: such a run depends on nothing else (the probe's inputs are fixed), so a chain seen
 * before need not run again. Fuzzing revisits the same few chains all the time.
 */
const probeCache = new Map<string, { ran: number[]; allNext: boolean; error: boolean; internal?: string }>();

function probe(state: KernelState, ifindex: number, dir: Dir, ids: readonly number[]): { ran: number[]; allNext: boolean; error: boolean; internal?: string } {
  const progs = ids.map((id) => state.progs[id]);
  const key = progs.every((p) => p && p.map_ids.length === 0)
    ? `${ifindex}/${dir}/${progs.map((p) => `${p.id}:${JSON.stringify(p.insns)}`).join('/')}`
    : undefined;
  const hit = key === undefined ? undefined : probeCache.get(key);
  if (hit) return hit;
  const v = runBatch(state, [{ ifindex, direction: dir, data: PROBE }]).verdicts[0];
  const out = {
    ran: v.runs.map((r) => r.prog_id), allNext: v.runs.every((r) => r.ret === -1), error: v.action === 'error',
    ...(v.action === 'error' && v.error?.kind === 'internal' ? { internal: v.error.message } : {}),
  };
  if (key !== undefined) {
    if (probeCache.size >= 4096) probeCache.clear();
    probeCache.set(key, out);
  }
  return out;
}

export const datapath: KernelInvariant = {
  name: 'datapath',
  description: 'a packet through a changed attach point runs its programs in the control path\'s order (tcxRunOrder equals the chain; the datapath runs a prefix of it, all of it when every program returns TCX_NEXT)',
  check(state, prev) {
    const bad: string[] = [];
    for (const [dev, dir, now] of changedEntries(state, prev)) {
      const ids = now?.items.map((it) => it.prog_id) ?? [];
      const order = tcxRunOrder(state, dev.ifindex, dir);
      if (order.length !== ids.length || order.some((p, i) => p !== ids[i])) bad.push(`${where(dev, dir)}: tcxRunOrder [${order.join(', ')}] is not the chain [${ids.join(', ')}]`);
      const v = probe(state, dev.ifindex, dir, order); // keyed on what the datapath reads
      if (v.internal !== undefined) { bad.push(`${where(dev, dir)}: the datapath failed: ${v.internal}`); continue; }
      if (v.ran.some((p, i) => p !== ids[i])) bad.push(`${where(dev, dir)}: a packet ran [${v.ran.join(', ')}], the chain is [${ids.join(', ')}]`);
      else if (!v.error && v.allNext && v.ran.length !== ids.length) bad.push(`${where(dev, dir)}: every program said TCX_NEXT but a packet ran only [${v.ran.join(', ')}] of [${ids.join(', ')}]`);
    }
    return bad;
  },
};

export const KERNEL_INVARIANTS: readonly KernelInvariant[] = [references, chain, revision, datapath];

/** The kernel invariants a spec asks for. */
export function kernelInvariants(which: boolean | readonly KernelInvariantName[] | undefined): readonly KernelInvariant[] {
  if (which === false) return [];
  if (which === undefined || which === true) return KERNEL_INVARIANTS;
  return KERNEL_INVARIANTS.filter((k) => which.includes(k.name));
}
