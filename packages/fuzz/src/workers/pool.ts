// Fuzzing on N worker threads. Worker w takes the runs whose index is w modulo N; every run draws
// its steps from its own seed (runSeed(seed, i)), so the runs are the same whatever N is. A worker
// stops at its first failure and publishes its index in shared memory; the others then start no
// run past it. The merged report keeps only the runs up to the earliest failure, so it is the
// report one thread would give: the same seed gives the same failure, counterexample, run count,
// event count and coverage with any number of workers (a time budget aside: when it stops runs
// depends on the machine).
import { tsWorker } from '@bpfsim/replay';
import { Coverage } from '../model/coverage.ts';
import type { Counterexample, FuzzReport } from '../model/types.ts';
import { moduleUrl } from './load.ts';

export interface PoolOptions {
  /** The module exporting the spec (path or file URL). */
  readonly target: string;
  /** Its export (default: `default`, then `spec`). */
  readonly exportName?: string;
  readonly seed: number;
  readonly runs: number;
  readonly workers: number;
  readonly timeBudgetMs?: number;
  readonly shrinkBudget?: number;
  readonly maxSteps?: number;
  readonly onProgress?: (p: PoolProgress) => void;
}

export interface PoolProgress {
  readonly runs: number;
  readonly events: number;
  readonly pairs: number;
  readonly elapsedMs: number;
  /** Set while a worker shrinks a failure: its run, and candidates tried. */
  readonly shrinking?: { readonly run: number; readonly tries: number };
  readonly failures: number;
}

/** What a worker sends. */
export type WorkerMessage =
  /**
   * Runs done, each with its coverage as [pair id, count, ...]; `pairs` are the (label, outcome)
   * pairs the worker numbered since its last message (its ids count from 0 in the order it sent them).
   */
  | { readonly type: 'runs'; readonly pairs: readonly (readonly [string, string])[]; readonly runs: readonly { run: number; events: number; coverage: readonly number[] }[] }
  | { readonly type: 'shrink'; readonly run: number; readonly tries: number }
  | { readonly type: 'done'; readonly report: WorkerReport }
  | { readonly type: 'error'; readonly message: string };

export interface WorkerReport {
  readonly name: string;
  readonly stoppedBy: FuzzReport['stoppedBy'];
  readonly shrinkEvents: number;
  readonly failure?: Counterexample;
}

export interface WorkerInput {
  readonly target: string;
  readonly exportName?: string;
  readonly seed: number;
  readonly runs: number;
  readonly worker: number;
  readonly workers: number;
  /** No run starts after this time (Date.now() ms): the pool's time budget, counted from its start. */
  readonly deadline?: number;
  readonly shrinkBudget?: number;
  readonly maxSteps?: number;
  /** Int32Array[1] over a SharedArrayBuffer: the earliest failing run so far (runs past it are not started). */
  readonly stop: SharedArrayBuffer;
}

/**
 * The young generation a worker gets (V8's default: 48 MB, semi-spaces of 16 MB). Fuzzing makes
 * ~9 KB of garbage an event (states, drafts, results, drawn steps) that lives about as long as a
 * run: with 64 MB semi-spaces far fewer of a run's objects are still alive, and copied, when a
 * scavenge comes. Measured on the example manager, in events per CPU-second of the worker's
 * thread (wall-clock rates on a shared machine are too noisy to tell): ~65k -> ~73k, 2 x 4 rounds.
 * node's --max-semi-space-size=64 does the same for fuzzing on the main thread.
 */
export const WORKER_YOUNG_GENERATION_MB = 192;

export async function fuzzInWorkers(o: PoolOptions): Promise<FuzzReport> {
  const t0 = Date.now();
  const stop = new SharedArrayBuffer(4);
  Atomics.store(new Int32Array(stop), 0, 0x7fffffff);
  const perRun = new Map<number, { events: number; coverage: readonly number[]; pairs: (readonly [string, string])[] }>();
  /** Each worker's pairs, by id. */
  const pairsOf: (readonly [string, string])[][] = Array.from({ length: o.workers }, () => []);
  const add = (into: Coverage, cov: readonly number[], pairs: readonly (readonly [string, string])[]) => {
    for (let i = 0; i < cov.length; i += 2) { const p = pairs[cov[i]]; into.addPair(p[0], p[1], cov[i + 1]); }
  };
  const live = new Coverage();
  let liveEvents = 0;
  let failures = 0;
  const url = new URL('./worker.ts', import.meta.url);
  const progress = (shrinking?: { run: number; tries: number }) => o.onProgress?.({
    runs: perRun.size, events: liveEvents, pairs: live.pairs, elapsedMs: Date.now() - t0, failures, ...(shrinking ? { shrinking } : {}),
  });

  const reports = await Promise.all(Array.from({ length: o.workers }, (_, w) => new Promise<WorkerReport>((resolve, reject) => {
    const input: WorkerInput = {
      target: moduleUrl(o.target), seed: o.seed, runs: o.runs, worker: w, workers: o.workers, stop,
      ...(o.exportName ? { exportName: o.exportName } : {}), ...(o.timeBudgetMs !== undefined ? { deadline: t0 + o.timeBudgetMs } : {}),
      ...(o.shrinkBudget !== undefined ? { shrinkBudget: o.shrinkBudget } : {}), ...(o.maxSteps !== undefined ? { maxSteps: o.maxSteps } : {}),
    };
    const worker = tsWorker(url, { workerData: input, youngGenerationMb: WORKER_YOUNG_GENERATION_MB });
    let settled = false;
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'runs') {
        const pairs = pairsOf[w];
        for (const p of m.pairs) pairs.push(p);
        for (const r of m.runs) { perRun.set(r.run, { events: r.events, coverage: r.coverage, pairs }); add(live, r.coverage, pairs); liveEvents += r.events; }
        progress();
      } else if (m.type === 'shrink') {
        progress({ run: m.run, tries: m.tries });
      } else if (m.type === 'done') {
        settled = true;
        if (m.report.failure) failures++;
        resolve(m.report);
      } else {
        settled = true;
        reject(new Error(`worker ${w}: ${m.message}`));
      }
    });
    worker.on('error', (e) => { if (!settled) { settled = true; reject(e); } });
    worker.on('exit', (code) => { if (!settled) { settled = true; reject(new Error(`worker ${w} exited with code ${code} before it reported`)); } });
  })));

  // The earliest failure wins; only the runs up to it count.
  const failure = reports.map((r) => r.failure).filter((f): f is Counterexample => !!f).sort((a, b) => a.run - b.run)[0];
  const upTo = failure ? failure.run : Infinity;
  const coverage = new Coverage();
  let runs = 0, events = 0;
  for (const [run, r] of [...perRun].sort((a, b) => a[0] - b[0])) {
    if (run > upTo) continue;
    runs++; events += r.events; add(coverage, r.coverage, r.pairs);
  }
  const winner = failure ? reports.find((r) => r.failure === failure)! : undefined;
  const stoppedBy: FuzzReport['stoppedBy'] = failure ? 'failure' : reports.some((r) => r.stoppedBy === 'time') ? 'time' : 'runs';
  return {
    name: reports[0]?.name ?? 'fuzz', ok: !failure, seed: o.seed >>> 0, runs, runsRequested: o.runs, events, shrinkEvents: winner?.shrinkEvents ?? 0,
    elapsedMs: Date.now() - t0, stoppedBy, coverage, ...(failure ? { failure } : {}),
  };
}
