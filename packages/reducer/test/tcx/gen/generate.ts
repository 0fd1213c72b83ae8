// A deterministic generator of random tcx scenarios: attach / detach / link_create / link_update /
// link_detach / close / query / info / netdev_add / netdev_del over two veth pairs and one or two
// processes. It is guided by the model (it folds as it goes, to name fds, ids and revisions that
// exist), but it only ever emits events: what the kernel answers is recorded separately.
import {
  BPF_F_AFTER, BPF_F_BEFORE, BPF_F_ID, BPF_F_LINK, BPF_F_REPLACE, bpf_attach_type, type Event, type Insn,
} from '@bpfsim/events';
import { fold, initialState, type KernelState } from '../../../src/index.ts';

/** mulberry32: a small seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INSNS: readonly Insn[] = [
  { code: 0xb7, dst_reg: 0, src_reg: 0, off: 0, imm: -1 },
  { code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0 },
];
const IN = bpf_attach_type.BPF_TCX_INGRESS;
const EG = bpf_attach_type.BPF_TCX_EGRESS;
const PAIRS = [['ta0', 'tb0'], ['ta1', 'tb1']] as const;

export interface GenOptions { readonly steps?: number }


class Gen {
  readonly r: () => number;
  state: KernelState = initialState(0);
  readonly events: Event[] = [];
  readonly pids: number[];
  /** Every ifindex a device of the trace has had (deleted ones stay: requests on them are -ENODEV). */
  readonly ifindexes: number[] = [];
  readonly present = new Set<string>();

  constructor(source: () => number, pids?: readonly number[]) {
    this.r = source;
    this.pids = pids ? [...pids] : this.r() < 0.5 ? [1] : [1, 2];
  }

  int(n: number): number { return Math.floor(this.r() * n); }
  chance(p: number): boolean { return this.r() < p; }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]; }

  emit(e: Event): { ret: number; out?: Readonly<Record<string, unknown>> } {
    const { state, result } = fold(this.state, e);
    this.state = state;
    this.events.push(e);
    return result;
  }

  fds(pid: number, kind: 'prog' | 'link'): number[] {
    const fds = this.state.procs[pid]?.fds ?? {};
    return Object.keys(fds).map(Number).filter((fd) => fds[fd].kind === kind);
  }

  fdOf(pid: number, kind: 'prog' | 'link', id: number): number | undefined {
    const fds = this.state.procs[pid]?.fds ?? {};
    for (const k of Object.keys(fds)) if (fds[Number(k)].kind === kind && fds[Number(k)].id === id) return Number(k);
    return undefined;
  }

  addPair(i: number): void {
    const [name, peer] = PAIRS[i];
    const r = this.emit({ kind: 'netdev_add', name, peer });
    if (r.ret > 0) {
      this.present.add(name);
      const out = r.out as { ifindex: number; peer_ifindex: number };
      for (const x of [out.ifindex, out.peer_ifindex]) if (!this.ifindexes.includes(x)) this.ifindexes.push(x);
    }
  }

  load(pid: number): void {
    const type = this.chance(0.08) ? this.pick(['BPF_PROG_TYPE_XDP', 'BPF_PROG_TYPE_SCHED_ACT'] as const) : 'BPF_PROG_TYPE_SCHED_CLS';
    const eat = this.chance(0.2) ? this.pick([IN, EG]) : undefined;
    this.emit({ kind: 'bpf', pid, cmd: 'BPF_PROG_LOAD', attr: { prog_type: type, insns: INSNS, license: 'GPL', ...(eat === undefined || type !== 'BPF_PROG_TYPE_SCHED_CLS' ? {} : { expected_attach_type: eat }) } });
  }

  /** Devices that exist now (lo aside), per the model. */
  live(): number[] {
    return Object.keys(this.state.netdevs).map(Number).filter((i) => i !== 1);
  }

  target(): number {
    const x = this.r();
    if (x < 0.04) return 1;
    if (x < 0.06) return 77;
    const live = this.live();
    if (x < 0.12 || !live.length) return this.pick(this.ifindexes);
    // Mostly the first device of each pair, so that chains grow long enough to be interesting.
    const firsts = live.filter((i) => !this.state.netdevs[i].name.startsWith('tb'));
    return firsts.length && this.chance(0.8) ? this.pick(firsts) : this.pick(live);
  }

  /**
   * Mostly tcx; now and then an attach type that is refused before any attach point (the generic
   * checks), or whose attach point finds nothing (cgroup). Not for links: an XDP program on BPF_XDP
   * would make an XDP link, which bpfsim does not model.
   */
  attachType(forLink = false): number {
    const x = this.r();
    if (x < 0.03) {
      const other = [bpf_attach_type.BPF_NETKIT_PRIMARY, 200, bpf_attach_type.BPF_CGROUP_INET_INGRESS];
      return this.pick(forLink ? other : [bpf_attach_type.BPF_XDP, ...other]);
    }
    return x < 0.5 ? IN : EG;
  }

  /** The chain currently at (ifindex, type), per the model. */
  chain(ifindex: number, type: number) {
    const dev = this.state.netdevs[ifindex];
    const e = dev ? (type === IN ? dev.tcx_ingress : type === EG ? dev.tcx_egress : undefined) : undefined;
    return { revision: e?.revision ?? 1, items: e?.items ?? [] };
  }

  revision(ifindex: number, type: number): number {
    const x = this.r();
    if (x < 0.6) return 0;
    const cur = this.chain(ifindex, type).revision;
    if (x < 0.9) return cur;
    return Math.max(1, cur + this.pick([-1, 1, 2]));
  }

  progFd(pid: number): number {
    const x = this.r();
    const progs = this.fds(pid, 'prog');
    if (x < 0.88 && progs.length) return this.pick(progs);
    if (x < 0.94) { const links = this.fds(pid, 'link'); if (links.length) return this.pick(links); }
    return this.pick([0, 41]);
  }

  /**
   * A relative object for BEFORE / AFTER, encoded the four ways the uapi allows, or none.
   * Returns [flags to add, relative value].
   */
  relative(pid: number, ifindex: number, type: number): [number, number] {
    if (this.chance(0.35)) return [0, 0];
    if (this.chance(0.04)) return [this.pick([BPF_F_ID, BPF_F_ID | BPF_F_LINK]), 999];
    const items = this.chain(ifindex, type).items;
    let prog: number, link: number;
    if (items.length && this.chance(0.8)) ({ prog_id: prog, link_id: link } = this.pick(items));
    else {
      const progs = Object.keys(this.state.progs).map(Number);
      if (!progs.length) return [0, 0];
      prog = this.pick(progs);
      const links = Object.values(this.state.links).filter((l) => l.prog_id === prog);
      link = links.length ? links[0].id : 0;
    }
    const asLink = link !== 0 && this.chance(0.5);
    if (asLink) {
      const fd = this.fdOf(pid, 'link', link);
      if (fd !== undefined && this.chance(0.6)) return [BPF_F_LINK, fd];
      return [BPF_F_LINK | BPF_F_ID, link];
    }
    const fd = this.fdOf(pid, 'prog', prog);
    if (fd !== undefined && this.chance(0.5)) return [0, fd];
    return [BPF_F_ID, prog];
  }

  direction(): number {
    const x = this.r();
    if (x < 0.4) return 0;
    if (x < 0.68) return BPF_F_BEFORE;
    if (x < 0.94) return BPF_F_AFTER;
    return BPF_F_BEFORE | BPF_F_AFTER;
  }

  attach(pid: number): void {
    const ifindex = this.target();
    const type = this.attachType();
    const fd = this.progFd(pid);
    let flags = this.direction();
    let relative = 0;
    if (flags || this.chance(0.05)) {
      const [f, v] = this.relative(pid, ifindex, type);
      flags |= f;
      relative = v;
    }
    const attr: Record<string, number> = { target_ifindex: ifindex, attach_bpf_fd: fd, attach_type: type };
    if (this.chance(0.15)) {
      flags |= BPF_F_REPLACE;
      const owned = this.chain(ifindex, type).items.filter((it) => !it.link_id || this.chance(0.3));
      const victim = owned.length && this.chance(0.8) ? this.fdOf(pid, 'prog', this.pick(owned).prog_id) : undefined;
      attr.replace_bpf_fd = victim ?? this.progFd(pid);
    }
    if (this.chance(0.02)) flags |= this.pick([1, 2, 1 << 6]);
    if (flags) attr.attach_flags = flags;
    if (relative) attr[flags & BPF_F_ID ? 'relative_id' : 'relative_fd'] = relative;
    const rev = this.revision(ifindex, type);
    if (rev) attr.expected_revision = rev;
    this.emit({ kind: 'bpf', pid, cmd: 'BPF_PROG_ATTACH', attr } as Event);
  }

  detach(pid: number): void {
    const ifindex = this.target();
    const type = this.attachType();
    const attr: Record<string, number> = { target_ifindex: ifindex, attach_type: type };
    if (this.chance(0.6)) {
      const items = this.chain(ifindex, type).items;
      const fd = items.length && this.chance(0.8) ? this.fdOf(pid, 'prog', this.pick(items).prog_id) : undefined;
      attr.attach_bpf_fd = fd ?? this.progFd(pid);
    }
    let flags = this.chance(0.5) ? 0 : this.direction();
    if (flags) {
      const [f, v] = this.relative(pid, ifindex, type);
      flags |= f;
      if (v) attr[flags & BPF_F_ID ? 'relative_id' : 'relative_fd'] = v;
    }
    if (this.chance(0.03)) flags |= this.pick([BPF_F_REPLACE, 1 << 6]);
    if (flags) attr.attach_flags = flags;
    const rev = this.revision(ifindex, type);
    if (rev) attr.expected_revision = rev;
    this.emit({ kind: 'bpf', pid, cmd: 'BPF_PROG_DETACH', attr } as Event);
  }

  linkCreate(pid: number): void {
    const ifindex = this.target();
    const type = this.attachType(true);
    let flags = this.direction();
    const tcx: Record<string, number> = {};
    if (flags || this.chance(0.05)) {
      const [f, v] = this.relative(pid, ifindex, type);
      flags |= f;
      if (v) tcx[f & BPF_F_ID ? 'relative_id' : 'relative_fd'] = v;
    }
    if (this.chance(0.04)) flags |= this.pick([BPF_F_REPLACE, 1 << 20]);
    const rev = this.revision(ifindex, type);
    if (rev) tcx.expected_revision = rev;
    const attr: Record<string, unknown> = { prog_fd: this.progFd(pid), target_ifindex: ifindex, attach_type: type };
    if (flags) attr.flags = flags;
    if (Object.keys(tcx).length) attr.tcx = tcx;
    this.emit({ kind: 'bpf', pid, cmd: 'BPF_LINK_CREATE', attr } as Event);
  }

  linkFd(pid: number): number {
    const links = this.fds(pid, 'link');
    if (links.length && this.chance(0.92)) return this.pick(links);
    return this.progFd(pid);
  }

  linkUpdate(pid: number): void {
    const link_fd = this.linkFd(pid);
    const attr: Record<string, number> = { link_fd, new_prog_fd: this.progFd(pid) };
    if (this.chance(0.3)) {
      attr.flags = BPF_F_REPLACE;
      const e = this.state.procs[pid]?.fds[link_fd];
      const cur = e?.kind === 'link' ? this.fdOf(pid, 'prog', this.state.links[e.id].prog_id) : undefined;
      attr.old_prog_fd = cur !== undefined && this.chance(0.7) ? cur : this.progFd(pid);
    } else if (this.chance(0.03)) {
      attr.old_prog_fd = this.progFd(pid);
    }
    this.emit({ kind: 'bpf', pid, cmd: 'BPF_LINK_UPDATE', attr } as Event);
  }

  query(pid: number, ifindex = this.target(), type = this.chance(0.97) ? this.pick([IN, EG]) : this.attachType(), full = false): void {
    const cap = full ? 8 : this.pick([0, 0, 1, 2, 3, 8]);
    const attr: Record<string, unknown> = { target_ifindex: ifindex, attach_type: type };
    if (cap) attr.count = cap;
    if (full || this.chance(0.85)) attr.prog_ids = true;
    if (full || this.chance(0.6)) attr.link_ids = true;
    if (this.chance(0.2)) attr.prog_attach_flags = true;
    if (this.chance(0.2)) attr.link_attach_flags = true;
    if (!full && this.chance(0.03)) attr.query_flags = 1;
    this.emit({ kind: 'bpf', pid, cmd: 'BPF_PROG_QUERY', attr } as Event);
  }

  info(pid: number, fd = this.linkFd(pid)): void {
    const e = this.state.procs[pid]?.fds[fd];
    if (!e || e.kind !== 'link') return;
    this.emit({ kind: 'bpf', pid, cmd: 'BPF_OBJ_GET_INFO_BY_FD', attr: { bpf_fd: fd, info_len: 24, info: true } });
  }

  close(pid: number): void {
    const fds = [...this.fds(pid, 'prog'), ...this.fds(pid, 'link')];
    if (!fds.length) return;
    this.emit({ kind: 'close', pid, fd: this.pick(fds) });
  }

  netdev(): void {
    const i = this.int(PAIRS.length);
    const [name, peer] = PAIRS[i];
    if (this.present.has(name)) {
      // `ip link del` of either end takes the pair.
      this.emit({ kind: 'netdev_del', name: this.chance(0.5) ? name : peer });
      this.present.delete(name);
    } else {
      this.addPair(i);
    }
  }

  run(steps: number): Event[] {
    this.addPair(0);
    this.addPair(1);
    for (const pid of this.pids) for (let i = 2 + this.int(3); i > 0; i--) this.load(pid);
    for (let i = 0; i < steps; i++) {
      const pid = this.pick(this.pids);
      const x = this.r();
      if (x < 0.22) this.attach(pid);
      else if (x < 0.36) this.detach(pid);
      else if (x < 0.52) this.linkCreate(pid);
      else if (x < 0.59) { if (this.fds(pid, 'link').length || this.chance(0.2)) this.linkUpdate(pid); }
      else if (x < 0.64) { if (this.fds(pid, 'link').length || this.chance(0.2)) this.emit({ kind: 'bpf', pid, cmd: 'BPF_LINK_DETACH', attr: { link_fd: this.linkFd(pid) } }); }
      else if (x < 0.72) this.close(pid);
      else if (x < 0.86) this.query(pid);
      else if (x < 0.90) this.info(pid);
      else if (x < 0.93) this.netdev();
      else this.load(pid);
    }
    // The end state of every attach point, and of every link.
    for (const ifindex of [1, ...this.live()]) for (const type of [IN, EG]) this.query(this.pids[0], ifindex, type, true);
    for (const pid of this.pids) for (const fd of this.fds(pid, 'link')) this.info(pid, fd);
    return this.events;
  }
}

/** The events of scenario `seed` (the same seed always gives the same events). */
export function generateScenario(seed: number, opts: GenOptions = {}): Event[] {
  const g = new Gen(prng(seed));
  return g.run(opts.steps ?? 30 + Math.floor(prng(seed ^ 0x5bd1e995)() * 50));
}

/**
 * A scenario drawn from a given stream of numbers in [0, 1), used up in order and continued by a
 * PRNG seeded from it: for property tests, where fast-check shrinks the stream. Always two
 * processes.
 */
export function generateFromStream(stream: readonly number[], steps: number): Event[] {
  let i = 0;
  const rest = prng(stream.reduce((h, x) => Math.imul(h ^ Math.floor(x * 0x100000000), 0x9e3779b1) >>> 0, stream.length));
  const g = new Gen(() => (i < stream.length ? stream[i++] : rest()), [1, 2]);
  return g.run(steps);
}
