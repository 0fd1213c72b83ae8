// The mutable state of one run session (a batch, a test run, a conformance test): the region
// table, the stack, the skb's ctx image and packet, budgets, and what helpers need (overlay,
// log, random state, clock, redirect target). Compiled programs take it as their first argument.
import { BPF_MAX_LOOPS, MAX_BPF_STACK, MAX_CALL_FRAMES } from './opcodes.ts';
import { FIRST_DYNAMIC_REGION, KIND_CTX, KIND_MAP, RID_CTX, RID_MAPS, RID_PACKET, RID_STACK, memRegion, type Region } from './memory/region.ts';
import { SKB_SIZE } from './memory/ctx.ts';
import type { Overlay } from './maps/overlay.ts';
import type { Snapshot } from './snapshot.ts';
import type { Rng } from './rng.ts';
import type { HelperTable } from './helpers/table.ts';
import type { ProgFn } from './compile/codegen.ts';
import type { DatapathError } from './fault.ts';

/** A bpf_trace_printk line: the program, the packet of the batch (absent in test runs), the text. */
export interface LogEntry { readonly prog_id: number; readonly packet?: number; readonly msg: string }

/** bpf_redirect_info: set by bpf_redirect & co., read when the verdict is TC_ACT_REDIRECT. */
export interface RedirectInfo { ifindex: number; flags: number; kind: 'redirect' | 'neigh' | 'peer' }

/** Machine.csumLevel of an skb whose ip_summed is CHECKSUM_NONE. */
export const CHECKSUM_NONE = -1;

/** Back-edges one program run may take before the engine calls it a runaway loop. */
export const LOOP_BUDGET = 1 << 26;

export class Machine {
  regions: (Region | undefined)[] = [];
  nreg = FIRST_DYNAMIC_REGION;
  /** High half of the 64-bit value a runtime function or compiled function returned. */
  rh = 0;
  /** Offset into the region memory/access.ts resolved last. */
  o = 0;
  readonly stack = new Uint8Array(MAX_BPF_STACK * MAX_CALL_FRAMES);
  readonly sdv = new DataView(this.stack.buffer);
  readonly ctx = new Uint8Array(SKB_SIZE);
  readonly cdv = new DataView(this.ctx.buffer);
  readonly ctx32 = new Int32Array(this.ctx.buffer);
  pkt: Region = memRegion('packet', new Uint8Array(0));
  /**
   * Whether ctx holds more than the fields the batch's per-packet set-up writes (pipeline.ts):
   * set by every other writer of ctx (stores, skb.ts setters); the set-up clears ctx only then.
   */
  ctxDirty = false;
  /** Whether the packet's bytes may have been written since pipeline.ts copied the frame in (same writers as markStack). */
  pktDirty = true;
  /** The batch's packet memory, reused from packet to packet (grown when a frame is larger). */
  pktBuf = new Uint8Array(2048);
  /** The frame as it came in, to tell whether the programs changed it. */
  pktOrig = new Uint8Array(2048);
  /** Word views of pktBuf and pktOrig: copied and compared 4 bytes at a time (pipeline.ts). */
  pktBuf32 = new Int32Array(this.pktBuf.buffer);
  pktOrig32 = new Int32Array(this.pktOrig.buffer);
  /**
   * The hex string pktOrig was last decoded from (a batch often repeats a frame): skips decoding
   * it again. A string from the start ('' decodes to nothing): a field that is sometimes
   * undefined made V8 drop the compiled comparisons with it on each new machine.
   */
  frameHex = '';
  /**
   * The frame (hex) and device (ifindex, ingress) whose set-up fields a clean ctx holds
   * (skb.ts putBatchSkb): a packet with the same three, on a clean ctx, needs no set-up at all.
   * NaN: no set-up yet (equal to no ifindex).
   */
  skbFrame = '';
  skbIfindex = NaN;
  skbIngress = false;
  mayGoto = BPF_MAX_LOOPS;
  tailCalls = 0;
  /** The program running now (for trace_printk and error reports). */
  progId = 0;
  /**
   * Stack bytes [slo, shi) may have been written since the stack was last cleared (nothing when
   * slo >= shi): compiled code marks its frame's inline stores, access.ts and helpers the stores
   * through pointers (markStack). beginRun clears just those, not the whole 4 KiB.
   */
  slo = MAX_BPF_STACK * MAX_CALL_FRAMES;
  shi = 0;
  redirect: RedirectInfo | null = null;
  /** The skb's checksum state: CHECKSUM_NONE, or CHECKSUM_UNNECESSARY with this csum_level (helpers/csum.ts). Per skb, not per run. */
  csumLevel = CHECKSUM_NONE;
  /** The fault that ended the last run (runProgram), or null. */
  error: DatapathError | null = null;
  /** Programs reached by tail calls in the current run, in order. */
  tailCalled: number[] = [];
  /** Bumped by resetRegions: map value regions of an older epoch are gone. */
  epoch = 0;
  /** The compiled main function of a program (tail call targets), undefined if it is not in the snapshot. */
  load: (progId: number) => ProgFn | undefined = () => undefined;
  log: LogEntry[] = [];
  /** Index of the batch's packet being run (-1: not in a batch). */
  packet = -1;

