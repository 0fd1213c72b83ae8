// The WebAssembly back end (compile/wasm.ts) against the JavaScript one (compile/codegen.ts):
// random register-only programs with loops (every ALU/ALU64 op and form, division by 0 and -1,
// movsx, bswap/be/le, ld_imm64, JMP/JMP32 conditions, ja and gotol, nested loops and jumps out
// of them) must end with the same r0 and the same fault either way; so must a runaway loop and a
// program that runs off its end. As root, such programs also run on the live kernel (retval
// compared). And every conformance program it can take (no memory, no calls) must give the
// corpus's result through it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Insn } from '@bpfsim/events';
import { insn } from '@bpfsim/events';
import * as op from '../src/opcodes.ts';
import { assemble, parseDataFile } from '../src/asm/index.ts';
import { compileInsns, type CompileOptions } from '../src/compile/codegen.ts';
import { jumpTargets } from '../src/compile/cfg.ts';
import { structure } from '../src/compile/structure.ts';
import { wasmCandidate } from '../src/compile/wasm.ts';
import { runtime } from '../src/compile/runtime.ts';
import { CONFORMANCE_HELPERS } from '../src/helpers/conformance.ts';
import { Machine } from '../src/machine.ts';
import { Overlay } from '../src/maps/overlay.ts';
import { BASE, PTR_TAG, memRegion } from '../src/memory/region.ts';
import { Rng } from '../src/rng.ts';
import { runProgram } from '../src/run.ts';
import type { Snapshot } from '../src/snapshot.ts';
import { testRun } from '../src/testrun.ts';
import { insnsHex, kernel, kernelUnavailable, parseRun } from './kernel.ts';
import { prog, snapshot } from './snapshots.ts';

const PKT = '00'.repeat(14) + '45000014000000004006000000000000000000000000';

const EMPTY: Snapshot = Object.freeze({ progs: {}, maps: {}, netdevs: {} });

function run(insns: readonly Insn[], opts: CompileOptions, mem: Uint8Array = new Uint8Array(16).map((_, i) => i * 37)) {
  const fn = compileInsns(insns, [], CONFORMANCE_HELPERS, runtime, opts);
  const m = new Machine(EMPTY, new Overlay(EMPTY), new Rng(0), 0n, CONFORMANCE_HELPERS);
  const rid = m.addRegion(memRegion('memory', mem));
  const r0 = runProgram(m, 0, fn, BASE, PTR_TAG | rid, mem.length, 0);
  return { r0: (BigInt(m.rh >>> 0) << 32n) | BigInt(r0), error: m.error };
}

const takesWasm = (p: readonly Insn[], needLoop = true) => wasmCandidate(p, structure(p, 0, p.length, jumpTargets(p, 0, p.length)), needLoop);

const ALU_OPS = [op.BPF_ADD, op.BPF_SUB, op.BPF_MUL, op.BPF_DIV, op.BPF_OR, op.BPF_AND, op.BPF_LSH, op.BPF_RSH, op.BPF_NEG, op.BPF_MOD, op.BPF_XOR, op.BPF_MOV, op.BPF_ARSH, op.BPF_END];
const JMP_OPS = [op.BPF_JEQ, op.BPF_JGT, op.BPF_JGE, op.BPF_JSET, op.BPF_JNE, op.BPF_JSGT, op.BPF_JSGE, op.BPF_JLT, op.BPF_JLE, op.BPF_JSLT, op.BPF_JSLE];
const IMMS = [0, 1, -1, 2, 7, 63, 64, 0x7fffffff, -0x80000000, 0xffff, -0x10000];

const immArb = fc.oneof(fc.constantFrom(...IMMS), fc.integer({ min: -0x80000000, max: 0x7fffffff }));
const regArb = fc.integer({ min: 0, max: 8 }); // r9 counts loop iterations
/** Items of a program; source registers up to maxSrc (10: r10 too). */
function itemsArb(maxSrc: number) {
  const srcArb = fc.integer({ min: 0, max: maxSrc });
  const aluArb = fc.record({
    kind: fc.constant('alu' as const), wide: fc.boolean(), o: fc.constantFrom(...ALU_OPS), x: fc.boolean(),
    d: regArb, s: srcArb, imm: immArb, off: fc.constantFrom(0, 0, 1, 8, 16, 32), end: fc.constantFrom(16, 32, 64),
  });
  const ldArb = fc.record({ kind: fc.constant('ld' as const), d: regArb, lo: immArb, hi: immArb });
  const jmpArb = fc.record({
    kind: fc.constant('jmp' as const), j32: fc.boolean(), o: fc.constantFrom(...JMP_OPS, op.BPF_JA), x: fc.boolean(),
    d: regArb, s: srcArb, imm: immArb, ahead: fc.integer({ min: 1, max: 12 }),
  });
  const backArb = fc.record({ kind: fc.constant('back' as const), to: fc.nat(), j32: fc.boolean() });
  return fc.oneof({ weight: 6, arbitrary: aluArb }, { weight: 1, arbitrary: ldArb }, { weight: 2, arbitrary: jmpArb }, { weight: 1, arbitrary: backArb });
}
type Item = ReturnType<typeof itemsArb> extends fc.Arbitrary<infer T> ? T : never;

