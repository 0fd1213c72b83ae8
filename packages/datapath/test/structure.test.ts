// Structured control flow (compile/structure.ts) against the switch dispatch loop: random
// programs with loops, jumps out of and into loops, nested loops and irreducible shapes (which
// fall back to the dispatch loop) must end with the same r0, memory and fault either way.
import { describe, expect, it } from 'vitest';
import type { Insn } from '@bpfsim/events';
import { insn } from '@bpfsim/events';
import * as op from '../src/opcodes.ts';
import { compileInsns } from '../src/compile/codegen.ts';
import { jumpTargets } from '../src/compile/cfg.ts';
import { structure } from '../src/compile/structure.ts';
import { runtime } from '../src/compile/runtime.ts';
import { CONFORMANCE_HELPERS } from '../src/helpers/conformance.ts';
import { Machine } from '../src/machine.ts';
import { Overlay } from '../src/maps/overlay.ts';
import { BASE, PTR_TAG, memRegion } from '../src/memory/region.ts';
import { Rng } from '../src/rng.ts';
import { runProgram } from '../src/run.ts';
import type { Snapshot } from '../src/snapshot.ts';

const EMPTY: Snapshot = Object.freeze({ progs: {}, maps: {}, netdevs: {} });

function run(insns: readonly Insn[], structured: boolean) {
  const fn = compileInsns(insns, [], CONFORMANCE_HELPERS, runtime, { structured });
  const m = new Machine(EMPTY, new Overlay(EMPTY), new Rng(0), 0n, CONFORMANCE_HELPERS);
  const mem = new Uint8Array(64).map((_, i) => i * 7);
  const rid = m.addRegion(memRegion('memory', mem));
  const out: unknown[] = [];
  for (let k = 0; k < 2; k++) { // twice on one machine: the second run must see a cleared stack
    const r0 = runProgram(m, 0, fn, BASE, PTR_TAG | rid, mem.length, 0);
    out.push({ r0, rh: m.rh, error: m.error, mem: [...mem] });
  }
  return out;
}

/** xorshift */
function gen(seed: number) {
  let s = seed || 1;
  const u32 = () => { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; return s >>> 0; };
  return { u32, int: (n: number) => u32() % n };
}

const J = [op.BPF_JEQ, op.BPF_JNE, op.BPF_JGT, op.BPF_JLT, op.BPF_JSGT, op.BPF_JSLE, op.BPF_JSET];
const A = [op.BPF_ADD, op.BPF_SUB, op.BPF_MUL, op.BPF_XOR, op.BPF_OR, op.BPF_AND, op.BPF_LSH, op.BPF_RSH, op.BPF_ARSH, op.BPF_MOV];

/**
 * A random program over r0-r5 with r9 as the budget of back-edges: a back-edge is
 * `add r9, -1; jsgt r9, 0, T` (so every loop ends), forward jumps go anywhere ahead.
 */
