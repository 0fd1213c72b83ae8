// Stateful traces: streams whose events mostly refer to objects that exist at that point.
//
// A trace is drawn as an array of *steps*, each a stateless event (events.ts, bpf.ts) and a seed.
// The steps are then interpreted in order by a TraceBuilder, which folds the model as it goes and
// uses each step's seed to point the event's references at live objects: an fd that is open and of
// the right kind, a key of the map, an ifindex that exists, a chain member as relative object, the
// attach point's current revision, a pinned path, a running pid. With some probability it leaves
// the stateless value alone (error paths), and when an event needs an object there is none of, it
// may emit an event that creates one instead (a map, a program, a veth pair, a link, a directory).
//
// Shrinking works on the steps (fast-check drops steps and simplifies events and seeds), and the
// shrunk steps are interpreted again, so a shrunk trace still refers to what exists.
//
// Ids in the events are the oracle's: ranks for progs and maps (the n-th prog the trace created is
// id n), the kernel's own numbering from the trace's start for links (see ranked.ts).
import fc from 'fast-check';
import {
  BPF_F_BEFORE, BPF_F_AFTER, BPF_F_ID, BPF_F_LINK, BPF_F_REPLACE, BPF_F_ZERO_SEED, bpf_attach_type,
  bpf_map_type, bpf_prog_type, toHex, validateEvent, type Event, type Result,
} from '@bpfsim/events';
import type { KernelState, MprogItem } from '@bpfsim/reducer';
import { RankedModel, type IdKind } from '../ranked.ts';
import type { Universe } from '../universe.ts';
import { eventArb, type EventArbOptions } from './events.ts';
import { mapFdSlots, retProgram } from './programs.ts';

/** One step of a trace before interpretation: a stateless event, and the seed of its choices. */
export interface TraceStep { readonly event: Event; readonly seed: number }

export interface TraceOptions extends EventArbOptions {
  /** Steps per trace: an exact number, or bounds (default 1..40). */
  readonly length?: number | { readonly min: number; readonly max: number };
  /** Probability that a reference is pointed at a live object (default 0.85). */
  readonly aim?: number;
  /** Probability that an event needing an object there is none of creates one instead (default 0.6). */
  readonly bootstrap?: number;
}

/** mulberry32: the builder's choices for one step, from the step's seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Obj = Record<string, unknown>;
type FdKind = 'prog' | 'map' | 'link';
const SCHED_CLS = bpf_prog_type.BPF_PROG_TYPE_SCHED_CLS;
const IN = bpf_attach_type.BPF_TCX_INGRESS;
const EG = bpf_attach_type.BPF_TCX_EGRESS;
const BPFFS = '/sys/fs/bpf';
const MAP_CMDS = new Set(['BPF_MAP_LOOKUP_ELEM', 'BPF_MAP_UPDATE_ELEM', 'BPF_MAP_DELETE_ELEM', 'BPF_MAP_LOOKUP_AND_DELETE_ELEM', 'BPF_MAP_GET_NEXT_KEY', 'BPF_MAP_FREEZE']);

/** Choices for one step. */
class Choices {
  constructor(private readonly r: () => number) {}
  chance(p: number): boolean { return this.r() < p; }
  int(n: number): number { return Math.floor(this.r() * n); }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]; }
}

/**
 * Interprets steps into a trace against the model. `add` resolves one step and folds the event;
 * `events` is the trace so far and `model` the model after it (ids as ranks, see ranked.ts).
 */
export class TraceBuilder {
  readonly model = new RankedModel(0);
  readonly events: Event[] = [];
  readonly results: (Result | undefined)[] = [];
  /** Keys (bloom filters: values) used on each map, by model map id: later events reuse them. */
  private readonly keys = new Map<number, string[]>();
  /** Every ifindex a device of the trace has had: requests on deleted ones are -ENODEV. */
  private readonly ifindexes = new Set<number>();
  private readonly aim: number;
  private readonly boot: number;

