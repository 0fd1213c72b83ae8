// The tc datapath of a batch of packets: for each packet on (ifindex, direction) the fast path of
// dev->tcx_ingress / tcx_egress runs as net/core/dev.c's tcx_run and include/net/tcx.h's
// tcx_action_code run it:
//
//   ret = TCX_NEXT; for each prog in fp: ret = (int)bpf_prog_run(prog, skb); if (ret != TCX_NEXT) break;
//   code = ret is TCX_PASS (0), TCX_DROP (2) or TCX_REDIRECT (7) ? ret : TCX_NEXT (-1)
//
// so any other value (1, 3, 4, ...) ends the chain but decides nothing, like running off its end.
// sch_handle_ingress/egress then act: TCX_NEXT goes on to the legacy tc filters (none are modelled,
// so the packet goes on: 'pass'), TC_ACT_SHOT drops, TC_ACT_REDIRECT hands the skb to
// skb_do_redirect with the target bpf_redirect & co. left in bpf_redirect_info (none, or a device
// that does not exist: dropped), TCX_PASS passes and sets skb->tc_index = tc_classid.
//
// Within a batch later packets see earlier packets' map writes (maps/overlay.ts); the snapshot is
// never written. Nothing else carries over: the packet memory, ctx and stack are reused, but each
// packet starts from its own frame and a zeroed ctx and stack (restored only where the previous
// packet may have written: Machine.pktDirty, ctxDirty, markStack; frame.ts, skb.ts putBatchSkb),
// and equal verdicts share objects (verdicts.ts). Nothing here throws: a program that faults ends its packet with action 'error'
// (map writes it made before the fault stay in the batch).
import type { DatapathError } from './fault.ts';
import { CHECKSUM_NONE, type LogEntry, type Machine, type RedirectInfo } from './machine.ts';
import { SKB } from './memory/ctx.ts';
import { BASE, HI_CTX } from './memory/region.ts';
import { runProgram } from './run.ts';
import type { ProgFn } from './compile/codegen.ts';
import { compileFor, newMachine, type RunInputs } from './session.ts';
import { ethTypeTrans, loadSkbFields, putBatchSkb, skbU32, setSkbU32, type SkbFields } from './skb.ts';
import { changed, framePacket } from './frame.ts';
import type { Snapshot } from './snapshot.ts';
import type { WriteSet } from './writeset.ts';
import { BPF_F_INGRESS } from './helpers/redirect.ts';
import { Verdicts } from './verdicts.ts';

export type Direction = 'ingress' | 'egress';

export interface Packet {
  readonly ifindex: number;
  readonly direction: Direction;
  /** The frame from its Ethernet header, lowercase hex. */
  readonly data: string;
  /** __sk_buff fields to start from (mark, priority, cb, ...); the rest follow from the packet and device. */
  readonly skb?: SkbFields;
  /** bpf_ktime_get_ns for this packet (ns); default: the batch's clock. */
  readonly time?: number | bigint;
}

export const TCX_NEXT = -1, TCX_PASS = 0, TCX_DROP = 2, TCX_REDIRECT = 7;

export interface ProgRun {
  readonly prog_id: number;
  /** What the program returned, as the int tcx_run compares. */
  readonly ret: number;
  /** Programs it reached through bpf_tail_call, in order (the last one's r0 is ret). */
  readonly tail_calls?: readonly number[];
}

export interface Verdict {
  readonly action: 'pass' | 'drop' | 'redirect' | 'error';
  /** tcx_action_code: TCX_NEXT (-1, nothing decided or nothing attached), TCX_PASS, TCX_DROP, TCX_REDIRECT. */
  readonly code: number;
  readonly runs: readonly ProgRun[];
  /** For 'redirect': the target; `ingress` from BPF_F_INGRESS; kind: bpf_redirect, _peer or _neigh. */
  readonly redirect?: { readonly ifindex: number; readonly ingress: boolean; readonly kind: 'redirect' | 'peer' | 'neigh' };
  /** Why a TC_ACT_REDIRECT became a drop. */
  readonly reason?: string;
  /** The frame after the programs, when they changed it. */
  readonly data?: string;
  /** The skb's mark, priority, tc_index and cb[] after the programs. */
  readonly skb: { readonly mark: number; readonly priority: number; readonly tc_index: number; readonly cb: readonly number[] };
  readonly error?: DatapathError;
}

export interface BatchResult {
  readonly verdicts: readonly Verdict[];
  readonly writeSet: WriteSet;
  readonly log: readonly LogEntry[];
}

/** A device's tcx fast path, with each program's compiled function once the chain reaches it. */
class Chain {
  readonly fns: (ProgFn | DatapathError | undefined)[];
  constructor(readonly ids: readonly number[]) {
    this.fns = ids.map(() => undefined);
  }
}

/** A batch's machine and what it looks up once, not per packet. */
class Batch {
  readonly out = new Verdicts();
  /** The chain of each ifindex, ingress and egress; null: nothing attached. */
  private readonly ingress = new Map<number, Chain | null>();
  private readonly egress = new Map<number, Chain | null>();
  /** chainOf's last answer and its device: consecutive packets usually share one. */
  private lastIfindex = NaN;
  private lastIngress = false;
  private lastChain: Chain | null = null;

  constructor(readonly snapshot: Snapshot, readonly m: Machine) {}

  /** The programs attached to the packet's device and direction. */
  chainOf(ifindex: number, ingress: boolean): Chain | null {
    return ifindex === this.lastIfindex && ingress === this.lastIngress ? this.lastChain : this.lookUpChain(ifindex, ingress);
  }

