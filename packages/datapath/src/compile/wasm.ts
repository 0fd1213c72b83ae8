// A second back end for programs that are pure register arithmetic with loops: one subprogram of
// ALU/ALU64, JMP/JMP32 and plain ld_imm64 only (no memory, no calls), whose jumps nest
// (structure.ts). Such a program compiles to a WebAssembly function with 64-bit registers, where
// the JavaScript back end (codegen.ts) needs two int32 halves and a 64-bit multiply costs a dozen
// int32 operations: a loop of 64-bit multiplies runs about twice as fast. Anything else, or a
// program without a loop (where the call into WebAssembly would cost more than it saves), stays
// with codegen.ts. Both give the same r0 and the same faults (test/wasm.test.ts).
//
// The function takes r1..r5 as (lo, hi) i32 pairs and fp; returns r0's low half, and leaves r0's
// high half at memory[0], and at memory[4] how it ended: 0 exit, 1 the loop budget
// exhausted at the pc in memory[8], 2 execution fell off the end.
import type { Insn } from '@bpfsim/events';
import {
  BPF_ADD, BPF_ALU, BPF_ALU64, BPF_AND, BPF_ARSH, BPF_DIV, BPF_END, BPF_EXIT, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT,
  BPF_JLE, BPF_JLT, BPF_JMP, BPF_JMP32, BPF_JNE, BPF_JSET, BPF_JSGE, BPF_JSGT, BPF_JSLE, BPF_JSLT, BPF_LSH, BPF_MOD,
  BPF_MOV, BPF_MUL, BPF_NEG, BPF_OR, BPF_RSH, BPF_SUB, BPF_TO_BE, BPF_X, BPF_XOR, cls, op, src,
} from '../opcodes.ts';
import { BASE, HI_STACK } from '../memory/region.ts';
import { Fault } from '../fault.ts';
import { LD_IMM64, jumpTarget, jumpTargets } from './cfg.ts';
import { structure, type Structure } from './structure.ts';
import type { ProgFn } from './codegen.ts';
import { I32, I64, Op, VOID, sleb, uleb, wasmModule } from './wasm-encode.ts';

/** How a WebAssembly run ended (memory[4]). */
export const WASM_EXIT = 0, WASM_BUDGET = 1, WASM_FELL_OFF = 2;

/** A compiled function: r1..r5 as (lo, hi) pairs and fp; r0's low half (the rest in the shared memory). */
export type WasmFn = (l1: number, h1: number, l2: number, h2: number, l3: number, h3: number,
  l4: number, h4: number, l5: number, h5: number, fp: number) => number;

// Locals: params l1, h1, ..., l5, h5, fp (0-10), registers r0-r10 as i64 (11-21), the loop budget,
// an i64 and two i32 scratch.
const FP = 10, REG = 11, BUDGET = 22, T64 = 23, T32 = 24, U32 = 25;
const reg = (r: number) => REG + r;
const get = (l: number) => [Op.local_get, ...uleb(l)];
const set = (l: number) => [Op.local_set, ...uleb(l)];
const i64c = (v: bigint) => [Op.i64_const, ...sleb(BigInt.asIntN(64, v))];
const i32c = (v: number) => [Op.i32_const, ...sleb(BigInt(v | 0))];
/** memory[addr] = the i32 `value` leaves on the stack. */
const store = (addr: number, value: number[]) => [...i32c(addr), ...value, Op.i32_store, 2, 0];