  constructor(readonly u: Universe, o: TraceOptions = {}) {
    this.aim = o.aim ?? 0.85;
    this.boot = o.bootstrap ?? 0.6;
  }

  get state(): KernelState { return this.model.state; }

  /** Resolves `step` against the current state, folds it, and returns the event added. */
  add(step: TraceStep): Event {
    const c = new Choices(prng(step.seed));
    const e = this.resolve(step.event, c);
    this.push(e);
    return e;
  }

  /** Appends `e` as it is and folds it (a fold that throws leaves the state as it was). */
  push(e: Event): void {
    this.events.push(e);
    try {
      const { result } = this.model.step(e);
      this.results.push(result);
      this.note(e, result);
    } catch {
      this.results.push(undefined);
    }
  }

  private note(e: Event, r: Result): void {
    if (e.kind === 'netdev_add' && r.ret > 0 && r.out) {
      this.ifindexes.add(r.out.ifindex as number);
      this.ifindexes.add(r.out.peer_ifindex as number);
    }
    if (e.kind === 'bpf' && (e.cmd === 'BPF_MAP_UPDATE_ELEM' || e.cmd === 'BPF_MAP_LOOKUP_ELEM')) {
      const m = this.mapAt(e.pid, e.attr.map_fd);
      const k = m && (m.map_type === bpf_map_type.BPF_MAP_TYPE_BLOOM_FILTER ? e.attr.value : e.attr.key);
      if (m && k !== undefined && k.length === 2 * (m.map_type === bpf_map_type.BPF_MAP_TYPE_BLOOM_FILTER ? m.value_size : m.key_size)) {
        const ks = this.keys.get(m.id) ?? [];
        if (!ks.includes(k)) { ks.push(k); this.keys.set(m.id, ks.slice(-8)); }
      }
    }
  }

  // ---- what exists --------------------------------------------------------------------------

  private pids(): number[] { return Object.keys(this.state.procs).map(Number); }

  private fds(pid: number, kind?: FdKind): number[] {
    const fds = this.state.procs[pid]?.fds ?? {};
    return Object.keys(fds).map(Number).filter((fd) => (kind ? fds[fd].kind === kind : fds[fd].kind !== 'file'));
  }

  private fdOf(pid: number, kind: FdKind, id: number): number | undefined {
    const fds = this.state.procs[pid]?.fds ?? {};
    for (const k of Object.keys(fds)) if (fds[Number(k)].kind === kind && fds[Number(k)].id === id) return Number(k);
    return undefined;
  }

  private mapAt(pid: number, fd: number) {
    const entry = this.state.procs[pid]?.fds[fd];
    return entry?.kind === 'map' ? this.state.maps[entry.id] : undefined;
  }

  /** Devices that exist (lo aside). */
  private liveDevs(): number[] { return Object.keys(this.state.netdevs).map(Number).filter((i) => i !== 1); }

  private chain(ifindex: number, type: unknown): { revision: number; items: readonly MprogItem[] } {
    const dev = this.state.netdevs[ifindex];
    const t = typeof type === 'string' ? bpf_attach_type[type as keyof typeof bpf_attach_type] : type;
    const entry = dev ? (t === IN ? dev.tcx_ingress : t === EG ? dev.tcx_egress : undefined) : undefined;
    return { revision: entry?.revision ?? 1, items: entry?.items ?? [] };
  }

  private rank(kind: IdKind, id: number): number { return this.model.rank(kind, id) ?? id; }

  /** Program fds of `pid` that tcx takes (SCHED_CLS), or all program fds when there is none. */
  private clsFds(pid: number): number[] {
    const fds = this.state.procs[pid]?.fds ?? {};
    const progs = this.fds(pid, 'prog');
    const cls = progs.filter((fd) => this.state.progs[fds[fd].id]?.prog_type === SCHED_CLS);
    return cls.length ? cls : progs;
  }

