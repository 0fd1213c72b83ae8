// Adversaries: the other things that happen to a BPF loader on a real machine. Each is a set of
// actions with fast-check arguments; the runner schedules them between the operations of the code
// under test and inside them (right before one of its syscalls). Arguments are small numbers that
// pick among what exists when the action runs (a device, a chain member), so they shrink to "the
// first one".
import fc from 'fast-check';
import { BPF_F_AFTER, BPF_F_BEFORE, BPF_F_ID, type Event, type Insn, type Result } from '@bpfsim/events';
import type { Kernel } from '@bpfsim/kernel';
import type { KernelState } from '@bpfsim/reducer';
import type { Adversary, AdversaryContext } from '../model/types.ts';

type Dir = 'ingress' | 'egress';
const ATTACH_TYPE = { ingress: 'BPF_TCX_INGRESS', egress: 'BPF_TCX_EGRESS' } as const;
const ENTRY = { ingress: 'tcx_ingress', egress: 'tcx_egress' } as const;

/** `r0 = ret; exit`: a tc program that returns `ret` (default TCX_NEXT: the chain goes on). */
export function returnProgram(ret = -1): Insn[] {
  return [{ code: 0xb7, dst_reg: 0, src_reg: 0, off: 0, imm: ret }, { code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0 }];
}

/** The n-th of xs (modulo its length), or undefined when it is empty. */
export const pick = <T>(xs: readonly T[], n: number): T | undefined => (xs.length ? xs[n % xs.length] : undefined);

/** The veth devices (not lo), by ifindex; only those named in `names` when given. */
export function devices(state: KernelState, names?: readonly string[]): number[] {
  const last = lastDevices;
  if (last !== undefined && last.netdevs === state.netdevs && sameNames(last.names, names)) return last.ifindexes.slice();
  const ifindexes = Object.values(state.netdevs)
    .filter((d) => d.ifindex !== 1 && (!names || names.includes(d.name)))
    .map((d) => d.ifindex)
    .sort((a, b) => a - b);
  // Adversaries ask again and again while the devices stay the same (a frozen table cannot change).
  if (Object.isFrozen(state.netdevs)) lastDevices = { netdevs: state.netdevs, names: names && [...names], ifindexes: ifindexes.slice() };
  return ifindexes;
}
let lastDevices: { readonly netdevs: object; readonly names: readonly string[] | undefined; readonly ifindexes: readonly number[] } | undefined;
const sameNames = (a: readonly string[] | undefined, b: readonly string[] | undefined): boolean =>
  a === undefined || b === undefined ? a === b : a.length === b.length && a.every((n, i) => n === b[i]);

// ---------------------------------------------------------------------------------------------
// A third-party attacher

export type Placement = 'first' | 'last' | 'before' | 'after' | 'append';

export interface ThirdPartyOptions {
  /** Its process (default 200). */
  readonly pid?: number;
  readonly name?: string;
  /** Devices it attaches to, by name (default every veth). */
  readonly devices?: readonly string[];
  /** Directions (default both). */
  readonly directions?: readonly Dir[];
  /** Where it acts (default both between and inside operations). */
  readonly placement?: Adversary['placement'];
  /** Inside operations: only right after a syscall this accepts. */
  readonly after?: Adversary['after'];
  /** The program it attaches returns this (default -1, TCX_NEXT). */
  readonly ret?: number;
}

interface Attached { readonly ifindex: number; readonly dir: Dir; readonly prog: number; readonly link?: number; readonly pin?: string }
interface ThirdPartyMem { attached: Attached[]; loads: number }

export interface AttachArgs {
  readonly dev: number; readonly egress: boolean; readonly place: Placement; readonly rel: number; readonly link: boolean; readonly byFd: boolean;
  /** Pin the link in bpffs: it then outlives the process. */
  readonly pin: boolean;
}

/**
 * Another process attaching its own programs on the same hooks: first, last, right before or
 * after a program already there (by id or by fd: BPF_F_BEFORE / BPF_F_AFTER, with and without
 * BPF_F_ID), with BPF_PROG_ATTACH or a tcx link (pinned in bpffs or not); and detaching them again
 * (a link by BPF_LINK_DETACH, or by closing its fd, which a pin survives). It never touches programs
 * it did not attach.
 */