  /**
   * The stack's region: its len is the running function's fp (compile/codegen.ts sets it on entry
   * and after each bpf-to-bpf call), so what lies above the current frame (a returned callee's
   * frame) is out of bounds; a caller's frames, below it, stay reachable through pointers.
   */
  readonly stackRegion: Region = memRegion('stack', this.stack);

  constructor(
    readonly snapshot: Snapshot,
    readonly overlay: Overlay,
    readonly rng: Rng,
    public clockNs: bigint,
    readonly helpers: HelperTable,
  ) {
    this.regions[RID_STACK] = this.stackRegion;
    this.regions[RID_MAPS] = memRegion('map pointer', new Uint8Array(0), false, KIND_MAP);
    // The ctx region's bounds cover all of struct __sk_buff; accesses are checked field by field.
    this.regions[RID_CTX] = memRegion('ctx', this.ctx, true, KIND_CTX);
    this.regions[RID_PACKET] = this.pkt;
  }

  /** Packet memory for frames of up to n bytes (a whole number of words). */
  growPacket(n: number): void {
    const size = (n + 3) & ~3;
    this.pktBuf = new Uint8Array(size);
    this.pktOrig = new Uint8Array(size);
    this.pktBuf32 = new Int32Array(this.pktBuf.buffer);
    this.pktOrig32 = new Int32Array(this.pktOrig.buffer);
    this.frameHex = '';
  }

  setPacket(r: Region): void {
    this.pkt = r;
    this.regions[RID_PACKET] = r;
  }

  /** A new region for this packet; its id is valid until resetRegions. */
  addRegion(r: Region): number {
    const id = this.nreg++;
    if (id >= 0x10000) throw new Error('too many memory regions in one packet');
    this.regions[id] = r;
    return id;
  }

  resetRegions(): void {
    // No region added since the last reset: no element holds an id of this epoch, nothing to drop.
    if (this.nreg === FIRST_DYNAMIC_REGION) return;
    for (let i = FIRST_DYNAMIC_REGION; i < this.nreg; i++) this.regions[i] = undefined;
    this.nreg = FIRST_DYNAMIC_REGION;
    this.epoch++;
  }

  /** A fresh program run: budgets, tail-call count, a zeroed stack (deterministic uninitialised reads). */
  beginRun(progId: number): void {
    this.progId = progId;
    this.mayGoto = BPF_MAX_LOOPS;
    this.tailCalls = 0;
    this.error = null;
    if (this.tailCalled.length) this.tailCalled = [];
    if (this.slo < this.shi) this.clearStack(); // apart: keeps beginRun small enough to inline
  }

  private clearStack(): void {
    const lo = this.slo, hi = this.shi, st = this.stack;
    // A short range is cheaper as a loop than as a call of fill.
    if (hi - lo <= 64) for (let i = lo; i < hi; i++) st[i] = 0;
    else st.fill(0, lo, hi);
    this.slo = MAX_BPF_STACK * MAX_CALL_FRAMES;
    this.shi = 0;
  }

  /** n bytes at offset o of the stack may be written. */
  markStack(o: number, n: number): void {
    if (o < this.slo) this.slo = o;
    if (o + n > this.shi) this.shi = o + n;
  }
}
