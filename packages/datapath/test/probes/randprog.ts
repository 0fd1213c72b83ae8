// Random straight-line programs for the differential check: ALU/ALU64 (every op, K and X,
// sdiv/smod, movsx, bswap/be/le), forward conditional jumps (JMP and JMP32), stack and packet
// loads/stores (incl. sign-extending loads) and atomics on the stack. All of it on scalars in
// r0-r7; r8 is the packet start (checked against data_end for PKT_MIN bytes), r10 the frame.
// At the end r0-r7 are stored into the packet (so data_out shows all 64 bits) and folded into r0.
// The shape keeps the kernel's verifier happy: every register and stack byte is written before
// it is read, immediates divide by non-zero and shift by < 32/64, every instruction is reachable.
// Atomics get their own stack area [-96, -64), filled from packet bytes first: Linux 6.18's
// verifier can mis-prune paths when an atomic fetch reads a stack slot whose contents it believes
// it knows (see fixtures/datapath/kernel-divergence-atomic-fetch.json), and unknown contents keep
// the generated programs clear of that.
import type { Insn } from '@bpfsim/events';
import { insn } from '@bpfsim/events';
import * as op from '../../src/opcodes.ts';

export const PKT_MIN = 96;
const STACK = 64;
const ATOMIC_AREA = 96;

class Gen {
  constructor(private s: number) {}
  u32(): number { let x = this.s; x ^= x << 13; x ^= x >>> 17; x ^= x << 5; this.s = x; return x >>> 0; }
  int(n: number): number { return this.u32() % n; }
  pick<T>(a: readonly T[]): T { return a[this.int(a.length)]; }
  imm(): number {
    switch (this.int(5)) {
      case 0: return this.int(16);
      case 1: return -this.int(16) - 1;
      case 2: return this.u32() | 0;
      case 3: return this.pick([0x7fffffff, -0x80000000, -1, 1, 0xffff, 0x8000, 0x80]);
      default: return (this.int(65536) - 32768) | 0;
    }
  }
}

const ALU_OPS = [op.BPF_ADD, op.BPF_SUB, op.BPF_MUL, op.BPF_DIV, op.BPF_OR, op.BPF_AND, op.BPF_LSH, op.BPF_RSH, op.BPF_NEG, op.BPF_MOD, op.BPF_XOR, op.BPF_MOV, op.BPF_ARSH];
const JMP_OPS = [op.BPF_JEQ, op.BPF_JGT, op.BPF_JGE, op.BPF_JSET, op.BPF_JNE, op.BPF_JSGT, op.BPF_JSGE, op.BPF_JLT, op.BPF_JLE, op.BPF_JSLT, op.BPF_JSLE];
const SIZES = [op.BPF_B, op.BPF_H, op.BPF_W, op.BPF_DW];
const BYTES: Record<number, number> = { [op.BPF_B]: 1, [op.BPF_H]: 2, [op.BPF_W]: 4, [op.BPF_DW]: 8 };

function lddw(d: number, lo: number, hi: number): Insn[] {
  return [insn(0x18, d, 0, 0, lo | 0), insn(0, 0, 0, 0, hi | 0)];
}

/** One body instruction (or an ld_imm64 pair). */
function bodyInsn(g: Gen): Insn[] {
  const d = g.int(8), s = g.int(8);
  const k = g.int(100);
  if (k < 45) {
    const cls = g.int(2) ? op.BPF_ALU64 : op.BPF_ALU;
    const o = g.pick(ALU_OPS);
    const x = g.int(2) === 1;
    const signed = (o === op.BPF_DIV || o === op.BPF_MOD) && g.int(2) === 1 ? 1 : 0;
    if (o === op.BPF_NEG) return [insn(cls | o, d)];
    if (o === op.BPF_MOV && x && g.int(3) === 0) { // movsx
      const w = cls === op.BPF_ALU64 ? g.pick([8, 16, 32]) : g.pick([8, 16]);
      return [insn(cls | o | op.BPF_X, d, s, w)];
    }
    if (x) return [insn(cls | o | op.BPF_X, d, s, signed)];
    let imm = g.imm();
    if (o === op.BPF_LSH || o === op.BPF_RSH || o === op.BPF_ARSH) imm = g.int(cls === op.BPF_ALU64 ? 64 : 32);
    if ((o === op.BPF_DIV || o === op.BPF_MOD) && imm === 0) imm = 3;
    return [insn(cls | o | op.BPF_K, d, 0, signed, imm)];
  }
  if (k < 50) {
    const w = g.pick([16, 32, 64]);
    return [insn(g.pick([op.BPF_ALU | op.BPF_END | op.BPF_TO_BE, op.BPF_ALU | op.BPF_END | op.BPF_TO_LE, op.BPF_ALU64 | op.BPF_END]), d, 0, 0, w)];
  }
  if (k < 54) return lddw(d, g.u32(), g.u32());
  if (k < 66) { // stack store (register or immediate), 8-byte aligned area [-STACK, 0)
    const sz = g.pick(SIZES);
    const off = -STACK + g.int((STACK - BYTES[sz]) / BYTES[sz] + 1) * BYTES[sz];
    return g.int(2) ? [insn(op.BPF_STX | op.BPF_MEM | sz, 10, s, off)] : [insn(op.BPF_ST | op.BPF_MEM | sz, 10, 0, off, g.imm())];
  }
  if (k < 76) { // stack load, maybe sign-extending
    const sz = g.pick(SIZES);
    const off = -STACK + g.int((STACK - BYTES[sz]) / BYTES[sz] + 1) * BYTES[sz];
    const sx = sz !== op.BPF_DW && g.int(3) === 0;
    return [insn(op.BPF_LDX | (sx ? op.BPF_MEMSX : op.BPF_MEM) | sz, d, 10, off)];
  }
  if (k < 86) { // packet load / store through r8 (any alignment)
    const sz = g.pick(SIZES);
    const off = g.int(PKT_MIN - BYTES[sz] + 1);
    if (g.int(2)) return [insn(op.BPF_LDX | op.BPF_MEM | sz, d, 8, off)];
    return [insn(op.BPF_STX | op.BPF_MEM | sz, 8, s, off)];
  }
  // atomics on their own stack area
  const w = g.int(2) ? op.BPF_W : op.BPF_DW;
  const off = -ATOMIC_AREA + g.int((ATOMIC_AREA - STACK) / 8) * 8;
  const a = g.pick([0x00, 0x40, 0x50, 0xa0, 0x01, 0x41, 0x51, 0xa1, op.BPF_XCHG, op.BPF_CMPXCHG]);
  return [insn(op.BPF_STX | op.BPF_ATOMIC | w, 10, s === 0 ? 1 : s, off, a)];
}