function program(seed: number): Insn[] {
  const g = gen(seed);
  const n = 8 + g.int(40);
  const body: (Insn | { back: number } | { fwd: number; cond: number })[] = [];
  for (let i = 0; i < n; i++) {
    const r = g.int(10);
    const d = g.int(6), s = g.int(6);
    if (r < 5) {
      const o = A[g.int(A.length)];
      const shift = o === op.BPF_LSH || o === op.BPF_RSH || o === op.BPF_ARSH;
      body.push(g.int(2) && !shift ? insn((g.int(2) ? op.BPF_ALU64 : op.BPF_ALU) | o | op.BPF_X, d, s)
        : insn((g.int(2) ? op.BPF_ALU64 : op.BPF_ALU) | o | op.BPF_K, d, 0, 0, shift ? 1 + g.int(31) : (g.u32() | 0) % 1000));
    } else if (r === 5) body.push(insn(op.BPF_STX | op.BPF_MEM | op.BPF_DW, 10, d, -8 * (1 + g.int(8))));
    else if (r === 6) body.push(insn(op.BPF_LDX | op.BPF_MEM | op.BPF_DW, d, 10, -8 * (1 + g.int(8))));
    else if (r === 7) body.push({ back: g.int(i + 1) });
    else body.push({ fwd: 1 + g.int(n - i + 1), cond: g.int(J.length) });
  }
  // Lay out: the prologue (r0..r5 from the memory block, r9 = budget), then the body.
  const pro: Insn[] = [insn(op.BPF_ALU64 | op.BPF_MOV | op.BPF_K, 9, 0, 0, 300)];
  [0, 2, 3, 4, 5, 1].forEach((r, k) => pro.push(insn(op.BPF_LDX | op.BPF_MEM | op.BPF_DW, r, 1, 8 * k))); // r1 last: it is the base
  // Each body item's index in the output (back-edges take two instructions).
  const at: number[] = [];
  let k = pro.length;
  for (const b of body) { at.push(k); k += 'back' in b ? 2 : 1; }
  const end = k;
  const out = [...pro];
  body.forEach((b, i) => {
    if ('back' in b) {
      out.push(insn(op.BPF_ALU64 | op.BPF_ADD | op.BPF_K, 9, 0, 0, -1));
      out.push(insn(op.BPF_JMP | op.BPF_JSGT | op.BPF_K, 9, 0, at[b.back] - (out.length + 1), 0));
    } else if ('fwd' in b) {
      const t = i + b.fwd < at.length ? at[i + b.fwd] : end;
      out.push(insn(op.BPF_JMP | J[b.cond] | op.BPF_X, g.int(6), g.int(6), t - (out.length + 1)));
    } else out.push(b);
  });
  out.push(insn(op.BPF_JMP | op.BPF_EXIT));
  return out;
}

describe('structured control flow = dispatch loop', () => {
  it('600 random programs with loops', () => {
    let structured = 0, loops = 0, ok = 0;
    for (let seed = 1; seed <= 600; seed++) {
      const p = program(seed);
      const st = structure(p, 0, p.length, jumpTargets(p, 0, p.length));
      if (st) { structured++; if (st.loopEnd.size) loops++; }
      const a = run(p, true);
      expect(a, `seed ${seed}`).toEqual(run(p, false));
      if ((a[0] as { error: unknown }).error === null) ok++;
    }
    expect(ok).toBeGreaterThan(400);
    // Most shapes nest; the rest exercise the fallback.
    expect(structured).toBeGreaterThan(150);
    expect(loops).toBeGreaterThan(100);
  });

  it('a runaway loop spends the budget and faults at the same pc', () => {
    const p = [insn(op.BPF_ALU64 | op.BPF_MOV | op.BPF_K, 0, 0, 0, 0), insn(op.BPF_ALU64 | op.BPF_ADD | op.BPF_K, 0, 0, 0, 1), insn(op.BPF_JMP | op.BPF_JA, 0, 0, -2), insn(op.BPF_JMP | op.BPF_EXIT)];
    expect(structure(p, 0, p.length, jumpTargets(p, 0, p.length))).toBeDefined();
    const a = run(p, true), b = run(p, false);
    expect(a).toEqual(b);
    expect((a[0] as { error: { kind: string; pc: number } }).error).toMatchObject({ kind: 'limit', pc: 2 });
  });

  it('a jump into the middle of a loop falls back to the dispatch loop', () => {
    // 0: r0 = 0; 1: if r1 != 0 goto 3; 2: r0 += 1; 3: r0 += 2; 4: if r0 < 20 goto 2; 5: exit
    const p = [
      insn(op.BPF_ALU64 | op.BPF_MOV | op.BPF_K, 0, 0, 0, 0), insn(op.BPF_JMP | op.BPF_JNE | op.BPF_K, 1, 0, 1, 0),
      insn(op.BPF_ALU64 | op.BPF_ADD | op.BPF_K, 0, 0, 0, 1), insn(op.BPF_ALU64 | op.BPF_ADD | op.BPF_K, 0, 0, 0, 2),
      insn(op.BPF_JMP | op.BPF_JLT | op.BPF_K, 0, 0, -3, 20), insn(op.BPF_JMP | op.BPF_EXIT),
    ];
    expect(structure(p, 0, p.length, jumpTargets(p, 0, p.length))).toBeUndefined();
    expect(run(p, true)).toEqual(run(p, false));
    expect((run(p, true)[0] as { r0: number }).r0).toBe(20);
  });
});
