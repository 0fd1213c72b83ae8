// Structured control flow for a subprogram whose jumps nest (every reducible CFG the verifier
// accepts in practice): back-edges to a header T make a loop `lT: for (;;) { ... }` spanning T up
// to the last back-edge to T, and a forward jump to T is `break bT` out of a labeled block that
// ends just before T. V8 optimises such code far better than a `switch (pc)` dispatch loop.
//
// Blocks open at the start of the innermost loop that contains their target (or the function),
// outermost first, so they nest with each other and with the loops. A program whose jumps do not
// fit (loops that overlap without nesting, a jump into the middle of a loop, a target outside the
// subprogram or inside an ld_imm64) gets no structure: codegen falls back to the dispatch loop.
import type { Insn } from '@bpfsim/events';
import { LD_IMM64, jumpTarget } from './cfg.ts';

export interface Structure {
  /** Loop header -> the loop's last instruction (its last back-edge). */
  readonly loopEnd: ReadonlyMap<number, number>;
  /** Blocks (by target) opened at the function's start, outermost first. */
  readonly fnBlocks: readonly number[];
  /** Blocks opened at the start of each loop (by header), outermost first. */
  readonly loopBlocks: ReadonlyMap<number, readonly number[]>;
  /** Targets of forward jumps: a block closes just before each. */
  readonly blockEnds: ReadonlySet<number>;
  /** Loops closing after each instruction, innermost first. */
  readonly loopsEndingAt: ReadonlyMap<number, readonly number[]>;
}

/** Labeled blocks and loops nest in the generated source: keep V8's parser far from its limits. */
const MAX_TARGETS = 1000;

export function structure(insns: readonly Insn[], start: number, end: number, targets: Set<number>): Structure | undefined {
  if (targets.size > MAX_TARGETS) return undefined;
  const boundary = new Set<number>();
  const jumps: [number, number][] = [];
  for (let i = start; i < end; i++) {
    boundary.add(i);
    const j = jumpTarget(insns[i], i);
    if (j !== undefined) jumps.push([i, j]);
    if (insns[i].code === LD_IMM64) i++;
  }
  for (const t of targets) if (t < start || t >= end || !boundary.has(t)) return undefined;

  const loopEnd = new Map<number, number>();
  for (const [p, t] of jumps) if (t <= p) loopEnd.set(t, Math.max(loopEnd.get(t) ?? p, p));
  const loops = [...loopEnd].sort((a, b) => a[0] - b[0]);
  // Loops must nest: a stack of the open ones, by header.
  const stack: [number, number][] = [];
  for (const [T, E] of loops) {
    while (stack.length && stack[stack.length - 1][1] < T) stack.pop();
    if (stack.length && stack[stack.length - 1][1] < E) return undefined;
    stack.push([T, E]);
  }
  // The innermost loop whose body holds x: T <= x <= E (strict: T < x, for a block's target).
  const innermost = (x: number, strict: boolean): number | undefined => {
    let best: number | undefined;
    for (const [T, E] of loops) if ((strict ? T < x : T <= x) && x <= E && (best === undefined || T > best)) best = T;
    return best;
  };
  const owner = new Map<number, number | undefined>();
  for (const [p, t] of jumps) {
    if (t <= p) continue;
    const s = owner.has(t) ? owner.get(t) : innermost(t, true);
    owner.set(t, s);
    if (s !== undefined && p < s) return undefined; // a jump into a loop's body from before it
  }
  const fnBlocks: number[] = [];
  const loopBlocks = new Map<number, number[]>();
  for (const [t, s] of [...owner].sort((a, b) => b[0] - a[0])) {
    if (s === undefined) fnBlocks.push(t);
    else loopBlocks.set(s, [...(loopBlocks.get(s) ?? []), t]);
  }
  const loopsEndingAt = new Map<number, number[]>();
  for (const [T, E] of [...loops].reverse()) loopsEndingAt.set(E, [...(loopsEndingAt.get(E) ?? []), T]);
  return { loopEnd, fnBlocks, loopBlocks, blockEnds: new Set(owner.keys()), loopsEndingAt };
}