/** The byte swap of the i32 in local l. */
const bswap32 = (l: number) => [
  ...get(l), ...i32c(24), Op.i32_shl,
  ...get(l), ...i32c(0xff00), Op.i32_and, ...i32c(8), Op.i32_shl, Op.i32_or,
  ...get(l), ...i32c(8), Op.i32_shr_u, ...i32c(0xff00), Op.i32_and, Op.i32_or,
  ...get(l), ...i32c(24), Op.i32_shr_u, Op.i32_or,
];
/** dst = its low 16 bits swapped, 32 bits swapped (zero-extended), or all 64 swapped. */
function bswap(d: number, bits: number): number[] | undefined {
  switch (bits) {
    case 16: return [...get(d), ...i64c(0xffn), Op.i64_and, ...i64c(8n), Op.i64_shl, ...get(d), ...i64c(8n), Op.i64_shr_u, ...i64c(0xffn), Op.i64_and, Op.i64_or, ...set(d)];
    case 32: return [...get(d), Op.i32_wrap_i64, ...set(T32), ...bswap32(T32), Op.i64_extend_i32_u, ...set(d)];
    case 64: return [
      ...get(d), Op.i32_wrap_i64, ...set(T32), ...get(d), ...i64c(32n), Op.i64_shr_u, Op.i32_wrap_i64, ...set(U32),
      ...bswap32(T32), Op.i64_extend_i32_u, ...i64c(32n), Op.i64_shl, ...bswap32(U32), Op.i64_extend_i32_u, Op.i64_or, ...set(d),
    ];
  }
  return undefined;
}

const SIMPLE64: Record<number, number> = {
  [BPF_ADD]: Op.i64_add, [BPF_SUB]: Op.i64_sub, [BPF_MUL]: Op.i64_mul, [BPF_OR]: Op.i64_or, [BPF_AND]: Op.i64_and,
  [BPF_XOR]: Op.i64_xor, [BPF_LSH]: Op.i64_shl, [BPF_RSH]: Op.i64_shr_u, [BPF_ARSH]: Op.i64_shr_s,
};
const SIMPLE32: Record<number, number> = {
  [BPF_ADD]: Op.i32_add, [BPF_SUB]: Op.i32_sub, [BPF_MUL]: Op.i32_mul, [BPF_OR]: Op.i32_or, [BPF_AND]: Op.i32_and,
  [BPF_XOR]: Op.i32_xor, [BPF_LSH]: Op.i32_shl, [BPF_RSH]: Op.i32_shr_u, [BPF_ARSH]: Op.i32_shr_s,
};

/**
 * dst = dst / s or dst % s with the divisor in local `t` (i64 or i32): BPF's answers for a zero
 * divisor (0, or dst unchanged) and for -1 (signed: -dst, or 0) where WebAssembly would trap.
 */
function divide(w: 32 | 64, mod: boolean, signed: boolean, dividend: number[], t: number): number[] {
  const ty = w === 64 ? I64 : I32;
  const zero = w === 64 ? i64c(0n) : i32c(0);
  const eqz = w === 64 ? Op.i64_eqz : Op.i32_eqz;
  const opc = w === 64
    ? (mod ? (signed ? Op.i64_rem_s : Op.i64_rem_u) : (signed ? Op.i64_div_s : Op.i64_div_u))
    : (mod ? (signed ? Op.i32_rem_s : Op.i32_rem_u) : (signed ? Op.i32_div_s : Op.i32_div_u));
  const plain = [...dividend, ...get(t), opc];
  const byZero = mod ? dividend : zero;
  let nonZero = plain;
  if (signed) {
    const minusOne = [...get(t), ...(w === 64 ? i64c(-1n) : i32c(-1)), w === 64 ? Op.i64_eq : Op.i32_eq];
    const byMinusOne = mod ? zero : [...zero, ...dividend, w === 64 ? Op.i64_sub : Op.i32_sub];
    nonZero = [...minusOne, Op.if, ty, ...byMinusOne, Op.else, ...plain, Op.end];
  }
  return [...get(t), eqz, Op.if, ty, ...byZero, Op.else, ...nonZero, Op.end];
}

function alu64(x: Insn): number[] | undefined {
  const d = reg(x.dst_reg);
  const s = src(x.code) === BPF_X ? get(reg(x.src_reg)) : i64c(BigInt(x.imm | 0));
  const o = op(x.code);
  if (o in SIMPLE64) {
    // An immediate shift amount is masked as codegen.ts masks it (WebAssembly masks a register's).
    const amount = src(x.code) === BPF_X || (o !== BPF_LSH && o !== BPF_RSH && o !== BPF_ARSH) ? s : i64c(BigInt(x.imm & 63));
    return [...get(d), ...amount, SIMPLE64[o], ...set(d)];
  }
  switch (o) {
    case BPF_NEG: return [...i64c(0n), ...get(d), Op.i64_sub, ...set(d)];
    case BPF_MOV: {
      const ext = x.off === 8 ? [Op.i64_extend8_s] : x.off === 16 ? [Op.i64_extend16_s] : x.off === 32 ? [Op.i64_extend32_s] : [];
      return [...s, ...ext, ...set(d)];
    }
    case BPF_DIV: case BPF_MOD:
      return [...s, ...set(T64), ...divide(64, o === BPF_MOD, x.off === 1, get(d), T64), ...set(d)];
    case BPF_END: return bswap(d, x.imm);
  }
  return undefined;
}

