// Model-based fuzzing throughput: fuzzed events per second on one core (the example manager's
// fixed build under every adversary, every invariant checked after every event), what the fold
// alone costs on the same events, and the time to find the buggy build's bug (median over seeds).
// Run: npx tsx bench/fuzz.ts [runs] [seeds] [workers]
import { cpus, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { kernelFold } from '@bpfsim/kernel';
import { initialState } from '@bpfsim/reducer';
import { KERNEL_INVARIANTS, WORKER_YOUNG_GENERATION_MB, compile, drawRun, fuzzInWorkers, fuzzStepsArb, fuzzWith, runSteps, type TraceEntry } from '@bpfsim/fuzz';
import { managerSpec } from '../examples/manager/spec.ts';

const runs = Number(process.argv[2] ?? 2000);
const seeds = Number(process.argv[3] ?? 15);
const workers = Number(process.argv[4] ?? Math.min(2, cpus().length));
const fixed = managerSpec(true);
const buggy = managerSpec(false);
const fmt = (n: number) => Math.round(n).toLocaleString('en');
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

/**
 * Events/s of fuzzing `runs` runs on this thread, by the clock and per second of the process's CPU
 * time (which a machine shared with other work disturbs less), and the runs' traces (to refold).
 */
function fuzzRate(opts: { kernelInvariants?: boolean; keep?: boolean }): { rate: number; cpuRate: number; events: number; entries: TraceEntry[][] } {
  const entries: TraceEntry[][] = [];
  const spec = { ...fixed, ...(opts.kernelInvariants === false ? { kernelInvariants: false } : {}) };
  const t0 = process.hrtime.bigint(), c0 = process.cpuUsage();
  const r = fuzzWith(spec, { seed: 1, runs });
  const s = Number(process.hrtime.bigint() - t0) / 1e9, c = process.cpuUsage(c0);
  if (opts.keep) {
    // the same runs again, keeping their events (outside the timing)
    const c = compile(spec), arb = fuzzStepsArb(c);
    for (let i = 0; i < Math.min(runs, 500); i++) entries.push([...runSteps(c, drawRun(c, arb, 1, i).value).entries]);
  }
  return { rate: r.events / s, cpuRate: r.events / ((c.user + c.system) / 1e6), events: r.events, entries };
}

/** Events/s of the fold alone on those runs' events. */
function foldRate(traces: TraceEntry[][]): number {
  let n = 0;
  const t0 = process.hrtime.bigint();
  for (const t of traces) {
    let s = initialState(0);
    for (const e of t) { s = kernelFold(s, e.event).state; n++; }
  }
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
}

/**
 * Time spent in each kernel invariant over the same runs, measured in a pass of its own: the
 * timing wrappers (two clock reads a check) would otherwise weigh on the headline rate.
 */
function invariantCosts(): string {
  const spent = new Map<string, bigint>();
  const saved = KERNEL_INVARIANTS.map((k) => [k, k.check] as const);
  for (const [k, check] of saved) {
    (k as { check: typeof check }).check = (s, p) => {
      const t = process.hrtime.bigint();
      try { return check(s, p); } finally { spent.set(k.name, (spent.get(k.name) ?? 0n) + process.hrtime.bigint() - t); }
    };
  }
  try {
    const r = fuzzWith(fixed, { seed: 1, runs });
    return [...spent].map(([k, ns]) => `${k} ${(Number(ns) / 1000 / r.events).toFixed(2)}`).join(', ');
  } finally {
    for (const [k, check] of saved) (k as { check: typeof check }).check = check;
  }
}

fuzzWith(fixed, { seed: 99, runs: 1000 }); // warm up the JIT
fuzzWith({ ...fixed, kernelInvariants: false }, { seed: 99, runs: 1000 });
// Rounds alternate with and without the kernel invariants (the machine's load moves); the median round counts.
const withAll: number[] = [], withAllCpu: number[] = [], without: number[] = [], withoutCpu: number[] = [];
const kept = fuzzRate({ keep: true });
for (let round = 0; round < 3; round++) {
  const a = round ? fuzzRate({}) : kept, b = fuzzRate({ kernelInvariants: false });
  withAll.push(a.rate); withAllCpu.push(a.cpuRate); without.push(b.rate); withoutCpu.push(b.cpuRate);
}
const perInvariant = invariantCosts();
const rate = median(withAll), bare = median(without), cpuRate = median(withAllCpu), bareCpu = median(withoutCpu);
const fold = foldRate(kept.entries);

const find: number[] = [], shrink: number[] = [], runsToFind: number[] = [], sizes: number[] = [];
for (let seed = 1; seed <= seeds; seed++) {
  const t0 = performance.now();
  let foundAt = 0;
  const r = fuzzWith(buggy, { seed, runs: 100_000, onRun: (x) => { if (x.failed && !x.shrinking && !foundAt) foundAt = performance.now(); } });
  const t1 = performance.now();
  if (!r.failure) { console.log(`seed ${seed}: not found in 100,000 runs`); continue; }
  find.push(foundAt - t0); shrink.push(t1 - foundAt); runsToFind.push(r.failure.run + 1); sizes.push(r.failure.outcome.entries.length);
}

/**
 * Fuzzing in a pool of `n` workers: events/s all told, the start-up (each worker loads tsx and
 * compiles the packages), and the warm rate: over the second half of the progress reports (a
 * worker's JIT starts cold, the main thread's was warmed up above).
 */
async function poolRate(n: number): Promise<{ total: number; startup: number; warm: number; warmCpu: number; events: number }> {
  const t0 = performance.now();
  const marks: { at: number; cpu: number; events: number }[] = [];
  const cpuNow = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1e6; };
  const r = await fuzzInWorkers({
    target: fileURLToPath(new URL('../examples/manager/fixed.ts', import.meta.url)), seed: 1, runs: runs * n * 4, workers: n,
    onProgress: (p) => { marks.push({ at: performance.now(), cpu: cpuNow(), events: p.events }); },
  });
  const t1 = performance.now(), c1 = cpuNow();
  const mid = marks[marks.length >> 1];
  return {
    total: r.events / ((t1 - t0) / 1000), startup: marks.length ? marks[0].at - t0 : NaN, events: r.events,
    warm: mid ? (r.events - mid.events) / ((t1 - mid.at) / 1000) : NaN,
    // the whole process's CPU time (the workers, their garbage collection threads, the main thread)
    warmCpu: mid ? (r.events - mid.events) / (c1 - mid.cpu) : NaN,
  };
}

