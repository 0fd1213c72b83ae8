// A replay worker (pool.ts): keeps the trace it was sent last, and for each job claims segments
// and replays them, posting what each checked and whether it agreed.
import { parentPort, workerData } from 'node:worker_threads';
import { Trace } from './reader.ts';
import { FAILED, markFailed, NEXT, type ReplayWorkerData, type SegmentMessage, type ToReplayWorker } from './pool.ts';
import { replayRange } from './replay.ts';

const { port, signal } = workerData as ReplayWorkerData;
const sig = new Int32Array(signal);
let current: { readonly id: number; readonly trace: Trace } | undefined;

function post(m: SegmentMessage): void {
  port.postMessage(m);
  Atomics.add(sig, 0, 1);
  Atomics.notify(sig, 0);
}

const beat = () => { Atomics.add(sig, 1, 1); };

parentPort!.postMessage({ type: 'ready' });
parentPort!.on('message', (m: ToReplayWorker) => {
  if (m.type === 'trace') { current = { id: m.id, trace: Trace.scanned(m.bytes, m.scan) }; return; }
  if (current?.id !== m.trace) return;
  const { trace } = current;
  const claims = new Int32Array(m.claims);
  const S = m.cuts.length - 1;
  for (;;) {
    const k = Atomics.add(claims, NEXT, 1);
    if (k >= S - 1 || k > Atomics.load(claims, FAILED)) break;
    let ok = false, hashesChecked = 0, snapshotsChecked = 0;
    try {
      const start = k === 0 ? trace.initialState() : trace.snapshot(m.cuts[k]);
      if (start) {
        const r = replayRange(trace, { validate: m.validate, onProgress: beat, progressEvery: 256 }, m.cuts[k], m.cuts[k + 1], start);
        ({ ok, hashesChecked, snapshotsChecked } = r);
      }
    } catch {
      ok = false; // the calling thread replays a segment that failed here, and reports why
    }
    if (!ok) markFailed(claims, k);
    beat();
    post({ job: m.job, seg: k, ok, hashesChecked, snapshotsChecked });
  }
});