  /** (ifindex, attach type) of every tcx attach point with programs (`byAttach`: attached by BPF_PROG_ATTACH). */
  private busyChains(byAttach = false): [number, number][] {
    const out: [number, number][] = [];
    for (const dev of Object.keys(this.state.netdevs).map(Number)) for (const t of [IN, EG]) if (this.chain(dev, t).items.some((it) => !byAttach || !it.link_id)) out.push([dev, t]);
    return out;
  }

  // ---- events that create what another event needs --------------------------------------------

  private makeMap(pid: number, c: Choices): Event {
    const t = c.pick(['hash', 'hash', 'array', 'bloom'] as const);
    const zero = this.u.zeroSeed ? BPF_F_ZERO_SEED : 0;
    const attr = t === 'hash' ? { map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 8, max_entries: c.pick([4, 8]), ...(zero ? { map_flags: zero } : {}) }
      : t === 'array' ? { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 8, max_entries: 4 }
      : { map_type: 'BPF_MAP_TYPE_BLOOM_FILTER', key_size: 0, value_size: 4, max_entries: 16, ...(zero ? { map_flags: zero } : {}) };
    return { kind: 'bpf', pid, cmd: 'BPF_MAP_CREATE', attr } as Event;
  }

  private makeProg(pid: number, c: Choices): Event {
    const attr: Obj = { prog_type: 'BPF_PROG_TYPE_SCHED_CLS', insns: retProgram(c.pick([-1, 0, 2])), license: 'GPL' };
    if (c.chance(0.2)) attr.expected_attach_type = c.pick(['BPF_TCX_INGRESS', 'BPF_TCX_EGRESS']);
    return { kind: 'bpf', pid, cmd: 'BPF_PROG_LOAD', attr } as Event;
  }

  /** A veth pair none of whose names is taken, or undefined. */
  private makeNetdev(c: Choices): Event | undefined {
    const free = this.u.veths.filter(([a, b]) => !this.devByName(a) && !this.devByName(b));
    if (!free.length) return undefined;
    const [name, peer] = c.pick(free);
    return { kind: 'netdev_add', name, peer };
  }

  private makeLink(pid: number, c: Choices): Event | undefined {
    const progs = this.fds(pid, 'prog');
    if (!progs.length) return this.makeProg(pid, c);
    const devs = this.liveDevs();
    if (!devs.length) return this.makeNetdev(c);
    return { kind: 'bpf', pid, cmd: 'BPF_LINK_CREATE', attr: { prog_fd: c.pick(progs), target_ifindex: c.pick(devs), attach_type: c.pick([IN, EG]) } } as Event;
  }

  private devByName(name: string): number | undefined {
    for (const k of Object.keys(this.state.netdevs)) if (this.state.netdevs[Number(k)].name === name) return Number(k);
    return undefined;
  }

  // ---- resolution ------------------------------------------------------------------------------

