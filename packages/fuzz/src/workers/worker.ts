// One fuzzing worker (see pool.ts): loads the spec, runs its share of the runs, and reports each
// run's events and coverage (batched) and its first failure, shrunk.
import { parentPort, workerData } from 'node:worker_threads';
import { fuzzWith } from '../model/fuzz.ts';
import { loadSpec } from './load.ts';
import type { WorkerInput, WorkerMessage } from './pool.ts';

const input = workerData as WorkerInput;
const port = parentPort!;
const send = (m: WorkerMessage) => port.postMessage(m);

async function main(): Promise<void> {
  const loaded = await loadSpec(input.target, input.exportName);
  const spec = input.maxSteps !== undefined ? { ...loaded, maxSteps: input.maxSteps } : loaded;
  const stop = new Int32Array(input.stop);
  let batch: { run: number; events: number; coverage: number[] }[] = [];
  // A run's coverage goes as [pair id, count, ...]: ids number this worker's (label, outcome)
  // pairs in the order it met them, each sent once (in `pairs`), with the first batch using it.
  const ids = new Map<string, number>();
  let fresh: [string, string][] = [];
  const idOf = (label: string, outcome: string) => {
    const key = `${label}\u0000${outcome}`;
    let id = ids.get(key);
    if (id === undefined) { ids.set(key, (id = ids.size)); fresh.push([label, outcome]); }
    return id;
  };
  let last = Date.now();
  let tries = 0;
  const flush = () => { if (batch.length) { send({ type: 'runs', pairs: fresh, runs: batch }); batch = []; fresh = []; } last = Date.now(); };
  const report = fuzzWith(spec, {
    seed: input.seed, runs: input.runs, shard: { worker: input.worker, workers: input.workers },
    ...(input.deadline !== undefined ? { timeBudgetMs: Math.max(0, input.deadline - Date.now()) } : {}),
    ...(input.shrinkBudget !== undefined ? { shrinkBudget: input.shrinkBudget } : {}),
    stopAt: () => Atomics.load(stop, 0),
    onRun(r) {
      if (r.shrinking) {
        tries++;
        if (Date.now() - last >= 100) { flush(); send({ type: 'shrink', run: r.run, tries }); }
        return;
      }
      const coverage: number[] = [];
      r.coverage!.forEachPair((l, o, n) => { coverage.push(idOf(l, o), n); });
      batch.push({ run: r.run, events: r.events, coverage });
      if (r.failed) {
        // Publish the earliest failing run: the other workers start nothing past it.
        for (let cur = Atomics.load(stop, 0); r.run < cur; cur = Atomics.load(stop, 0)) {
          if (Atomics.compareExchange(stop, 0, cur, r.run) === cur) break;
        }
        flush();
      } else if (Date.now() - last >= 100) flush();
    },
  });
  flush();
  send({ type: 'done', report: { name: report.name, stoppedBy: report.stoppedBy, shrinkEvents: report.shrinkEvents, ...(report.failure ? { failure: report.failure } : {}) } });
}

main().catch((e: unknown) => send({ type: 'error', message: e instanceof Error ? e.message : String(e) }));
