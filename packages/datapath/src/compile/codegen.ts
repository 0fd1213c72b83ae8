// Compiles a program to JavaScript, once: each subprogram becomes a function whose registers are
// int32 locals (L<n>/H<n>: low/high halves), whose control flow is labeled blocks and loops when
// its jumps nest (structure.ts) and otherwise a `switch` on the jump targets inside a loop, and
// which calls its callees directly.
// r6-r9 survive a call because they are the caller's locals; r10 is the constant fp (a frame is
// 512 bytes of the machine's stack; the callee's fp is 512 above). A program of register arithmetic
// with a loop goes to the WebAssembly back end instead (wasm.ts).
import type { Insn } from '@bpfsim/events';
import { BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC, BPF_PSEUDO_KFUNC_CALL } from '@bpfsim/events';
import {
  BPF_ALU, BPF_ALU64, BPF_CALL, BPF_EXIT, BPF_JA, BPF_JCOND, BPF_JMP, BPF_JMP32, BPF_X, MAX_BPF_STACK, MAX_CALL_FRAMES,
  cls, op, src,
} from '../opcodes.ts';
import { emitAlu } from './alu.ts';
import { condition } from './jmp.ts';
import { emitMem, inlineStackStore } from './mem.ts';
import { LD_IMM64, jumpTarget, jumpTargets, subprogStarts } from './cfg.ts';
import { structure } from './structure.ts';
import { isMapRef, linkMaps } from './link.ts';
import { BASE, HI_MAPS } from '../memory/region.ts';
import { RUNTIME_NAMES, type Runtime } from './runtime.ts';
import type { HelperTable } from '../helpers/table.ts';
import { LOOP_BUDGET, type Machine } from '../machine.ts';
import { wasmProgram } from './wasm.ts';

/** A compiled (sub)program: r1..r5 as (lo, hi) pairs and the frame pointer; returns r0's low half, m.rh its high half. */
export type ProgFn = (m: Machine, l1: number, h1: number, l2: number, h2: number, l3: number, h3: number,
  l4: number, h4: number, l5: number, h5: number, fp: number) => number;

const TAIL_CALL = 12;
const ARGS = 'L1, H1, L2, H2, L3, H3, L4, H4, L5, H5';

interface Ctx {
  insns: readonly Insn[];
  maps: Map<number, number | undefined>;
  helpers: HelperTable;
  usedHelpers: Set<number>;
  starts: Set<number>;
}

/** Set while emitting a structured subprogram (structure.ts): jumps become `break` / `continue`. */
let structured = false;

function jump(target: number, pc: number, start: number, end: number, targets: Set<number>): string {
  if (target < start || target >= end || !targets.has(target)) {
    return `throw fault(${pc}, 'insn', 'jump from ${pc} to ${target}, outside its subprogram');`;
  }
  // Back-edges spend the loop budget: without a verifier, nothing else stops a runaway loop.
  const budget = target <= pc ? `if (--budget < 0) throw fault(${pc}, 'limit', 'loop budget exhausted'); ` : '';
  if (structured) return target <= pc ? `{ ${budget}continue l${target}; }` : `break b${target};`;
  return `{ ${budget}pc = ${target}; continue; }`;
}

function emitCall(c: Ctx, x: Insn, pc: number): string {
  if (x.src_reg === BPF_PSEUDO_CALL) {
    const t = pc + x.imm + 1;
    if (!c.starts.has(t)) return `throw fault(${pc}, 'insn', 'call to invalid destination ${t}');`;
    return `if (fp >= ${MAX_BPF_STACK * MAX_CALL_FRAMES}) throw fault(${pc}, 'limit', 'call depth exceeds ${MAX_CALL_FRAMES} frames'); ` +
      `L0 = f${t}(m, ${ARGS}, fp + ${MAX_BPF_STACK}); H0 = m.rh; m.stackRegion.len = fp;`;
  }
  if (x.src_reg === BPF_PSEUDO_KFUNC_CALL) return `throw fault(${pc}, 'helper', 'kfunc calls (btf id ${x.imm}) are not modelled');`;
  if (x.src_reg !== 0) return `throw fault(${pc}, 'insn', 'call with src_reg ${x.src_reg}');`;
  if (x.imm === TAIL_CALL && c.helpers.tailCalls) {
    // bpf_tail_call(ctx, prog_array, index): on success the target replaces this (sub)program,
    // its r0 is ours; on failure execution goes on with r0 unchanged.
    return `tf = tailcall(m, L2, H2, L3, H3, ${pc}); if (tf !== null) return tf(m, L1, H1, 0, 0, 0, 0, 0, 0, 0, 0, fp);`;
  }
  const why = c.helpers.missing(x.imm);
  if (why !== undefined) return `throw fault(${pc}, 'helper', ${JSON.stringify(why)});`;
  c.usedHelpers.add(x.imm);
  return `L0 = h${x.imm}(m, ${ARGS}, ${pc}); H0 = m.rh;`;
}

