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
// packet may have written: Machine.pktDirty, ctxDirty, markStack), and equal verdicts share objects
// (verdicts.ts). Nothing here throws: a program that faults ends its packet with action 'error'
// (map writes it made before the fault stay in the batch).
import { bytesToHex as toHex, hexInto } from './hex.ts';
import type { DatapathError } from './fault.ts';
import type { LogEntry, Machine, RedirectInfo } from './machine.ts';
import { SKB, SKB_SIZE } from './memory/ctx.ts';
import { BASE, HI_CTX } from './memory/region.ts';
import { runProgram } from './run.ts';
import type { ProgFn } from './compile/codegen.ts';
import { compileFor, newMachine, type RunInputs } from './session.ts';
import { PACKET_BROADCAST, PACKET_HOST, PACKET_MULTICAST, ethTypeTrans, loadSkbFields, packetRegion, putSkbBasics, skbU32, setSkbU32, type SkbFields } from './skb.ts';
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

/** A batch's machine and what it looks up once, not per packet. */
interface Batch {
  readonly snapshot: Snapshot;
  readonly m: Machine;
  readonly out: Verdicts;
  /** compileFor's answers, by prog id. */
  readonly fns: (ProgFn | DatapathError | undefined)[];
  /** The tcx fast path (fp) of each (ifindex, direction), by ifindex * 2 + (egress ? 1 : 0); null: none. */
  readonly chains: (readonly number[] | null | undefined)[];
}

/** The programs attached to the packet's device and direction. */
function chainOf(b: Batch, ifindex: number, ingress: boolean): readonly number[] | null {
  const key = ifindex * 2 + (ingress ? 0 : 1);
  let fp = b.chains[key];
  if (fp === undefined) {
    const dev = b.snapshot.netdevs[ifindex];
    b.chains[key] = fp = (dev === undefined ? undefined : ingress ? dev.tcx_ingress?.fp : dev.tcx_egress?.fp) ?? null;
  }
  return fp;
}

export function runBatch(snapshot: Snapshot, packets: readonly Packet[], inputs: RunInputs = {}): BatchResult {
  const m = newMachine(snapshot, inputs);
  const base = BigInt(inputs.clock ?? 0);
  const b: Batch = { snapshot, m, out: new Verdicts(), fns: [], chains: [] };
  const verdicts: Verdict[] = [];
  for (let i = 0; i < packets.length; i++) {
    const p = packets[i];
    m.packet = i;
    m.clockNs = p.time !== undefined ? BigInt(p.time) : base;
    verdicts.push(runPacket(b, p));
  }
  return { verdicts, writeSet: m.overlay.writeSet(), log: m.log };
}

/** The frame, when the programs changed it. */
function changed(m: Machine, p: Packet): string | undefined {
  const len = m.pkt.len, now = m.pkt.u8, was = m.pktOrig;
  if (len === p.data.length >>> 1) {
    if (!m.pktDirty && now === m.pktBuf) return undefined;
    let i = 0;
    if (now === m.pktBuf) { // a word at a time while the packet is still the machine's buffer
      const w = len >>> 2, a = m.pktBuf32, b = m.pktOrig32;
      let k = 0;
      while (k < w && a[k] === b[k]) k++;
      i = k << 2;
    }
    while (i < len && now[i] === was[i]) i++;
    if (i === len) return undefined;
  }
  return toHex(now.subarray(0, len));
}

/** The packet's bytes in the machine's reused packet memory. */
function framePacket(m: Machine, hex: string): Uint8Array {
  const n = hex.length >>> 1;
  if (m.pktBuf.length < n) m.growPacket(n);
  const buf = m.pktBuf, orig = m.pktOrig;
  if (hex !== m.frameHex) {
    // Decode once into the pristine copy; the packet memory gets a copy of it.
    hexInto(hex, orig);
    m.frameHex = hex;
    m.pktDirty = true;
  }
  if (m.pkt.u8 !== buf) { m.setPacket(packetRegion(buf)); m.pktDirty = true; }
  if (m.pktDirty || m.pkt.len !== n) { // else buf still holds the same frame, unwritten
    const w = n >>> 2, a = m.pktBuf32, b = m.pktOrig32;
    for (let k = 0; k < w; k++) a[k] = b[k];
    for (let i = w << 2; i < n; i++) buf[i] = orig[i];
    m.pktDirty = false;
  }
  m.pkt.len = n;
  return buf;
}