  /** `e` with its references pointed at live objects (or an event creating what it needs). */
  resolve(e: Event, c: Choices): Event {
    let pid = 'pid' in e ? e.pid : 0;
    if (pid) {
      const running = this.pids();
      if (running.length && !running.includes(pid) && c.chance(this.aim)) pid = c.pick(running);
    }
    const fdOr = (kind: FdKind | undefined, fallback: number): number => {
      const fds = this.fds(pid, kind);
      return fds.length && c.chance(this.aim) ? c.pick(fds) : fallback;
    };
    const need = (kind: FdKind): Event | undefined => {
      if (this.fds(pid, kind).length || !c.chance(this.boot)) return undefined;
      return kind === 'map' ? this.makeMap(pid, c) : kind === 'prog' ? this.makeProg(pid, c) : this.makeLink(pid, c);
    };
    switch (e.kind) {
      case 'bpf': return this.resolveBpf({ ...e, pid } as Event & { kind: 'bpf' }, c, fdOr, need);
      case 'close': case 'dup': {
        const open = this.fds(pid).concat(c.chance(0.1) ? [0, 1, 2] : []);
        return { ...e, pid, fd: open.length && c.chance(this.aim) ? c.pick(open) : e.fd };
      }
      case 'fork': {
        const free = this.u.pids.filter((p) => p !== pid && !this.state.procs[p]);
        return { ...e, pid, child: free.length && c.chance(this.aim) ? c.pick(free) : e.child };
      }
      case 'exit': return { ...e, pid };
      case 'mkdir': {
        const free = this.u.dirs.filter((d) => !this.node(d) && this.parentIsDir(d));
        return { ...e, pid, pathname: free.length && c.chance(this.aim) ? c.pick(free) : e.pathname };
      }
      case 'unlink': {
        const nodes = Object.keys(this.state.bpffs);
        if (!nodes.length || !c.chance(this.aim)) return { ...e, pid };
        const rel = c.pick(nodes);
        const isDir = this.state.bpffs[rel].kind === 'dir';
        const dir = c.chance(0.85) ? isDir : !isDir;
        return dir ? { kind: 'unlink', pid, pathname: `${BPFFS}/${rel}`, dir: true } : { kind: 'unlink', pid, pathname: `${BPFFS}/${rel}` };
      }
      case 'netdev_add': {
        if (!c.chance(this.aim)) return e;
        return this.makeNetdev(c) ?? e;
      }
      case 'netdev_del': {
        const names = this.u.veths.flat().filter((n) => this.devByName(n) !== undefined);
        return names.length && c.chance(this.aim) ? { ...e, name: c.pick(names) } : e;
      }
      case 'tick':
        // mostly forward (a tick back in time is refused)
        return c.chance(this.aim) ? { kind: 'tick', ns: this.state.clock_ns + 1 + c.int(1_000_000_000) } : e;
      case 'packets': {
        const devs = Object.keys(this.state.netdevs).map(Number);
        return { kind: 'packets', packets: e.packets.map((p) => (devs.length && c.chance(this.aim) ? { ...p, ifindex: c.pick(devs) } : p)) };
      }
    }
  }

  private node(path: string) { return this.state.bpffs[path.slice(BPFFS.length + 1)]; }
  private parentIsDir(path: string): boolean {
    const rel = path.slice(BPFFS.length + 1);
    const parent = rel.split('/').slice(0, -1).join('/');
    return parent === '' || this.state.bpffs[parent]?.kind === 'dir';
  }

  /** An ifindex: mostly a live device, sometimes lo, a deleted one, or the stateless value. */
  private target(c: Choices, raw: number): number {
    const devs = this.liveDevs();
    const x = c.int(100);
    if (x < 4) return 1;
    if (x < 8 && this.ifindexes.size) return c.pick([...this.ifindexes]);
    if (devs.length && c.chance(this.aim)) return c.pick(devs);
    return raw;
  }

  /**
   * The relative object of a placement, encoded as `flags` asks (LINK: a link, ID: by id): a member
   * of the chain at (ifindex, type) when there is one, else leaves `raw`.
   */
  private relative(pid: number, c: Choices, ifindex: number, type: unknown, flags: number, raw: number | undefined): number | undefined {
    const items = this.chain(ifindex, type).items;
    if (!items.length || !c.chance(this.aim)) return raw;
    const it = c.pick(items);
    if (flags & BPF_F_LINK) {
      if (!it.link_id) return raw;
      return flags & BPF_F_ID ? this.rank('link', it.link_id) : this.fdOf(pid, 'link', it.link_id) ?? raw;
    }
    return flags & BPF_F_ID ? this.rank('prog', it.prog_id) : this.fdOf(pid, 'prog', it.prog_id) ?? raw;
  }