  private lookUpChain(ifindex: number, ingress: boolean): Chain | null {
    const chains = ingress ? this.ingress : this.egress;
    let c = chains.get(ifindex);
    if (c === undefined) {
      const dev = this.snapshot.netdevs[ifindex];
      const fp = dev === undefined ? undefined : ingress ? dev.tcx_ingress?.fp : dev.tcx_egress?.fp;
      // Its own arrays: indexing the snapshot's frozen one was a generic (megamorphic inline cache) load on every packet.
      chains.set(ifindex, (c = fp == null ? null : new Chain(fp.slice())));
    }
    this.lastIfindex = ifindex;
    this.lastIngress = ingress;
    return (this.lastChain = c);
  }

  /** The compiled k-th program of c, or why there is none. */
  fn(c: Chain, k: number): ProgFn | DatapathError {
    const fn = c.fns[k];
    return fn !== undefined ? fn : (c.fns[k] = compileFor(this.snapshot, c.ids[k]));
  }
}

export function runBatch(snapshot: Snapshot, packets: readonly Packet[], inputs: RunInputs = {}): BatchResult {
  const m = newMachine(snapshot, inputs);
  const base = BigInt(inputs.clock ?? 0);
  const b = new Batch(snapshot, m);
  const n = packets.length;
  // Filled in order: no holes once the loop ends (preallocated: pushing grew and copied it).
  const verdicts: Verdict[] = new Array<Verdict>(n);
  for (let i = 0; i < n; i++) {
    const p = packets[i];
    m.packet = i;
    m.clockNs = p.time !== undefined ? BigInt(p.time) : base;
    verdicts[i] = runPacket(b, p);
  }
  return { verdicts, writeSet: m.overlay.writeSet(), log: m.log };
}

// The per-packet path keeps to the common case; set-up with given skb fields, faults and
// redirects are in functions of their own, so that what stays here is small enough to inline.
function runPacket(b: Batch, p: Packet): Verdict {
  const m = b.m, out = b.out;
  const n = framePacket(m, p.data);
  const ingress = p.direction === 'ingress';
  if (p.skb === undefined) putBatchSkb(m, p.data, n, ingress, p.ifindex);
  else putGivenSkb(m, n, ingress, p);
  m.redirect = null;
  m.csumLevel = CHECKSUM_NONE;
  const c = b.chainOf(p.ifindex, ingress);
  out.beginRuns();
  let ret = TCX_NEXT;
  if (c !== null) {
    const ids = c.ids;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k];
      m.resetRegions();
      const fn = b.fn(c, k);
      if (typeof fn !== 'function') return { action: 'error', code: TCX_NEXT, runs: out.runsOut(), skb: out.skbOut(m), error: fn };
      const retval = runProgram(m, id, fn, BASE, HI_CTX, 0, 0);
      if (m.error !== null) return faulted(b, p, id);
      ret = retval | 0;
      out.addRun(id, ret, m.tailCalled);
      if (ret !== TCX_NEXT) break;
    }
  }
  const code = ret === TCX_PASS || ret === TCX_DROP || ret === TCX_REDIRECT ? ret : TCX_NEXT;
  if (code === TCX_PASS) {
    const cls = skbU32(m, SKB.tc_classid);
    if (skbU32(m, SKB.tc_index) !== cls) setSkbU32(m, SKB.tc_index, cls);
  }
  const d = changed(m, p.data);
  if (code === TCX_REDIRECT) return redirected(b, d);
  const action = code === TCX_DROP ? 'drop' : 'pass';
  return d === undefined ? out.plain(action, code, m) : out.verdict(action, code, d, m);
}

/** The skb of a packet that gives some of its fields. */
function putGivenSkb(m: Machine, n: number, ingress: boolean, p: Packet): void {
  const data = m.pktBuf;
  const eth = ethTypeTrans(data.subarray(0, n), data.subarray(0, 6));
  loadSkbFields(m, n, { protocol: eth.protocol, pkt_type: ingress ? eth.pkt_type : 0, ifindex: p.ifindex, ingress_ifindex: ingress ? p.ifindex : 0, ...p.skb });
}

/** The verdict of a packet whose program `id` faulted (m.error). */
function faulted(b: Batch, p: Packet, id: number): Verdict {
  const { m, out } = b;
  out.addRun(id, 0, m.tailCalled);
  const d = changed(m, p.data);
  const error = m.error as DatapathError;
  return d === undefined
    ? { action: 'error', code: TCX_NEXT, runs: out.runsOut(), skb: out.skbOut(m), error }
    : { action: 'error', code: TCX_NEXT, runs: out.runsOut(), skb: out.skbOut(m), data: d, error };
}

/** TC_ACT_REDIRECT: to the target bpf_redirect & co. left, or dropped. */
function redirected(b: Batch, d: string | undefined): Verdict {
  const { m, out } = b;
  const ri = m.redirect as RedirectInfo | null; // set by helpers during the runs
  if (ri === null) return out.verdict('drop', TCX_REDIRECT, d, m, 'TC_ACT_REDIRECT without a redirect target');
  if (b.snapshot.netdevs[ri.ifindex] === undefined) return out.verdict('drop', TCX_REDIRECT, d, m, `redirect to ifindex ${ri.ifindex}: no such device`);
  const redirect = { ifindex: ri.ifindex, ingress: (ri.flags & BPF_F_INGRESS) !== 0, kind: ri.kind };
  return d === undefined
    ? { action: 'redirect', code: TCX_REDIRECT, runs: out.runsOut(), skb: out.skbOut(m), redirect }
    : { action: 'redirect', code: TCX_REDIRECT, runs: out.runsOut(), data: d, skb: out.skbOut(m), redirect };
}