export function randomProgram(seed: number, bodyLen = 60): Insn[] {
  const g = new Gen(seed || 1);
  const head: Insn[] = [
    insn(op.BPF_LDX | op.BPF_MEM | op.BPF_W, 8, 1, 0, 0), insn(op.BPF_LDX | op.BPF_MEM | op.BPF_W, 9, 1, 0, 0),
  ];
  head[0] = { ...head[0], off: 76 };
  head[1] = { ...head[1], off: 80 };
  head.push(insn(op.BPF_ALU64 | op.BPF_MOV | op.BPF_X, 2, 8), insn(op.BPF_ALU64 | op.BPF_ADD | op.BPF_K, 2, 0, 0, PKT_MIN));
  const checkAt = head.length;
  head.push(insn(op.BPF_JMP | op.BPF_JGT | op.BPF_X, 2, 9, 0)); // offset fixed below
  for (let o = -STACK; o < 0; o += 8) head.push(insn(op.BPF_ST | op.BPF_MEM | op.BPF_DW, 10, 0, o, 0));
  for (let o = -ATOMIC_AREA; o < -STACK; o += 8) {
    head.push(insn(op.BPF_LDX | op.BPF_MEM | op.BPF_DW, 0, 8, 0, 0), insn(op.BPF_STX | op.BPF_MEM | op.BPF_DW, 10, 0, o));
    head[head.length - 2] = { ...head[head.length - 2], off: g.int(PKT_MIN - 8) };
  }
  for (let r = 0; r < 8; r++) head.push(...(g.int(2) ? lddw(r, g.u32(), g.u32()) : [insn(op.BPF_ALU64 | op.BPF_MOV | op.BPF_K, r, 0, 0, g.imm())]));
  // The body as groups (an ld_imm64 pair is one group), then forward jumps between group starts.
  const groups: Insn[][] = [];
  for (let i = 0; i < bodyLen; i++) groups.push(bodyInsn(g));
  const body: Insn[] = [];
  const starts: number[] = [];
  const jumps: { at: number; toGroup: number }[] = [];
  for (let i = 0; i < groups.length; i++) {
    if (g.int(8) === 0) {
      const toGroup = i + 1 + g.int(Math.min(6, groups.length - i));
      const cls = g.int(2) ? op.BPF_JMP : op.BPF_JMP32;
      const x = g.int(2) === 1;
      jumps.push({ at: body.length, toGroup });
      body.push(insn(cls | g.pick(JMP_OPS) | (x ? op.BPF_X : op.BPF_K), g.int(8), x ? g.int(8) : 0, 0, x ? 0 : g.imm()));
    }
    starts.push(body.length);
    body.push(...groups[i]);
  }
  starts.push(body.length);
  for (const j of jumps) body[j.at] = { ...body[j.at], off: starts[j.toGroup] - j.at - 1 };
  const tail: Insn[] = [];
  for (let r = 0; r < 8; r++) tail.push(insn(op.BPF_STX | op.BPF_MEM | op.BPF_DW, 8, r, r * 8));
  for (let r = 1; r < 8; r++) tail.push(insn(op.BPF_ALU64 | op.BPF_XOR | op.BPF_X, 0, r));
  tail.push(insn(op.BPF_ALU64 | op.BPF_MOV | op.BPF_X, 1, 0), insn(op.BPF_ALU64 | op.BPF_RSH | op.BPF_K, 1, 0, 0, 32), insn(op.BPF_ALU64 | op.BPF_XOR | op.BPF_X, 0, 1));
  tail.push(insn(op.BPF_JMP | op.BPF_EXIT));
  const out = [insn(op.BPF_ALU64 | op.BPF_MOV | op.BPF_K, 0, 0, 0, 0), insn(op.BPF_JMP | op.BPF_EXIT)];
  const prog = [...head, ...body, ...tail, ...out];
  prog[checkAt] = { ...prog[checkAt], off: head.length + body.length + tail.length - checkAt - 1 };
  return prog;
}

export function randomPacket(seed: number, len = 128): string {
  const g = new Gen((seed * 2654435761) >>> 0 || 7);
  let s = '';
  for (let i = 0; i < len; i++) s += g.int(256).toString(16).padStart(2, '0');
  return s;
}