/** r0-r8 from immediates (r1: the block's address unless strict), r9 = a budget of back-edges, then the items, then every register folded into r0. */
function layOut(items: readonly Item[], budget: number, seeds: readonly number[], strict: boolean): Insn[] {
  const pro: Insn[] = [insn(op.BPF_ALU64 | op.BPF_MOV | op.BPF_K, 9, 0, 0, budget)];
  seeds.forEach((v, r) => { if (r !== 1 || strict) pro.push(insn(op.BPF_ALU64 | op.BPF_MOV | op.BPF_K, r, 0, 0, v)); });
  const at: number[] = [];
  let k = pro.length;
  for (const it of items) { at.push(k); k += it.kind === 'back' || it.kind === 'ld' ? 2 : 1; }
  const end = k;
  const out = [...pro];
  items.forEach((it, i) => {
    switch (it.kind) {
      case 'alu': {
        const cl = it.wide ? op.BPF_ALU64 : op.BPF_ALU;
        // strict: only encodings the verifier accepts (no NEG by register, bswap by register, movsx of
        // an immediate, 32-bit movsx from 32 bits, shifts past the width)
        const shift = it.o === op.BPF_LSH || it.o === op.BPF_RSH || it.o === op.BPF_ARSH;
        const x = strict && (it.o === op.BPF_NEG || (it.o === op.BPF_END && it.wide)) ? false : it.x;
        let off = it.o === op.BPF_DIV || it.o === op.BPF_MOD ? it.off & 1 : it.o === op.BPF_MOV ? it.off : 0;
        if (strict && it.o === op.BPF_MOV && (!x || off === 1 || (!it.wide && off === 32))) off = 0;
        let imm = it.o === op.BPF_END ? it.end : it.imm;
        if (strict && it.o === op.BPF_NEG) imm = 0;
        if (strict && shift && !x) imm &= it.wide ? 63 : 31;
        out.push(insn(cl | it.o | (x ? op.BPF_X : op.BPF_K), it.d, x ? it.s : 0, off, x && it.o !== op.BPF_END ? 0 : imm));
        break;
      }
      case 'ld': out.push(insn(0x18, it.d, 0, 0, it.lo), insn(0, 0, 0, 0, it.hi)); break;
      case 'back': {
        out.push(insn(op.BPF_ALU64 | op.BPF_ADD | op.BPF_K, 9, 0, 0, -1));
        const t = at[it.to % (i + 1)];
        out.push(insn((it.j32 ? op.BPF_JMP32 : op.BPF_JMP) | op.BPF_JSGT | op.BPF_K, 9, 0, t - (out.length + 1), 0));
        break;
      }
      case 'jmp': {
        const t = i + it.ahead < at.length ? at[i + it.ahead] : end;
        const d = t - (out.length + 1);
        if (it.o === op.BPF_JA) out.push(it.j32 ? insn(op.BPF_JMP32 | op.BPF_JA, 0, 0, 0, d) : insn(op.BPF_JMP | op.BPF_JA, 0, 0, d));
        else out.push(insn((it.j32 ? op.BPF_JMP32 : op.BPF_JMP) | it.o | (it.x ? op.BPF_X : op.BPF_K), it.d, it.x ? it.s : 0, d, it.x ? 0 : it.imm));
        break;
      }
    }
  });
  // Every register shows in r0: r0 = r0 * 31 ^ rN, N = 1..9.
  for (let r = 1; r <= 9; r++) out.push(insn(op.BPF_ALU64 | op.BPF_MUL | op.BPF_K, 0, 0, 0, 31), insn(op.BPF_ALU64 | op.BPF_XOR | op.BPF_X, 0, r));
  out.push(insn(op.BPF_JMP | op.BPF_EXIT));
  return out;
}

const programArb = fc.tuple(fc.array(itemsArb(10), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 300 }), fc.array(immArb, { minLength: 9, maxLength: 9 }))
  .map(([items, budget, seeds]) => layOut(items, budget, seeds, false));
/** For the kernel: encodings it accepts, no register starts as a pointer (r1 seeded too) and r10 is never a source (scalars only). */
const kernelProgramArb = fc.tuple(fc.array(itemsArb(9), { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 12 }), fc.array(immArb, { minLength: 9, maxLength: 9 }))
  .map(([items, budget, seeds]) => layOut(items, budget, seeds, true));

