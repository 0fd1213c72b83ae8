// BPF_PROG_TEST_RUN for SCHED_CLS / SCHED_ACT programs, answered as Linux 6.18 answers it
// (bpf_prog_test_run in kernel/bpf/syscall.c, bpf_prog_test_run_skb in net/bpf/test_run.c; every
// behaviour below is recorded from the live kernel in fixtures/datapath/testrun.json):
//
//   - ctx_in without ctx_size_in (or the reverse), ctx_out without ctx_size_out: -EINVAL
//   - flags, cpu or batch_size set: -EINVAL
//   - data_in shorter than ETH_HLEN (14) or longer than 3712 bytes
//     (PAGE_SIZE - NET_SKB_PAD - SKB_DATA_ALIGN(sizeof(struct skb_shared_info))): -EINVAL
//   - ctx_in longer than a page, or with a non-zero byte past struct __sk_buff (192): -E2BIG
//   - ctx_in->ifindex > 1 naming no device: -ENODEV
//   - ctx_in with a field other than mark, priority, ingress_ifindex, ifindex, cb[], tstamp,
//     wire_len, gso_segs, gso_size, hwtstamp non-zero; wire_len below the packet length or above
//     GSO_LEGACY_MAX_SIZE; gso_segs above GSO_MAX_SEGS: -EINVAL
//   - the program runs `repeat` times (0 means 1) on the same skb: its changes to the packet, the
//     ctx and maps accumulate; retval is the last run's (u32)
//   - data_out gets the packet after the run; data_size_out its length. A data_size_out hint
//     smaller than that copies the first data_size_out bytes and answers -ENOSPC (0: no hint).
//   - ctx_out (when ctx_in or ctx_out is given, a __sk_buff exists) gets mark, priority,
//     ingress_ifindex, ifindex, cb[], tstamp, wire_len, gso_segs, gso_size, hwtstamp; a ctx_size_out
//     below 192 copies that much and answers -ENOSPC.
// The packet is built on the loopback device (ifindex 1) unless ctx_in names another: eth_type_trans
// sets protocol and pkt_type from the loopback's all-zero address and broadcast address. duration is 0.
import { bpf_prog_type, errno } from '@bpfsim/events';
import { bytesToHex as toHex, hexToBytes as fromHex } from './hex.ts';
import type { DatapathError } from './fault.ts';
import type { LogEntry } from './machine.ts';
import { SKB, SKB_SIZE } from './memory/ctx.ts';
import { HI_CTX, BASE } from './memory/region.ts';
import { runRepeated } from './run.ts';
import { compileFor, newMachine, type RunInputs } from './session.ts';
import { ETH_HLEN, ethTypeTrans, loadSkb } from './skb.ts';
import type { Snapshot } from './snapshot.ts';
import type { WriteSet } from './writeset.ts';

/** The BPF_PROG_TEST_RUN attr as the event vocabulary has it (packages/events attrs.ts). */
export interface TestRunAttr {
  readonly data_in?: string;
  readonly data_size_out?: number;
  /** Whether a data_out buffer is passed. */
  readonly data_out?: boolean;
  readonly repeat?: number;
  readonly ctx_in?: string;
  readonly ctx_out?: boolean;
  readonly ctx_size_out?: number;
  readonly flags?: number;
  readonly cpu?: number;
  readonly batch_size?: number;
}

/** What the kernel writes back, in the shape the oracle decodes it (packages/oracle attr/decode.ts). */
export interface TestRunOut {
  readonly retval: number;
  readonly duration: number;
  readonly data_size_out: number;
  readonly data_out?: string;
  readonly ctx_size_out?: number;
  readonly ctx_out?: string;
}

export interface TestRunResult {
  /** 0 or -errno. -EFAULT with `error` when the program faulted (a program the verifier would have refused). */
  readonly ret: number;
  /** Present when the kernel writes results back: ret 0 or -ENOSPC. */
  readonly out?: TestRunOut;
  /** Map writes of the runs: they persist in the kernel, so the reducer folds them. */
  readonly writeSet: WriteSet;
  readonly log: readonly LogEntry[];
  readonly error?: DatapathError;
}

/** PAGE_SIZE - NET_SKB_PAD - SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) on x86_64. */
export const TEST_RUN_MAX_DATA = 3712;
const PAGE_SIZE = 4096;
const GSO_LEGACY_MAX_SIZE = 65536;
const GSO_MAX_SEGS = 65535;
const LOOPBACK_IFINDEX = 1;

/** Byte ranges of struct __sk_buff that ctx_in may set. */
const CTX_IN_ALLOWED: readonly [number, number][] = [
  [SKB.mark, 4], [SKB.priority, 4], [SKB.ingress_ifindex, 4], [SKB.ifindex, 4], [SKB.cb, 20], [SKB.tstamp, 8],
  [SKB.wire_len, 4], [SKB.gso_segs, 4], [SKB.gso_size, 4], [SKB.hwtstamp, 8],
];
/** The fields convert_skb_to___skb copies back into ctx_out. */
const CTX_OUT_FIELDS = CTX_IN_ALLOWED;

const fail = (ret: number): TestRunResult => ({ ret: -ret, writeSet: [], log: [] });

function ctxInErrno(ctx: Uint8Array): number {
  if (ctx.length > PAGE_SIZE) return errno.E2BIG;
  for (let i = SKB_SIZE; i < ctx.length; i++) if (ctx[i] !== 0) return errno.E2BIG;
  return 0;
}

