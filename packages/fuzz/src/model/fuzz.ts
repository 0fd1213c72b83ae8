// fuzz(spec): run after run of random steps against the spec's invariants; at the first failure,
// shrink the steps to a minimal counterexample. Run i draws its steps from its own seed (derived
// from the seed and i), so a run does not depend on the others: the same seed gives the same runs,
// and N workers taking every N-th run find the same first failure as one.
import fc from 'fast-check';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { stepsArb } from './arbitrary.ts';
import { Coverage } from './coverage.ts';
import { compile, runSteps, type Compiled } from './run.ts';
import { noPretenuring } from '@bpfsim/replay';
import type { Counterexample, FuzzOptions, FuzzReport, FuzzSpec, RunOutcome, Step } from './types.ts';

/** A 32-bit seed for run `i` of a campaign seeded `seed` (splitmix32 of both). */
export function runSeed(seed: number, i: number): number {
  let z = (Math.imul(seed >>> 0, 0x9e3779b1) + Math.imul(i + 1, 0x85ebca77)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

/** fast-check's bias for its i-th run: small values first, then less and less biased. */
const biasOf = (i: number) => 2 + Math.floor(Math.log10(i + 1));

/** The steps of run `i` (its value and fast-check's shrink context). */
export function drawRun<W>(c: Compiled<W>, arb: fc.Arbitrary<Step[]>, seed: number, i: number): fc.Value<Step[]> {
  return arb.generate(new fc.Random(xoroshiro128plus(runSeed(seed, i))), biasOf(i));
}

/**
 * Greedy shrinking as fast-check does it: take the first smaller candidate that fails the same
 * invariant, and start again from it, until none does or the budget is spent.
 */
export function shrinkRun<W>(
  c: Compiled<W>, arb: fc.Arbitrary<Step[]>, found: fc.Value<Step[]>, outcome: RunOutcome, budget: number,
  onTry?: (o: RunOutcome) => void,
): { steps: Step[]; outcome: RunOutcome; runs: number; shrinks: number; exhausted: boolean } {
  const invariant = outcome.violation!.invariant;
  let best = found, bestOut = outcome, runs = 0, shrinks = 0, exhausted = false;
  outer: for (;;) {
    for (const cand of arb.shrink(best.value, best.context)) {
      if (runs >= budget) { exhausted = true; break outer; }
      runs++;
      const o = runSteps(c, cand.value);
      onTry?.(o);
      if (o.violation?.invariant === invariant) { best = cand; bestOut = o; shrinks++; continue outer; }
    }
    break;
  }
  // fast-check shortens arrays from the front; finish with the cuts it does not try: the steps
  // after the failure (they never ran), then each step and each interrupt on its own.
  let steps: Step[] = best.value;
  const attempt = (cand: Step[]): boolean => {
    if (runs >= budget) { exhausted = true; return false; }
    runs++;
    const o = runSteps(c, cand);
    onTry?.(o);
    if (o.violation?.invariant !== invariant) return false;
    steps = cand; bestOut = o; shrinks++;
    return true;
  };
  if (bestOut.stepsRun < steps.length) attempt(steps.slice(0, bestOut.stepsRun));
  for (let i = steps.length - 1; i >= 0 && steps.length > 1; i--) attempt(steps.filter((_, j) => j !== i));
  for (let i = steps.length - 1; i >= 0; i--) {
    const s = steps[i];
    if (s.kind !== 'op') continue;
    for (let j = s.interrupts.length - 1; j >= 0; j--) {
      const cur = steps[i];
      if (cur.kind !== 'op' || j >= cur.interrupts.length) continue;
      attempt(steps.map((x, k) => (k === i && x.kind === 'op' ? { ...x, interrupts: x.interrupts.filter((_, m) => m !== j) } : x)));
    }
  }
  // An interrupt before an operation's first syscall reads better as a step of its own before it.
  for (let i = steps.length - 1; i >= 0; i--) {
    const s = steps[i];
    if (s.kind !== 'op') continue;
    const j = s.interrupts.findIndex((it) => it.at === 0 && c.adversaries.get(it.adversary)?.placement !== 'inside');
    if (j < 0) continue;
    const it = s.interrupts[j];
    attempt([...steps.slice(0, i), { kind: 'adversary', adversary: it.adversary, action: it.action, args: it.args },
      { ...s, interrupts: s.interrupts.filter((_, m) => m !== j) }, ...steps.slice(i + 1)]);
  }
  return { steps, outcome: bestOut, runs, shrinks, exhausted };
}

/** Runs the spec; returns what it found. Never throws for what the spec's code does. */
export function fuzz<W>(spec: FuzzSpec<W> & FuzzOptions): FuzzReport {
  return fuzzWith(spec, spec);
}

/** fuzz() with the options apart from the spec (what the CLI and the workers call). */
export function fuzzWith<W>(spec: FuzzSpec<W>, o: FuzzOptions = {}): FuzzReport {
  noPretenuring();
  const c = compile(spec);
  const arb = stepsArb(c);
  const seed = (o.seed ?? 0) >>> 0;
  const runs = o.runs ?? 100;
  const stride = o.shard?.workers ?? 1;
  const first = o.shard?.worker ?? 0;
  const t0 = Date.now();
  const coverage = new Coverage();
  let done = 0, events = 0, shrinkEvents = 0;
  let stoppedBy: FuzzReport['stoppedBy'] = 'runs';
  let failure: Counterexample | undefined;

  for (let i = first; i < runs; i += stride) {
    if (o.stopAt && i >= o.stopAt()) { stoppedBy = 'failure'; break; }
    if (o.aborted?.()) { stoppedBy = 'aborted'; break; }
    if (o.timeBudgetMs !== undefined && Date.now() - t0 >= o.timeBudgetMs) { stoppedBy = 'time'; break; }
    const drawn = drawRun(c, arb, seed, i);
    const out = runSteps(c, drawn.value);
    // The run's own coverage only for onRun (a worker sends it); else straight into the campaign's.
    const runCov = o.onRun ? new Coverage() : coverage;
    for (const e of out.entries) runCov.add(e.event, e.result);
    if (runCov !== coverage) coverage.merge(runCov);
    done++;
    events += out.entries.length;
    o.onRun?.({ run: i, events: out.entries.length, failed: !!out.violation, shrinking: false, coverage: runCov });
    if (!out.violation) continue;
    const s = shrinkRun(c, arb, drawn, out, o.shrinkBudget ?? 5000, (t) => {
      shrinkEvents += t.entries.length;
      o.onRun?.({ run: i, events: t.entries.length, failed: !!t.violation, shrinking: true });
    });
    failure = {
      run: i, found: drawn.value, steps: s.steps, foundEvents: out.entries.length, shrinkRuns: s.runs, shrinkSteps: s.shrinks,
      shrinkExhausted: s.exhausted, violation: s.outcome.violation!, outcome: s.outcome,
    };
    stoppedBy = 'failure';
    break;
  }
  return {
    name: c.name, ok: !failure, seed, runs: done, runsRequested: runs, events, shrinkEvents, elapsedMs: Date.now() - t0, stoppedBy,
    coverage, ...(failure ? { failure } : {}),
  };
}

/** Runs given steps (a counterexample) once more. */
export function reproduce<W>(spec: FuzzSpec<W>, steps: readonly Step[]): RunOutcome {
  return runSteps(compile(spec), steps);
}