function alu32(x: Insn): number[] | undefined {
  const d = reg(x.dst_reg);
  const dst = [...get(d), Op.i32_wrap_i64];
  const s = src(x.code) === BPF_X ? [...get(reg(x.src_reg)), Op.i32_wrap_i64] : i32c(x.imm);
  const o = op(x.code);
  const out = (v: number[]) => [...v, Op.i64_extend_i32_u, ...set(d)];
  if (o in SIMPLE32) {
    const amount = src(x.code) === BPF_X || (o !== BPF_LSH && o !== BPF_RSH && o !== BPF_ARSH) ? s : i32c(x.imm & 31);
    return out([...dst, ...amount, SIMPLE32[o]]);
  }
  switch (o) {
    case BPF_NEG: return out([...i32c(0), ...dst, Op.i32_sub]);
    case BPF_MOV: return out([...s, ...(x.off === 8 ? [Op.i32_extend8_s] : x.off === 16 ? [Op.i32_extend16_s] : [])]);
    case BPF_DIV: case BPF_MOD: return [...s, ...set(T32), ...out(divide(32, o === BPF_MOD, x.off === 1, dst, T32))];
    case BPF_END:
      if (src(x.code) === BPF_TO_BE) return bswap(d, x.imm);
      switch (x.imm) { // to little endian, on a little-endian machine: truncation only
        case 16: return [...get(d), ...i64c(0xffffn), Op.i64_and, ...set(d)];
        case 32: return [...get(d), ...i64c(0xffffffffn), Op.i64_and, ...set(d)];
        case 64: return [];
      }
  }
  return undefined;
}

const CMP64: Record<number, number> = {
  [BPF_JEQ]: Op.i64_eq, [BPF_JNE]: Op.i64_ne, [BPF_JGT]: Op.i64_gt_u, [BPF_JGE]: Op.i64_ge_u, [BPF_JLT]: Op.i64_lt_u,
  [BPF_JLE]: Op.i64_le_u, [BPF_JSGT]: Op.i64_gt_s, [BPF_JSGE]: Op.i64_ge_s, [BPF_JSLT]: Op.i64_lt_s, [BPF_JSLE]: Op.i64_le_s,
};
const CMP32: Record<number, number> = {
  [BPF_JEQ]: Op.i32_eq, [BPF_JNE]: Op.i32_ne, [BPF_JGT]: Op.i32_gt_u, [BPF_JGE]: Op.i32_ge_u, [BPF_JLT]: Op.i32_lt_u,
  [BPF_JLE]: Op.i32_le_u, [BPF_JSGT]: Op.i32_gt_s, [BPF_JSGE]: Op.i32_ge_s, [BPF_JSLT]: Op.i32_lt_s, [BPF_JSLE]: Op.i32_le_s,
};

/** The i32 condition of a conditional jump, or undefined. */
function condition(x: Insn): number[] | undefined {
  const o = op(x.code);
  if (cls(x.code) === BPF_JMP32) {
    const a = [...get(reg(x.dst_reg)), Op.i32_wrap_i64];
    const b = src(x.code) === BPF_X ? [...get(reg(x.src_reg)), Op.i32_wrap_i64] : i32c(x.imm);
    if (o === BPF_JSET) return [...a, ...b, Op.i32_and, ...i32c(0), Op.i32_ne];
    return o in CMP32 ? [...a, ...b, CMP32[o]] : undefined;
  }
  const a = get(reg(x.dst_reg));
  const b = src(x.code) === BPF_X ? get(reg(x.src_reg)) : i64c(BigInt(x.imm | 0));
  if (o === BPF_JSET) return [...a, ...b, Op.i64_and, Op.i64_eqz, Op.i32_eqz];
  return o in CMP64 ? [...a, ...b, CMP64[o]] : undefined;
}