function emitLdImm64(c: Ctx, x: Insn, pc: number): string {
  const next = c.insns[pc + 1];
  const d = x.dst_reg;
  if (!next) return `throw fault(${pc}, 'insn', 'ld_imm64 without its second half');`;
  if (d === 10) return `throw fault(${pc}, 'readonly', 'frame pointer r10 is read only');`;
  if (x.src_reg === 0) return `L${d} = ${x.imm | 0}; H${d} = ${next.imm | 0};`;
  if (isMapRef(x.src_reg)) {
    const id = c.maps.get(pc);
    if (id === undefined) return `throw fault(${pc}, 'insn', 'map reference ${x.imm} has no map in map_ids');`;
    if (x.src_reg === 1 || x.src_reg === 5) return `L${d} = ${(BASE + id) | 0}; H${d} = ${HI_MAPS};`;
    return `L${d} = mapvalue(m, ${id}, ${next.imm | 0}, ${pc}); H${d} = m.rh;`;
  }
  if (x.src_reg === BPF_PSEUDO_FUNC) return `L${d} = ${pc + x.imm + 1}; H${d} = 0;`; // a callback's insn index (for helpers taking callbacks, such as bpf_loop, which is not implemented)
  return `throw fault(${pc}, 'insn', 'ld_imm64 with src_reg ${x.src_reg} is not modelled');`;
}

function emitInsn(c: Ctx, pc: number, start: number, end: number, targets: Set<number>): string {
  const x = c.insns[pc];
  const k = cls(x.code);
  if (k === BPF_ALU || k === BPF_ALU64) return emitAlu(x, pc);
  if (x.code === LD_IMM64) return emitLdImm64(c, x, pc);
  if (k === BPF_JMP || k === BPF_JMP32) {
    const o = op(x.code);
    if (o === BPF_EXIT && x.code === (BPF_JMP | BPF_EXIT)) return 'm.rh = H0; return L0;';
    if (o === BPF_CALL && k === BPF_JMP) {
      if (src(x.code) === BPF_X) return `L0 = callx(m, L${x.dst_reg}, ${ARGS}, ${pc}); H0 = m.rh;`;
      return emitCall(c, x, pc);
    }
    const t = jumpTarget(x, pc);
    if (t === undefined) return `throw fault(${pc}, 'insn', 'unknown jump opcode 0x${x.code.toString(16)}');`;
    if (o === BPF_JA) return jump(t, pc, start, end, targets);
    if (o === BPF_JCOND) return `if (m.mayGoto === 0) ${jump(t, pc, start, end, targets)} m.mayGoto--;`;
    const cond = condition(x);
    if (cond === undefined) return `throw fault(${pc}, 'insn', 'unknown jump opcode 0x${x.code.toString(16)}');`;
    return `if (${cond}) ${jump(t, pc, start, end, targets)}`;
  }
  return emitMem(x, pc) ?? `throw fault(${pc}, 'insn', 'unknown opcode 0x${x.code.toString(16)}');`;
}