export function thirdParty(o: ThirdPartyOptions = {}): Adversary<ThirdPartyMem> {
  const pid = o.pid ?? 200;
  const dirs = o.directions ?? ['ingress', 'egress'];
  const attachArgs: fc.Arbitrary<AttachArgs> = fc.record({
    dev: fc.nat({ max: 7 }),
    egress: dirs.length > 1 ? fc.boolean() : fc.constant(dirs[0] === 'egress'),
    place: fc.constantFrom<Placement>('first', 'before', 'after', 'last', 'append'),
    rel: fc.nat({ max: 7 }),
    link: fc.boolean(),
    byFd: fc.boolean(),
    pin: fc.boolean(),
  });
  /** Its process died (a crash adversary): its fds went with it. */
  const alive = (ctx: AdversaryContext<ThirdPartyMem>) => {
    if (!ctx.kernel.state.procs[pid]) ctx.mem.attached = [];
  };
  return {
    name: o.name ?? 'third-party',
    ...(o.placement ? { placement: o.placement } : {}),
    ...(o.after ? { after: o.after } : {}),
    start: () => ({ attached: [], loads: 0 }),
    actions: {
      attach: {
        args: attachArgs,
        weight: 2,
        run(ctx, a) {
          alive(ctx);
          const k = ctx.kernel;
          const ifindex = pick(devices(k.state, o.devices), a.dev);
          if (ifindex === undefined) return;
          const dir: Dir = a.egress ? 'egress' : 'ingress';
          const bpf = ctx.bpf(pid);
          const prog = bpf.bpf_prog_load('BPF_PROG_TYPE_SCHED_CLS', `adv${pid}_${ctx.mem.loads++}`, 'GPL', returnProgram(o.ret), 2);
          if (prog < 0) return;
          let flags = a.place === 'first' || a.place === 'before' ? BPF_F_BEFORE : a.place === 'last' || a.place === 'after' ? BPF_F_AFTER : 0;
          let relative_fd = 0, relative_id = 0;
          if (a.place === 'before' || a.place === 'after') {
            const items = k.state.netdevs[ifindex]?.[ENTRY[dir]]?.items ?? [];
            const member = pick(items, a.rel);
            if (member && a.byFd) {
              relative_fd = bpf.bpf_prog_get_fd_by_id(member.prog_id);
              if (relative_fd < 0) relative_fd = 0;
            } else if (member) {
              relative_id = member.prog_id;
              flags |= BPF_F_ID;
            }
          }
          const ret = a.link
            ? bpf.bpf_link_create(prog, ifindex, ATTACH_TYPE[dir], { flags, tcx: { ...(relative_fd ? { relative_fd } : {}), ...(relative_id ? { relative_id } : {}) } })
            : bpf.bpf_prog_attach_opts(prog, ifindex, ATTACH_TYPE[dir], { flags, ...(relative_fd ? { relative_fd } : {}), ...(relative_id ? { relative_id } : {}) });
          if (relative_fd > 0) bpf.close(relative_fd);
          if (ret < 0) { bpf.close(prog); return; }
          let pin: string | undefined;
          if (a.link && a.pin) {
            pin = `/sys/fs/bpf/adv${pid}_${ctx.mem.loads - 1}`;
            if (bpf.bpf_obj_pin(ret, pin) !== 0) pin = undefined;
          }
          ctx.mem.attached.push({ ifindex, dir, prog, ...(a.link ? { link: ret } : {}), ...(pin ? { pin } : {}) });
        },
      },
      detach: {
        args: fc.record({ which: fc.nat({ max: 7 }), close: fc.boolean() }),
        run(ctx, a) {
          alive(ctx);
          const it = pick(ctx.mem.attached, a.which);
          if (!it) return;
          const bpf = ctx.bpf(pid);
          ctx.mem.attached = ctx.mem.attached.filter((x) => x !== it);
          if (it.link !== undefined) {
            // closing a pinned link leaves it attached (the pin holds it): a leak, as in life
            if (a.close) bpf.close(it.link);
            else {
              bpf.bpf_link_detach(it.link);
              bpf.close(it.link);
              if (it.pin) ctx.kernel.unlink(pid, it.pin);
            }
          } else {
            bpf.bpf_prog_detach_opts(it.prog, it.ifindex, ATTACH_TYPE[it.dir]);
          }
          bpf.close(it.prog);
        },
      },
    },
  };
}

