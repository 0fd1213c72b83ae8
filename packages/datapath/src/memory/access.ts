// Loads, stores and atomics through a pointer held in a register (accesses through r10 with a
// constant offset are compiled inline, compile/mem.ts). Each resolves the region the pointer
// names, checks the bounds, and faults with the pc and the 64-bit address otherwise.
import { Fault, hex64 } from '../fault.ts';
import type { Machine } from '../machine.ts';
import { BASE, KIND_CTX, KIND_MEM, PTR_TAG, RID_PACKET, HI_PACKET, type Region } from './region.ts';
import { ctxAccessAllowed, ctxAccessDenied, SKB } from './ctx.ts';
import { BPF_ADD, BPF_AND, BPF_CMPXCHG, BPF_FETCH, BPF_OR, BPF_XCHG, BPF_XOR } from '../opcodes.ts';

function oob(m: Machine, hi: number, lo: number, n: number, pc: number, what: string): Fault {
  const rid = (hi ^ PTR_TAG) >>> 0;
  const r = rid < m.nreg ? m.regions[rid] : undefined;
  const where = r ? `outside ${r.name} (${r.len} bytes) at offset ${(lo - BASE) | 0}` : 'not in any region';
  return new Fault('oob', pc, `invalid ${what} of ${n} bytes at ${hex64(hi, lo)}: ${where}`, hex64(hi, lo));
}

/** The region [hi:lo, +n) lies in; m.o gets the offset. */
export function resolve(m: Machine, hi: number, lo: number, n: number, pc: number, what: string): Region {
  const rid = (hi ^ PTR_TAG) >>> 0;
  const r = rid < m.nreg ? m.regions[rid] : undefined;
  const o = (lo - BASE) | 0;
  if (r === undefined || (o >>> 0) + n > r.len) throw oob(m, hi, lo, n, pc, what);
  m.o = o;
  return r;
}

/** Bookkeeping of a store of n bytes to r at m.o: stack bytes for beginRun to clear, a changed packet. */
export function wrote(m: Machine, r: Region, n: number): void {
  if (r.u8 === m.stack) m.markStack(m.o, n);
  else if (r === m.pkt) m.pktDirty = true;
}

function ctxCheck(m: Machine, hi: number, lo: number, n: number, pc: number, write: boolean): number {
  if (ctxAccessAllowed(m.o, n, write)) return m.o;
  const why = ctxAccessDenied(m.o, n, write);
  if (why !== undefined) throw new Fault('ctx', pc, `invalid ctx ${write ? 'write' : 'read'} off=${m.o} size=${n}: ${why}`, hex64(hi, lo));
  return m.o;
}

/** A packet pointer read from __sk_buff.data / data_meta / data_end. */
function ctxPointer(m: Machine, off: number): number {
  m.rh = HI_PACKET;
  return (BASE + (off === SKB.data_end ? m.pkt.len : 0)) | 0;
}

export function ld8(m: Machine, hi: number, lo: number, pc: number): number {
  const r = resolve(m, hi, lo, 1, pc, 'read');
  if (r.kind !== KIND_MEM) { if (r.kind !== KIND_CTX) throw oob(m, hi, lo, 1, pc, 'read'); ctxCheck(m, hi, lo, 1, pc, false); }
  return r.u8[m.o];
}

export function ld16(m: Machine, hi: number, lo: number, pc: number): number {
  const r = resolve(m, hi, lo, 2, pc, 'read');
  if (r.kind !== KIND_MEM) { if (r.kind !== KIND_CTX) throw oob(m, hi, lo, 2, pc, 'read'); ctxCheck(m, hi, lo, 2, pc, false); }
  return r.dv.getUint16(m.o, true);
}

/** Sets m.rh: 0, or a packet pointer's high half for the ctx's data fields. */
export function ld32(m: Machine, hi: number, lo: number, pc: number): number {
  const r = resolve(m, hi, lo, 4, pc, 'read');
  m.rh = 0;
  if (r.kind !== KIND_MEM) {
    if (r.kind !== KIND_CTX) throw oob(m, hi, lo, 4, pc, 'read');
    const off = ctxCheck(m, hi, lo, 4, pc, false);
    if (off === SKB.data || off === SKB.data_end || off === SKB.data_meta) return ctxPointer(m, off);
  }
  return r.dv.getInt32(m.o, true);
}

/** Returns the low half, sets m.rh to the high half. */
export function ld64(m: Machine, hi: number, lo: number, pc: number): number {
  const r = resolve(m, hi, lo, 8, pc, 'read');
  if (r.kind !== KIND_MEM) {
    if (r.kind !== KIND_CTX) throw oob(m, hi, lo, 8, pc, 'read');
    const off = ctxCheck(m, hi, lo, 8, pc, false);
    if (off === SKB.sk) { m.rh = 0; return 0; } // no socket is modelled: skb->sk reads as NULL
  }
  m.rh = r.dv.getInt32(m.o + 4, true);
  return r.dv.getInt32(m.o, true);
}

function writable(m: Machine, r: Region, hi: number, lo: number, n: number, pc: number): void {
  if (r.kind === KIND_MEM) {
    if (!r.writable) throw new Fault('readonly', pc, `write of ${n} bytes to read-only ${r.name} at ${hex64(hi, lo)}`, hex64(hi, lo));
  } else if (r.kind === KIND_CTX) { ctxCheck(m, hi, lo, n, pc, true); m.ctxDirty = true; }
  else throw oob(m, hi, lo, n, pc, 'write');
}