function runPacket(b: Batch, p: Packet): Verdict {
  const { snapshot, m, out, fns } = b;
  const data = framePacket(m, p.data);
  const n = m.pkt.len;
  const ingress = p.direction === 'ingress';
  if (p.skb === undefined) {
    // eth_type_trans against a device whose own address is not modelled: unicast frames count as
    // PACKET_HOST (ethTypeTrans with the frame's own destination as the device's address).
    if (m.ctxDirty) { m.ctx.fill(0, 0, SKB_SIZE); m.ctxDirty = false; } // else only these fields are set, and all are set again
    const pktType = ingress && (data[0] & 1) !== 0 ? (isBroadcast(data) ? PACKET_BROADCAST : PACKET_MULTICAST) : PACKET_HOST;
    putSkbBasics(m, n, pktType, ethProtocol(data, n), ingress ? p.ifindex : 0, p.ifindex);
  } else {
    const eth = ethTypeTrans(data.subarray(0, n), data.subarray(0, 6));
    loadSkbFields(m, n, { protocol: eth.protocol, pkt_type: ingress ? eth.pkt_type : 0, ifindex: p.ifindex, ingress_ifindex: ingress ? p.ifindex : 0, ...p.skb });
  }
  m.redirect = null;
  const fp = chainOf(b, p.ifindex, ingress);
  out.beginRuns();
  let ret = TCX_NEXT;
  if (fp !== null) {
    for (let k = 0; k < fp.length; k++) {
      const id = fp[k];
      m.resetRegions();
      let fn = fns[id];
      if (fn === undefined) fns[id] = fn = compileFor(snapshot, id);
      if (typeof fn !== 'function') return { action: 'error', code: TCX_NEXT, runs: out.runsOut(), skb: out.skbOut(m), error: fn };
      const retval = runProgram(m, id, fn, BASE, HI_CTX);
      if (m.error) {
        out.addRun(m.tailCalled.length ? { prog_id: id, ret: 0, tail_calls: [...m.tailCalled] } : { prog_id: id, ret: 0 });
        const d = changed(m, p);
        return d === undefined
          ? { action: 'error', code: TCX_NEXT, runs: out.runsOut(), skb: out.skbOut(m), error: m.error }
          : { action: 'error', code: TCX_NEXT, runs: out.runsOut(), skb: out.skbOut(m), data: d, error: m.error };
      }
      ret = retval | 0;
      out.addRun(m.tailCalled.length ? { prog_id: id, ret, tail_calls: [...m.tailCalled] } : out.progRun(id, ret));
      if (ret !== TCX_NEXT) break;
    }
  }
  const code = ret === TCX_PASS || ret === TCX_DROP || ret === TCX_REDIRECT ? ret : TCX_NEXT;
  if (code === TCX_PASS && skbU32(m, SKB.tc_index) !== skbU32(m, SKB.tc_classid)) setSkbU32(m, SKB.tc_index, skbU32(m, SKB.tc_classid));
  const d = changed(m, p);
  if (code === TCX_DROP) return out.verdict('drop', code, d, out.skbOut(m));
  if (code === TCX_REDIRECT) {
    const ri = m.redirect as RedirectInfo | null; // set by helpers during the runs
    if (ri === null) return out.verdict('drop', code, d, out.skbOut(m), 'TC_ACT_REDIRECT without a redirect target');
    if (snapshot.netdevs[ri.ifindex] === undefined) return out.verdict('drop', code, d, out.skbOut(m), `redirect to ifindex ${ri.ifindex}: no such device`);
    const redirect = { ifindex: ri.ifindex, ingress: (ri.flags & BPF_F_INGRESS) !== 0, kind: ri.kind };
    return d === undefined
      ? { action: 'redirect', code, runs: out.runsOut(), skb: out.skbOut(m), redirect }
      : { action: 'redirect', code, runs: out.runsOut(), data: d, skb: out.skbOut(m), redirect };
  }
  return out.verdict('pass', code, d, out.skbOut(m));
}

function isBroadcast(d: Uint8Array): boolean {
  return d[0] === 0xff && d[1] === 0xff && d[2] === 0xff && d[3] === 0xff && d[4] === 0xff && d[5] === 0xff;
}

/** eth_type_trans's protocol as __sk_buff.protocol holds it (see skb.ts ethTypeTrans). */
function ethProtocol(d: Uint8Array, n: number): number {
  const proto = (d[12] << 8) | d[13];
  const q = proto >= 0x0600 ? proto : n >= 16 && d[14] === 0xff && d[15] === 0xff ? 0x0001 : 0x0004;
  return ((q & 0xff) << 8) | (q >>> 8);
}