const isQuery = (e: Event, r: Result) => e.kind === 'bpf' && e.cmd === 'BPF_PROG_QUERY' && r.ret === 0;

/**
 * A revision race: another process changes the chain right after the code under test queried it
 * (BPF_PROG_QUERY), before it acts on what it saw: a following attach or detach with
 * `expected_revision` then gets -ESTALE, and one without acts on a stale picture.
 */
export function revisionRace(o: Omit<ThirdPartyOptions, 'placement' | 'after'> = {}): Adversary {
  return thirdParty({ pid: 201, name: 'revision-race', ...o, placement: 'inside', after: isQuery });
}

// ---------------------------------------------------------------------------------------------
// Netdev churn

export interface NetdevChurnOptions {
  readonly name?: string;
  /** Devices it deletes, by name (default every veth). */
  readonly devices?: readonly string[];
  readonly placement?: Adversary['placement'];
}

/**
 * Devices going away and coming back: `ip link del` (the veth peer goes too, and every program
 * attached to either is detached, its links left dangling) and `ip link add` with the same names,
 * which get new ifindexes.
 */
export function netdevChurn(o: NetdevChurnOptions = {}): Adversary<{ removed: [string, string][] }> {
  const remove = (k: Kernel, removed: [string, string][], n: number): void => {
    const ifindex = pick(devices(k.state, o.devices), n);
    if (ifindex === undefined) return;
    const dev = k.state.netdevs[ifindex];
    const peer = k.state.netdevs[dev.peer]?.name;
    if (k.netdevDel(dev.name).ret === 0 && peer) removed.push([dev.name, peer]);
  };
  return {
    name: o.name ?? 'netdev-churn',
    ...(o.placement ? { placement: o.placement } : {}),
    start: () => ({ removed: [] }),
    actions: {
      remove: { args: fc.nat({ max: 7 }), run: (ctx, n) => remove(ctx.kernel, ctx.mem.removed, n) },
      restore: {
        args: fc.nat({ max: 7 }),
        run(ctx, n) {
          const pair = pick(ctx.mem.removed, n);
          if (!pair) return;
          ctx.mem.removed = ctx.mem.removed.filter((p) => p !== pair);
          ctx.kernel.netdevAdd(pair[0], pair[1]);
        },
      },
      bounce: {
        args: fc.nat({ max: 7 }),
        run(ctx, n) {
          const before = ctx.mem.removed.length;
          remove(ctx.kernel, ctx.mem.removed, n);
          if (ctx.mem.removed.length === before) return;
          const [name, peer] = ctx.mem.removed.pop()!;
          ctx.kernel.netdevAdd(name, peer);
        },
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Process crashes

export interface CrashOptions {
  /** Processes it kills (default [200], the default third party). Those of the spec's `pids` are restarted by its restart(). */
  readonly pids?: readonly number[];
  readonly name?: string;
  readonly placement?: Adversary['placement'];
}

/**
 * A process dying mid-sequence (exit: every fd closed; tcx links whose last fd that was detach,
 * unless pinned; programs attached with BPF_PROG_ATTACH stay). Inside an operation of the code
 * under test, killing its own process ends the operation there.
 */
export function crash(o: CrashOptions = {}): Adversary {
  const pids = o.pids ?? [200];
  return {
    name: o.name ?? 'crash',
    kills: pids,
    ...(o.placement ? { placement: o.placement } : {}),
    actions: {
      exit: {
        args: fc.nat({ max: Math.max(0, pids.length - 1) }),
        run(ctx, n) {
          const pid = pick(pids, n)!;
          if (ctx.kernel.state.procs[pid]) ctx.kernel.exit(pid);
        },
      },
    },
  };
}

/** All of the above with their defaults: a third party (pid 200), a revision race (pid 201), netdev churn, crashes of pid 200. */
export function allAdversaries(o: { devices?: readonly string[]; directions?: readonly Dir[]; crash?: readonly number[] } = {}): Adversary[] {
  const scope = { ...(o.devices ? { devices: o.devices } : {}), ...(o.directions ? { directions: o.directions } : {}) };
  return [thirdParty(scope), revisionRace(scope), netdevChurn(o.devices ? { devices: o.devices } : {}), crash({ pids: o.crash ?? [200] })];
}