function emitFunction(c: Ctx, start: number, end: number, allowStructure: boolean): string {
  const targets = jumpTargets(c.insns, start, end);
  const st = targets.size > 0 && allowStructure ? structure(c.insns, start, end, targets) : undefined;
  structured = st !== undefined;
  const body: string[] = [];
  const open = (blocks: readonly number[] | undefined) => { for (const t of blocks ?? []) body.push(`b${t}: {`); };
  if (st) open(st.fnBlocks);
  try {
    for (let pc = start; pc < end; pc++) {
      if (st) {
        if (st.blockEnds.has(pc)) body.push('}');
        if (st.loopEnd.has(pc)) { body.push(`l${pc}: for (;;) {`); open(st.loopBlocks.get(pc)); }
      } else if (targets.has(pc)) body.push(`case ${pc}:`);
      body.push(`/* ${pc} */ ${emitInsn(c, pc, start, end, targets)}`);
      for (const T of st?.loopsEndingAt.get(pc) ?? []) body.push(`break l${T}; }`);
      if (c.insns[pc].code === LD_IMM64) pc++;
    }
  } finally {
    structured = false;
  }
  const fell = `throw fault(${end - 1}, 'insn', 'execution fell off the end of the subprogram at ${start}');`;
  const head = [
    `function f${start}(m, ${ARGS}, fp) {`,
    'let L0 = 0, H0 = 0, L6 = 0, H6 = 0, L7 = 0, H7 = 0, L8 = 0, H8 = 0, L9 = 0, H9 = 0;',
    `const L10 = (${BASE} + fp) | 0, H10 = HI_STACK, S = m.sdv, S8 = m.stack;`,
    // Scratch: t int32 (alu.ts), d a u32 divisor, ma/mb multiply limbs (mul.ts), tf a tail call's target.
    'let t = 0, d = 0, ma = 0, mb = 0, tf = null;',
    // Each call of a subprogram has its own budget of back-edges (a local: cheaper than m's).
    `let budget = ${LOOP_BUDGET};`,
    // The stack ends at this frame's top (Machine.stackRegion).
    'm.stackRegion.len = fp;',
    ...frameMark(c.insns, start, end),
  ];
  if (targets.size === 0 || st) return [...head, ...body, fell, '}'].join('\n');
  return [...head, `let pc = ${start};`, 'for (;;) { switch (pc) {', ...(targets.has(start) ? [] : [`case ${start}:`]), ...body,
    `default: throw fault(pc, 'insn', 'jump to ' + pc + ', inside an ld_imm64');`, '}', fell, '}', '}'].join('\n');
}

/** The prologue marking the bytes of the frame the function's inline stores may write (Machine.markStack). */
function frameMark(insns: readonly Insn[], start: number, end: number): string[] {
  let lo = 0, hi = -MAX_BPF_STACK;
  for (let pc = start; pc < end; pc++) {
    const s = inlineStackStore(insns[pc]);
    if (s) { lo = Math.min(lo, s[0]); hi = Math.max(hi, s[1]); }
    if (insns[pc].code === LD_IMM64) pc++;
  }
  return lo < hi ? [`if (fp + ${lo} < m.slo) m.slo = fp + ${lo}; if (fp + ${hi} > m.shi) m.shi = fp + ${hi};`] : [];
}

/** Compiles the instructions; map references resolve through mapIds (see link.ts). */
export interface CompileOptions {
  /** false: every subprogram with jumps gets the switch dispatch loop (tests compare the two). */
  readonly structured?: boolean;
  /** false: never the WebAssembly back end (wasm.ts; tests compare the two); 'always': also for programs without a loop (tests). */
  readonly wasm?: boolean | 'always';
}

export function compileInsns(insns: readonly Insn[], mapIds: readonly number[], helpers: HelperTable, rt: Runtime, opts: CompileOptions = {}): ProgFn {
  if (insns.length === 0) {
    return (() => { throw new Error('empty program'); }) as unknown as ProgFn;
  }
  const starts = subprogStarts(insns);
  if (starts.length === 1 && opts.wasm !== false && opts.structured !== false) {
    const w = wasmProgram(insns, opts.wasm !== 'always', LOOP_BUDGET);
    if (w !== undefined) return w;
  }
  const c: Ctx = { insns, maps: linkMaps(insns, mapIds), helpers, usedHelpers: new Set(), starts: new Set(starts) };
  const fns = starts.map((s, k) => emitFunction(c, s, k + 1 < starts.length ? starts[k + 1] : insns.length, opts.structured ?? true));
  const preamble = [
    '"use strict";',
    // var, not const: a const captured by the functions below costs a TDZ check where it is used,
    // which made a hot loop ~12% slower.
    `var { ${RUNTIME_NAMES.join(', ')} } = rt;`,
    ...[...c.usedHelpers].map((id) => `var h${id} = helpers.fn(${id});`),
  ];
  const source = [...preamble, ...fns, 'return f0;'].join('\n');
  return new Function('rt', 'helpers', source)(rt, helpers) as ProgFn;
}