// One worker: one core as the pool runs it (its young generation is larger than the main thread's).
const inWorker = await poolRate(1);
let parallel = '';
if (workers > 1) {
  const p = await poolRate(workers);
  parallel = `${fmt(p.total)} events/s with ${workers} workers (${fmt(p.events)} events, start-up included); `
    + `start-up ${p.startup.toFixed(0)} ms; warm ${fmt(p.warm)} events/s (${(p.warm / inWorker.warm).toFixed(2)}x one worker's)`;
}

console.log(`machine: ${cpus()[0]?.model ?? 'unknown'} x${cpus().length}, Linux ${release()}, Node ${process.version}`);
console.log(`workload: examples/manager fixed build, ${runs} runs (${fmt(kept.events)} events), adversaries: third party, revision race, netdev churn, crashes`);
console.log(`fuzzing, one core:        ${fmt(rate)} events/s, ${fmt(cpuRate)} per CPU-second (user and kernel invariants after every event; median of 3 rounds)`);
console.log(`  kernel invariants, µs/event: ${perInvariant}`);
console.log(`  without kernel invariants: ${fmt(bare)} events/s, ${fmt(bareCpu)} per CPU-second`);
console.log(`  the fold alone:            ${fmt(fold)} events/s on the same events (${(1e6 / fold).toFixed(1)} µs/event, ${(100 * rate / fold).toFixed(0)}% of fuzzing's time)`);
console.log(`  goal 100,000 events/s per core: ${rate >= 100_000 ? 'met' : `not met (${(100_000 / rate).toFixed(1)}x short)`}`);
console.log(`one core in a pool worker:  ${fmt(inWorker.warm)} events/s warm, ${fmt(inWorker.warmCpu)} per CPU-second of the process, after a ${inWorker.startup.toFixed(0)} ms start-up (young generation ${WORKER_YOUNG_GENERATION_MB} MB)`);
if (parallel) console.log(`parallel: ${parallel}`);
console.log(`time to find the buggy build's bug, ${find.length} seeds: median ${median(find).toFixed(0)} ms (min ${Math.min(...find).toFixed(0)}, max ${Math.max(...find).toFixed(0)}), `
  + `median ${median(runsToFind)} runs; shrinking: median ${median(shrink).toFixed(0)} ms to a median ${median(sizes)} events`);