function allowedByte(i: number): boolean {
  return CTX_IN_ALLOWED.some(([o, n]) => i >= o && i < o + n);
}

export function testRun(snapshot: Snapshot, progId: number, attr: TestRunAttr, inputs: RunInputs = {}): TestRunResult {
  const ctxIn = attr.ctx_in === undefined ? undefined : fromHex(attr.ctx_in);
  if (ctxIn !== undefined && ctxIn.length === 0) return fail(errno.EINVAL);
  if ((attr.ctx_out ?? false) !== ((attr.ctx_size_out ?? 0) > 0)) return fail(errno.EINVAL);
  const prog = snapshot.progs[progId];
  if (prog === undefined) return fail(errno.EBADF);
  if (prog.prog_type !== bpf_prog_type.BPF_PROG_TYPE_SCHED_CLS && prog.prog_type !== bpf_prog_type.BPF_PROG_TYPE_SCHED_ACT) {
    return { ...fail(errno.ENOTSUPP), error: { kind: 'internal', pc: -1, prog_id: progId, message: `test runs of prog type ${prog.prog_type} are not modelled` } };
  }
  if (attr.flags || attr.cpu || attr.batch_size) return fail(errno.EINVAL);
  const data = fromHex(attr.data_in ?? '');
  if (data.length < ETH_HLEN || data.length > TEST_RUN_MAX_DATA) return fail(errno.EINVAL);

  // A __sk_buff exists when either ctx_in or ctx_out is given (bpf_ctx_init).
  let ctx: Uint8Array | undefined;
  if (ctxIn !== undefined || attr.ctx_out) {
    const e = ctxIn ? ctxInErrno(ctxIn) : 0;
    if (e) return fail(e);
    ctx = new Uint8Array(SKB_SIZE);
    if (ctxIn) ctx.set(ctxIn.subarray(0, SKB_SIZE));
  }
  const cdv = ctx ? new DataView(ctx.buffer) : undefined;
  const u32 = (off: number) => cdv!.getUint32(off, true);
  let ifindex = LOOPBACK_IFINDEX;
  if (ctx && u32(SKB.ifindex) > 1) {
    ifindex = u32(SKB.ifindex);
    if (snapshot.netdevs[ifindex] === undefined) return fail(errno.ENODEV);
  }
  let wireLen = 0;
  if (ctx) {
    for (let i = 0; i < SKB_SIZE; i++) if (ctx[i] !== 0 && !allowedByte(i)) return fail(errno.EINVAL);
    wireLen = u32(SKB.wire_len) === 0 ? data.length : u32(SKB.wire_len);
    if (wireLen < data.length || wireLen > GSO_LEGACY_MAX_SIZE) return fail(errno.EINVAL);
    if (u32(SKB.gso_segs) > GSO_MAX_SEGS) return fail(errno.EINVAL);
  }

  const fn = compileFor(snapshot, progId);
  if (typeof fn !== 'function') return { ...fail(errno.EFAULT), error: fn };
  const m = newMachine(snapshot, inputs);
  const eth = ethTypeTrans(data, new Uint8Array(6)); // the loopback's address and broadcast address are all-zero
  const pktType = eth.pkt_type === 1 ? 2 : eth.pkt_type; // ff:..:ff is not the loopback's broadcast address
  loadSkb(m, data, {
    protocol: eth.protocol, pkt_type: pktType, ifindex,
    ...(ctx ? {
      mark: u32(SKB.mark), priority: u32(SKB.priority), ingress_ifindex: u32(SKB.ingress_ifindex),
      cb: [0, 1, 2, 3, 4].map((i) => u32(SKB.cb + 4 * i)), tstamp: cdv!.getBigUint64(SKB.tstamp, true).toString(),
      wire_len: wireLen, gso_segs: u32(SKB.gso_segs), gso_size: u32(SKB.gso_size), hwtstamp: cdv!.getBigUint64(SKB.hwtstamp, true).toString(),
    } : { wire_len: 0 }),
  });

  const retval = runRepeated(m, progId, fn, BASE, HI_CTX, Math.max(1, attr.repeat ?? 1));
  if (m.error) return { ret: -errno.EFAULT, writeSet: m.overlay.writeSet(), log: m.log, error: m.error };

  let ret = 0;
  const pkt = m.pkt.u8.subarray(0, m.pkt.len);
  let dataOut: string | undefined;
  if (attr.data_out) {
    const hint = attr.data_size_out ?? 0;
    if (hint !== 0 && hint < pkt.length) { dataOut = toHex(pkt.subarray(0, hint)); ret = -errno.ENOSPC; } else dataOut = toHex(pkt);
  }
  let ctxOut: string | undefined;
  if (ctx && attr.ctx_out) {
    const out = new Uint8Array(SKB_SIZE);
    for (const [o, n] of CTX_OUT_FIELDS) out.set(m.ctx.subarray(o, o + n), o);
    const size = attr.ctx_size_out ?? 0;
    if (size < SKB_SIZE) { ctxOut = toHex(out.subarray(0, size)); if (ret === 0) ret = -errno.ENOSPC; } else ctxOut = toHex(out);
  }
  const out: TestRunOut = {
    retval, duration: 0, data_size_out: pkt.length,
    ...(dataOut !== undefined ? { data_out: dataOut } : {}),
    ...(ctxOut !== undefined ? { ctx_size_out: SKB_SIZE, ctx_out: ctxOut } : {}),
  };
  return { ret, out, writeSet: m.overlay.writeSet(), log: m.log };
}