  private resolveBpf(
    e: Event & { kind: 'bpf' }, c: Choices,
    fdOr: (kind: FdKind | undefined, fallback: number) => number, need: (kind: FdKind) => Event | undefined,
  ): Event {
    const pid = e.pid;
    const a: Obj = { ...(e.attr as Obj) };
    const out = () => ({ ...e, attr: a }) as Event;
    if (MAP_CMDS.has(e.cmd)) {
      const boot = need('map');
      if (boot) return boot;
      a.map_fd = fdOr('map', a.map_fd as number);
      const m = this.mapAt(pid, a.map_fd as number);
      if (!m || e.cmd === 'BPF_MAP_FREEZE') return out();
      const bloom = m.map_type === bpf_map_type.BPF_MAP_TYPE_BLOOM_FILTER;
      const known = this.keys.get(m.id) ?? [];
      const fresh = (size: number) => {
        const b = new Uint8Array(size);
        if (c.chance(0.8)) { if (size) b[0] = c.int(8); } else for (let i = 0; i < size; i++) b[i] = c.int(256);
        return toHex(b);
      };
      const keyLike = (size: number) => (known.length && c.chance(0.5) ? c.pick(known) : fresh(size));
      if (bloom) {
        if (c.chance(0.9)) delete a.key;
        if (e.cmd !== 'BPF_MAP_GET_NEXT_KEY' && c.chance(0.9)) a.value = keyLike(m.value_size);
      } else {
        if ((a.key !== undefined || e.cmd !== 'BPF_MAP_GET_NEXT_KEY') && c.chance(0.9)) a.key = keyLike(m.key_size);
        if (e.cmd === 'BPF_MAP_UPDATE_ELEM' && c.chance(0.9)) a.value = fresh(m.value_size);
        else if (a.value !== undefined && c.chance(0.7)) a.value = fresh(m.value_size);
      }
      return out();
    }
    switch (e.cmd) {
      case 'BPF_PROG_LOAD': {
        const slots = mapFdSlots(e.attr.insns);
        if (!slots.length) return out();
        const boot = need('map');
        if (boot) return boot;
        const insns = e.attr.insns.slice();
        for (const i of slots) insns[i] = { ...insns[i], imm: fdOr('map', insns[i].imm) };
        a.insns = insns;
        return out();
      }
      case 'BPF_OBJ_PIN': {
        if (!this.fds(pid).length && c.chance(this.boot)) return this.makeMap(pid, c);
        a.bpf_fd = fdOr(undefined, a.bpf_fd as number);
        if (c.chance(this.aim)) {
          const free = this.u.pins.filter((p) => !this.node(p) && this.parentIsDir(p));
          if (free.length) a.pathname = c.pick(free);
          else {
            const missing = this.u.dirs.filter((d) => !this.node(d) && this.parentIsDir(d));
            if (missing.length && c.chance(this.boot)) return { kind: 'mkdir', pid, pathname: c.pick(missing) };
          }
        }
        return out();
      }
      case 'BPF_OBJ_GET': {
        const pins = Object.keys(this.state.bpffs).filter((k) => this.state.bpffs[k].kind !== 'dir');
        if (pins.length && c.chance(this.aim)) a.pathname = `${BPFFS}/${c.pick(pins)}`;
        return out();
      }
      case 'BPF_PROG_GET_NEXT_ID': case 'BPF_MAP_GET_NEXT_ID': case 'BPF_LINK_GET_NEXT_ID': {
        const kind: IdKind = e.cmd === 'BPF_PROG_GET_NEXT_ID' ? 'prog' : e.cmd === 'BPF_MAP_GET_NEXT_ID' ? 'map' : 'link';
        const n = this.model.idRange(kind);
        if (n && c.chance(0.5)) a.start_id = c.int(n + 1);
        return out();
      }
      case 'BPF_PROG_GET_FD_BY_ID': case 'BPF_MAP_GET_FD_BY_ID': case 'BPF_LINK_GET_FD_BY_ID': {
        const kind: IdKind = e.cmd === 'BPF_PROG_GET_FD_BY_ID' ? 'prog' : e.cmd === 'BPF_MAP_GET_FD_BY_ID' ? 'map' : 'link';
        const field = `${kind}_id`;
        const table = kind === 'prog' ? this.state.progs : kind === 'map' ? this.state.maps : this.state.links;
        const live = this.model.created[kind].filter((id) => table[id]).map((id) => this.rank(kind, id));
        if (live.length && c.chance(this.aim)) a[field] = c.pick(live);
        else if (this.model.idRange(kind) && c.chance(0.5)) a[field] = 1 + c.int(this.model.idRange(kind));
        return out();
      }
      case 'BPF_OBJ_GET_INFO_BY_FD':
        a.bpf_fd = fdOr(undefined, a.bpf_fd as number);
        return out();
      case 'BPF_PROG_ATTACH': case 'BPF_PROG_DETACH': case 'BPF_LINK_CREATE': {
        const isLink = e.cmd === 'BPF_LINK_CREATE';
        const progField = isLink ? 'prog_fd' : 'attach_bpf_fd';
        if (e.cmd !== 'BPF_PROG_DETACH' || a.attach_bpf_fd !== undefined) {
          const boot = need('prog');
          if (boot) return boot;
        }
        if (!this.liveDevs().length && c.chance(this.boot)) {
          const dev = this.makeNetdev(c);
          if (dev) return dev;
        }
        const tkey = 'target_fd' in a ? 'target_fd' : 'target_ifindex';
        const flags = ((isLink ? a.flags : a.attach_flags) as number | undefined) ?? 0;
        // A detach, a placement relative to a member, or a replace wants an attach point with programs.
        const busy = this.busyChains(e.cmd === 'BPF_PROG_DETACH' && c.chance(0.85));
        const wantsBusy = e.cmd === 'BPF_PROG_DETACH' || flags & (BPF_F_BEFORE | BPF_F_AFTER | BPF_F_REPLACE);
        let ifindex: number;
        if (wantsBusy && busy.length && c.chance(0.75)) {
          const [dev, t] = c.pick(busy);
          ifindex = dev;
          a.attach_type = typeof a.attach_type === 'string' ? (t === IN ? 'BPF_TCX_INGRESS' : 'BPF_TCX_EGRESS') : t;
        } else ifindex = this.target(c, (a[tkey] as number | undefined) ?? 0);
        a[tkey] = ifindex;
        if (a[progField] !== undefined) {
          const items = this.chain(ifindex, a.attach_type).items;
          const inChain = items.map((it) => this.fdOf(pid, 'prog', it.prog_id)).filter((fd): fd is number => fd !== undefined);
          if (e.cmd === 'BPF_PROG_DETACH') {
            // mostly a program of the chain, attached by BPF_PROG_ATTACH (one a link holds is -EBUSY)
            const own = items.filter((it) => !it.link_id).map((it) => this.fdOf(pid, 'prog', it.prog_id)).filter((fd): fd is number => fd !== undefined);
            const pool = own.length && c.chance(0.85) ? own : inChain;
            a[progField] = pool.length && c.chance(0.85) ? c.pick(pool) : fdOr('prog', a[progField] as number);
          } else {
            // mostly a SCHED_CLS program not attached there yet (one that is gives -EEXIST)
            const cls = this.clsFds(pid);
            const fresh = cls.filter((fd) => !inChain.includes(fd));
            const pool = fresh.length && c.chance(0.85) ? fresh : cls;
            a[progField] = pool.length && c.chance(this.aim) ? c.pick(pool) : (a[progField] as number);
          }
        }
        const tcx: Obj = isLink ? { ...((a.tcx as Obj | undefined) ?? {}) } : a;
        if (flags & (BPF_F_BEFORE | BPF_F_AFTER) || tcx.relative_fd !== undefined || tcx.relative_id !== undefined) {
          const key = flags & BPF_F_ID ? 'relative_id' : 'relative_fd';
          const v = this.relative(pid, c, ifindex, a.attach_type, flags, (tcx[key] as number | undefined));
          if (v !== undefined) { delete tcx.relative_fd; delete tcx.relative_id; tcx[key] = v; }
        }
        if (tcx.expected_revision !== undefined && c.chance(0.75)) tcx.expected_revision = this.chain(ifindex, a.attach_type).revision;
        if (!isLink && a.replace_bpf_fd !== undefined && flags & BPF_F_REPLACE) {
          const items = this.chain(ifindex, a.attach_type).items.filter((it) => !it.link_id || c.chance(0.2));
          const fds = items.map((it) => this.fdOf(pid, 'prog', it.prog_id)).filter((fd): fd is number => fd !== undefined);
          if (fds.length && c.chance(this.aim)) a.replace_bpf_fd = c.pick(fds);
        }
        if (isLink && Object.keys(tcx).length) a.tcx = tcx;
        return out();
      }
      case 'BPF_PROG_QUERY': {
        if (!this.liveDevs().length && c.chance(this.boot / 2)) {
          const dev = this.makeNetdev(c);
          if (dev) return dev;
        }
        const tkey = 'target_fd' in a ? 'target_fd' : 'target_ifindex';
        a[tkey] = this.target(c, (a[tkey] as number | undefined) ?? 0);
        return out();
      }
      case 'BPF_LINK_UPDATE': {
        if (!this.fds(pid, 'link').length && c.chance(this.boot)) {
          const boot = this.makeLink(pid, c);
          if (boot) return boot;
        }
        a.link_fd = fdOr('link', a.link_fd as number);
        const cls = this.clsFds(pid);
        if (cls.length && c.chance(this.aim)) a.new_prog_fd = c.pick(cls);
        if (a.old_prog_fd !== undefined || ((a.flags as number | undefined) ?? 0) & BPF_F_REPLACE) {
          const entry = this.state.procs[pid]?.fds[a.link_fd as number];
          const cur = entry?.kind === 'link' ? this.fdOf(pid, 'prog', this.state.links[entry.id].prog_id) : undefined;
          a.old_prog_fd = cur !== undefined && c.chance(0.7) ? cur : fdOr('prog', (a.old_prog_fd as number | undefined) ?? 0);
        }
        return out();
      }
      case 'BPF_LINK_DETACH': {
        if (!this.fds(pid, 'link').length && c.chance(this.boot)) {
          const boot = this.makeLink(pid, c);
          if (boot) return boot;
        }
        a.link_fd = fdOr('link', a.link_fd as number);
        return out();
      }
      case 'BPF_PROG_TEST_RUN':
        a.prog_fd = fdOr('prog', a.prog_fd as number);
        return out();
      default:
        return out();
    }
  }
}