/** budget--; when it runs out: memory[4] = WASM_BUDGET, memory[8] = pc, return. */
const spend = (pc: number) => [
  ...get(BUDGET), ...i32c(1), Op.i32_sub, Op.local_tee, ...uleb(BUDGET), ...i32c(0), Op.i32_lt_s,
  Op.if, VOID, ...store(4, i32c(WASM_BUDGET)), ...store(8, i32c(pc)), ...i32c(0), Op.return, Op.end,
];

/** Whether the program is one subprogram of register arithmetic and jumps that nest, with a loop (unless !needLoop: tests). */
export function wasmCandidate(insns: readonly Insn[], st: Structure | undefined, needLoop = true): st is Structure {
  if (st === undefined || (needLoop && st.loopEnd.size === 0)) return false;
  for (let pc = 0; pc < insns.length; pc++) {
    const x = insns[pc];
    if (x.dst_reg > 10 || x.src_reg > 10) return false;
    const k = cls(x.code);
    if (x.code === LD_IMM64) {
      if (x.src_reg !== 0 || insns[pc + 1] === undefined) return false;
      pc++;
    } else if (k === BPF_JMP || k === BPF_JMP32) {
      const o = op(x.code);
      if (o === BPF_EXIT) { if (x.code !== (BPF_JMP | BPF_EXIT)) return false; } else if (jumpTarget(x, pc) === undefined || (o !== BPF_JA && condition(x) === undefined)) return false;
    } else if (k !== BPF_ALU && k !== BPF_ALU64) return false;
  }
  return true;
}

/** The function's body, or undefined when an instruction has no WebAssembly form here. */
function body(insns: readonly Insn[], st: Structure, budget: number): number[] | undefined {
  const out: number[] = [...store(4, i32c(WASM_EXIT))];
  for (let r = 1; r <= 5; r++) {
    out.push(...get(2 * r - 2), Op.i64_extend_i32_u, ...get(2 * r - 1), Op.i64_extend_i32_u, ...i64c(32n), Op.i64_shl, Op.i64_or, ...set(reg(r)));
  }
  out.push(...i64c(BigInt(HI_STACK >>> 0) << 32n), ...get(FP), ...i32c(BASE), Op.i32_add, Op.i64_extend_i32_u, Op.i64_or, ...set(reg(10)));
  out.push(...i32c(budget), ...set(BUDGET));
  // Open constructs, outermost first: a block ends just before its target, a loop starts at its header.
  const open: { kind: 'b' | 'l'; at: number }[] = [];
  const depth = (kind: 'b' | 'l', at: number) => {
    for (let i = open.length - 1; i >= 0; i--) if (open[i].kind === kind && open[i].at === at) return open.length - 1 - i;
    return undefined;
  };
  const openBlocks = (ts: readonly number[] | undefined) => { for (const t of ts ?? []) { out.push(Op.block, VOID); open.push({ kind: 'b', at: t }); } };
  openBlocks(st.fnBlocks);
  for (let pc = 0; pc < insns.length; pc++) {
    if (st.blockEnds.has(pc)) {
      const b = open.pop();
      if (b?.kind !== 'b' || b.at !== pc) return undefined;
      out.push(Op.end);
    }
    if (st.loopEnd.has(pc)) { out.push(Op.loop, VOID); open.push({ kind: 'l', at: pc }); openBlocks(st.loopBlocks.get(pc)); }
    const x = insns[pc];
    const k = cls(x.code);
    let code: number[] | undefined;
    if (x.code === LD_IMM64) {
      if (x.dst_reg === 10) return undefined;
      code = [...i64c((BigInt(insns[pc + 1].imm >>> 0) << 32n) | BigInt(x.imm >>> 0)), ...set(reg(x.dst_reg))];
    } else if (k === BPF_ALU64 || k === BPF_ALU) {
      if (x.dst_reg === 10) return undefined;
      code = k === BPF_ALU64 ? alu64(x) : alu32(x);
    } else if (x.code === (BPF_JMP | BPF_EXIT)) {
      code = [...store(0, [...get(reg(0)), ...i64c(32n), Op.i64_shr_u, Op.i32_wrap_i64]), ...get(reg(0)), Op.i32_wrap_i64, Op.return];
    } else {
      const t = jumpTarget(x, pc)!;
      const back = t <= pc;
      const n = depth(back ? 'l' : 'b', t);
      if (n === undefined) return undefined;
      if (op(x.code) === BPF_JA) code = back ? [...spend(pc), Op.br, ...uleb(n)] : [Op.br, ...uleb(n)];
      else {
        const c = condition(x);
        if (c === undefined) return undefined;
        code = back ? [...c, Op.if, VOID, ...spend(pc), Op.br, ...uleb(n + 1), Op.end] : [...c, Op.br_if, ...uleb(n)];
      }
    }
    if (code === undefined) return undefined;
    out.push(...code);
    for (const T of st.loopsEndingAt.get(pc) ?? []) {
      const l = open.pop();
      if (l?.kind !== 'l' || l.at !== T) return undefined;
      out.push(Op.end);
    }
    if (x.code === LD_IMM64) pc++;
  }
  if (open.length !== 0) return undefined;
  out.push(...store(4, i32c(WASM_FELL_OFF)), ...i32c(0));
  return out;
}