export function st8(m: Machine, hi: number, lo: number, v: number, pc: number): void {
  const r = resolve(m, hi, lo, 1, pc, 'write');
  if (r.kind !== KIND_MEM || !r.writable) writable(m, r, hi, lo, 1, pc);
  wrote(m, r, 1);
  r.u8[m.o] = v;
}

export function st16(m: Machine, hi: number, lo: number, v: number, pc: number): void {
  const r = resolve(m, hi, lo, 2, pc, 'write');
  if (r.kind !== KIND_MEM || !r.writable) writable(m, r, hi, lo, 2, pc);
  wrote(m, r, 2);
  r.dv.setUint16(m.o, v, true);
}

export function st32(m: Machine, hi: number, lo: number, v: number, pc: number): void {
  const r = resolve(m, hi, lo, 4, pc, 'write');
  if (r.kind !== KIND_MEM || !r.writable) writable(m, r, hi, lo, 4, pc);
  wrote(m, r, 4);
  r.dv.setInt32(m.o, v, true);
}

export function st64(m: Machine, hi: number, lo: number, vl: number, vh: number, pc: number): void {
  const r = resolve(m, hi, lo, 8, pc, 'write');
  if (r.kind !== KIND_MEM || !r.writable) writable(m, r, hi, lo, 8, pc);
  wrote(m, r, 8);
  r.dv.setInt32(m.o, vl, true);
  r.dv.setInt32(m.o + 4, vh, true);
}

function atomicRegion(m: Machine, hi: number, lo: number, n: number, pc: number): Region {
  const r = resolve(m, hi, lo, n, pc, 'atomic access');
  // The verifier refuses atomics on packet memory, and unaligned ones.
  if (r.kind !== KIND_MEM || !r.writable || r === m.regions[RID_PACKET] || (m.o & (n - 1)) !== 0) atomicFault(m, r, hi, lo, n, pc);
  wrote(m, r, n);
  return r;
}

/** Throws the fault of a refused atomic access (apart from atomicRegion: keeps it small enough to inline). */
function atomicFault(m: Machine, r: Region, hi: number, lo: number, n: number, pc: number): void {
  if (r.kind !== KIND_MEM) throw new Fault('ctx', pc, `atomic access to ${r.name} at ${hex64(hi, lo)}`, hex64(hi, lo));
  if (!r.writable) writable(m, r, hi, lo, n, pc);
  if (r === m.regions[RID_PACKET]) throw new Fault('oob', pc, `atomic access to the packet at ${hex64(hi, lo)}`, hex64(hi, lo));
  if ((m.o & (n - 1)) !== 0) throw new Fault('oob', pc, `misaligned atomic access at ${hex64(hi, lo)}`, hex64(hi, lo));
}

/**
 * 32-bit atomic op (imm of BPF_STX | BPF_ATOMIC | BPF_W) with operand v; returns the old value
 * (zero-extended by the caller) for fetch forms. For cmpxchg `expect` is r0's low half.
 */
export function atomic32(m: Machine, hi: number, lo: number, op: number, v: number, expect: number, pc: number): number {
  const r = atomicRegion(m, hi, lo, 4, pc);
  const o = m.o, dv = r.dv;
  const old = dv.getInt32(o, true);
  switch (op & ~BPF_FETCH) {
    case BPF_ADD: dv.setInt32(o, (old + v) | 0, true); break;
    case BPF_OR: dv.setInt32(o, old | v, true); break;
    case BPF_AND: dv.setInt32(o, old & v, true); break;
    case BPF_XOR: dv.setInt32(o, old ^ v, true); break;
    case BPF_XCHG & ~BPF_FETCH: dv.setInt32(o, v, true); break;
    case BPF_CMPXCHG & ~BPF_FETCH: if (old === expect) dv.setInt32(o, v, true); break;
    default: throw new Fault('insn', pc, `unknown atomic op 0x${op.toString(16)}`);
  }
  return old;
}

/** 64-bit atomic op; returns the old low half, m.rh the old high half. */
export function atomic64(m: Machine, hi: number, lo: number, op: number, vl: number, vh: number, el: number, eh: number, pc: number): number {
  const r = atomicRegion(m, hi, lo, 8, pc);
  const o = m.o, dv = r.dv;
  const ol = dv.getInt32(o, true), oh = dv.getInt32(o + 4, true);
  let nl = ol, nh = oh;
  switch (op & ~BPF_FETCH) {
    case BPF_ADD: { const t = (ol >>> 0) + (vl >>> 0); nl = t | 0; nh = (oh + vh + (t > 0xffffffff ? 1 : 0)) | 0; break; }
    case BPF_OR: nl = ol | vl; nh = oh | vh; break;
    case BPF_AND: nl = ol & vl; nh = oh & vh; break;
    case BPF_XOR: nl = ol ^ vl; nh = oh ^ vh; break;
    case BPF_XCHG & ~BPF_FETCH: nl = vl; nh = vh; break;
    case BPF_CMPXCHG & ~BPF_FETCH: if (ol === el && oh === eh) { nl = vl; nh = vh; } break;
    default: throw new Fault('insn', pc, `unknown atomic op 0x${op.toString(16)}`);
  }
  dv.setInt32(o, nl, true);
  dv.setInt32(o + 4, nh, true);
  m.rh = oh;
  return ol;
}