/** Interprets `steps` from an empty kernel into the trace's events. */
export function buildTrace(steps: readonly TraceStep[], u: Universe, o: TraceOptions = {}): Event[] {
  const b = new TraceBuilder(u, o);
  for (const s of steps) b.add(s);
  return b.events;
}

/** One step: a stateless event and a seed for the builder's choices. */
export const stepArb = (u: Universe, o: EventArbOptions = {}): fc.Arbitrary<TraceStep> =>
  fc.record({ event: eventArb(u, o), seed: fc.integer({ min: 0, max: 0x7fffffff }) });

/** The steps of a trace (before interpretation): shrink these. */
export function stepsArb(u: Universe, o: TraceOptions = {}): fc.Arbitrary<TraceStep[]> {
  const len = o.length ?? { min: 1, max: 40 };
  const [minLength, maxLength] = typeof len === 'number' ? [len, len] : [len.min, len.max];
  return fc.array(stepArb(u, o), { minLength, maxLength, size: 'max' });
}

/** A stateful trace: events that mostly refer to what exists when they happen (ids as ranks). */
export function traceArb(u: Universe, o: TraceOptions = {}): fc.Arbitrary<Event[]> {
  return stepsArb(u, o).map((steps) => buildTrace(steps, u, o));
}

/** The trace of `seed`: the same seed and options always give the same events. */
export function sampleTrace(seed: number, u: Universe, o: TraceOptions = {}): Event[] {
  const [steps] = fc.sample(stepsArb(u, o), { seed, numRuns: 1 });
  return buildTrace(steps, u, o);
}

/** Throws unless every event of `events` is well formed (a self-check for custom resolvers). */
export function assertWellFormed(events: readonly Event[]): void {
  events.forEach((e, i) => {
    const v = validateEvent(e);
    if (!v.ok) throw new Error(`event ${i} is malformed: ${v.error.path}: ${v.error.message}`);
  });
}