/** The WebAssembly API as far as it is used here (Node's global; the repo's lib settings do not declare it). */
interface WasmApi {
  Memory: new (d: { initial: number }) => { readonly buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}
/** Absent where Node runs without WebAssembly (--jitless): then every program stays with codegen.ts. */
const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/**
 * The memory every compiled program reports through (runs are synchronous: the caller reads the
 * words right after the call), as int32 words: one memory for all, not one per program.
 */
let shared: { readonly mem: object; readonly out: Int32Array } | undefined;
function sharedMemory(api: WasmApi): { readonly mem: object; readonly out: Int32Array } {
  if (shared === undefined) {
    const mem = new api.Memory({ initial: 1 });
    shared = { mem, out: new Int32Array(mem.buffer, 0, 3) };
  }
  return shared;
}

/** The program as WebAssembly (see wasmCandidate), or undefined. */
function compileWasm(api: WasmApi, insns: readonly Insn[], st: Structure, budget: number): WasmFn | undefined {
  const b = body(insns, st, budget);
  if (b === undefined) return undefined;
  const bytes = wasmModule([{ params: Array(11).fill(I32), results: [I32], locals: [...Array(11).fill(I64), I32, I64, I32, I32], body: b }]);
  return new api.Instance(new api.Module(bytes), { m: { mem: sharedMemory(api).mem } }).exports.f as WasmFn;
}

/** The program as a ProgFn through this back end, when it takes it (wasmCandidate), else undefined. */
export function wasmProgram(insns: readonly Insn[], needLoop: boolean, budget: number): ProgFn | undefined {
  if (WA === undefined) return undefined;
  const st = structure(insns, 0, insns.length, jumpTargets(insns, 0, insns.length));
  if (!wasmCandidate(insns, st, needLoop)) return undefined;
  const f = compileWasm(WA, insns, st, budget);
  if (f === undefined) return undefined;
  const out = sharedMemory(WA).out, last = insns.length - 1;
  return (m, l1, h1, l2, h2, l3, h3, l4, h4, l5, h5, fp) => {
    const lo = f(l1, h1, l2, h2, l3, h3, l4, h4, l5, h5, fp);
    if (out[1] !== WASM_EXIT) throw wasmFault(out, last);
    m.rh = out[0];
    return lo;
  };
}

/** The fault codegen.ts's code throws where a WebAssembly run ended without an exit. */
function wasmFault(out: Int32Array, last: number): Fault {
  return out[1] === WASM_BUDGET
    ? new Fault('limit', out[2], 'loop budget exhausted')
    : new Fault('insn', last, 'execution fell off the end of the subprogram at 0');
}