describe('WebAssembly back end = JavaScript back end', () => {
  it('random register programs with loops: same r0, same fault', () => {
    let wasm = 0;
    fc.assert(fc.property(programArb, (p) => {
      if (takesWasm(p)) wasm++;
      expect(run(p, {})).toEqual(run(p, { wasm: false }));
    }), { numRuns: 1500, seed: 5 });
    expect(wasm).toBeGreaterThan(500); // most shapes nest and have a loop
  });

  it('the benchmark loop takes it, and answers as the JavaScript back end', () => {
    const p = assemble('mov %r0, 0\nmov %r2, 0x9e3779b9\nmov %r3, 0\nl:\nmul %r2, 0x5bd1e995\nmov %r4, %r2\nrsh %r4, 15\nxor %r2, %r4\nadd %r0, %r2\nadd %r3, 1\njlt %r3, 256, l\nexit');
    expect(takesWasm(p)).toBe(true);
    const a = run(p, {});
    expect(a).toEqual(run(p, { wasm: false }));
    expect(a.error).toBeNull();
  });

  it('a runaway loop spends the budget and faults at the same pc; running off the end faults alike', () => {
    const runaway = assemble('mov %r0, 0\nl:\nadd %r0, 1\nja l\nexit');
    const offEnd = assemble('mov %r0, 0\nl:\nadd %r0, 1\njlt %r0, 5, l');
    for (const p of [runaway, offEnd]) {
      expect(takesWasm(p)).toBe(true);
      expect(run(p, {})).toEqual(run(p, { wasm: false }));
    }
    expect(run(runaway, {}).error).toMatchObject({ kind: 'limit', pc: 2, message: 'loop budget exhausted' });
    expect(run(offEnd, {}).error).toMatchObject({ kind: 'insn', pc: 2 });
  });

  it('memory, calls, may_goto or no loop: the JavaScript back end', () => {
    for (const asm of ['l:\nldxb %r0, [%r1+0]\njeq %r0, 1, l\nexit', 'mov %r0, 1\nexit', 'l:\ncall 5\njeq %r0, 1, l\nexit']) expect(takesWasm(assemble(asm))).toBe(false);
  });

  const why = kernelUnavailable();
  it.skipIf(why !== undefined)(`random register programs with loops agree with the live kernel's BPF_PROG_TEST_RUN${why ? ` (skipped: ${why})` : ''}`, () => {
    const progs = fc.sample(kernelProgramArb, { numRuns: 400, seed: 11 });
    const loaded = kernel(progs.map((p) => `PROG 3 ${insnsHex(p)}`));
    const runs: string[] = [], which: number[] = [];
    loaded.forEach((l, i) => { if (l.startsWith('ok')) { runs.push(`RUN ${l.split(' ')[1]} 1 ${PKT} - 0 0`); which.push(i); } });
    const answers = kernel([...progs.map((p) => `PROG 3 ${insnsHex(p)}`), ...runs]).slice(progs.length).map(parseRun);
    let wasm = 0;
    which.forEach((i, k) => {
      const p = progs[i];
      if (takesWasm(p)) wasm++;
      const r = testRun(snapshot([prog(1, p)]), 1, { data_in: PKT });
      expect(r.error, `program ${i}`).toBeUndefined();
      expect(r.out!.retval, `program ${i}: ${insnsHex(p)}`).toBe(answers[k].retval);
    });
    // The verifier refuses a few (unreachable code, a constant division by zero, le/be of a size it
    // reserves): 357 of 400 run, 136 of them through the WebAssembly back end (the rest have no loop).
    expect(which.length).toBeGreaterThan(300);
    expect(wasm).toBeGreaterThan(100);
  });

  const TESTS = new URL('../../../../shared/reference/bpf_conformance/tests/', import.meta.url);
  it.skipIf(!existsSync(TESTS))('conformance programs without memory give the corpus\'s result through it (loop or not)', () => {
    let n = 0;
    for (const f of readdirSync(TESTS).filter((x) => x.endsWith('.data'))) {
      const d = parseDataFile(readFileSync(new URL(f, TESTS), 'utf8'));
      const p = d.asm !== undefined ? assemble(d.asm) : d.raw!;
      if (!takesWasm(p, false)) continue;
      n++;
      const r = run(p, { wasm: 'always' }, d.mem);
      expect(r.error, f).toBeNull();
      expect('0x' + r.r0.toString(16), f).toBe('0x' + BigInt.asUintN(64, d.result!).toString(16));
    }
    expect(n).toBeGreaterThan(150);
  });
});
