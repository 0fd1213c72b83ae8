// Replaying on several threads. A trace with state snapshots splits at them into segments that
// replay independently: each starts from the snapshot at its start and checks every result and
// record up to its end, where the next snapshot is checked against the state it reached. So the
// segments together check exactly what one replay from the start checks, and the earliest segment
// that diverges is where that replay would have stopped (its report is made again on this thread).
//
// The calling thread takes the last segment first (its state is the report's), then claims the
// others from the front together with the workers, through a counter in shared memory; it waits
// for the workers synchronously (Atomics.wait, receiveMessageOnPort), so replayTrace stays a
// plain function. A worker that stops answering has its segments replayed here.
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { tsWorker } from '../threads.ts';
import type { Scan, Trace } from './reader.ts';
import { replayRange, type ReplayOptions, type ReplayReport } from './replay.ts';

/** Messages to a replay worker, on its parent port. */
export type ToReplayWorker =
  | { readonly type: 'trace'; readonly id: number; readonly bytes: Uint8Array; readonly scan: Omit<Scan, 'header'> }
  | { readonly type: 'job'; readonly job: number; readonly trace: number; readonly cuts: readonly number[]; readonly validate: boolean; readonly claims: SharedArrayBuffer };

/** What a replay worker posts on its results port, for each segment it replayed. */
export interface SegmentMessage {
  readonly job: number;
  readonly seg: number;
  readonly ok: boolean;
  readonly hashesChecked: number;
  readonly snapshotsChecked: number;
}

/** What a replay worker gets as workerData. */
export interface ReplayWorkerData {
  readonly port: MessagePort;
  /** Int32Array[2]: [0] messages posted (notified), [1] a heartbeat, bumped as a worker replays. */
  readonly signal: SharedArrayBuffer;
}

// The claims of a job (Int32Array over shared memory).
/** The next segment to claim. */
export const NEXT = 0;
/** The earliest segment found to diverge (the segment count while none has): later ones need not run. */
export const FAILED = 1;

/** Segments are cut at snapshots at least this many events apart (shorter ones are not worth a thread). */
export const MIN_SEGMENT = 8192;
/** A worker whose heartbeat does not move for this long while segments are outstanding is given up on. */
export const STALL_MS = 10_000;

export interface ReplayPoolOptions {
  /** Worker threads (besides the calling thread). */
  readonly workers: number;
  /** The shortest segment (default MIN_SEGMENT). */
  readonly minSegment?: number;
  /** How long the workers may make no progress before their segments are replayed here (default STALL_MS). */
  readonly stallMs?: number;
  /** The workers' module (default ./replay-worker.ts): tests give one that misbehaves. */
  readonly workerEntry?: URL;
}

/** Lowers `claims[FAILED]` to `seg` (there is no Atomics.min). */
export function markFailed(claims: Int32Array, seg: number): void {
  for (let cur = Atomics.load(claims, FAILED); seg < cur;) {
    const was = Atomics.compareExchange(claims, FAILED, cur, seg);
    if (was === cur) break;
    cur = was;
  }
}

/**
 * Where a trace splits into segments: 0, the end, and between them the positions of snapshots that
 * have a hash record too, at least `minSegment` events apart. (A divergence found by a hash record
 * is reported with the last position whose hash agreed: with a hash record at every cut, that is
 * the same position whichever segment finds it.)
 */
export function segmentCuts(trace: Trace, minSegment = MIN_SEGMENT): number[] {
  const n = trace.length;
  const hashed = new Set(trace.scan.hashes.map((h) => h.at));
  const cuts = [0];
  for (const at of [...trace.scan.snapshots.keys()].sort((a, b) => a - b)) {
    if (hashed.has(at) && at - cuts[cuts.length - 1] >= minSegment && n - at >= minSegment) cuts.push(at);
  }
  cuts.push(n);
  return cuts;
}

/**
 * Worker threads that replay segments of traces for replayTrace({ pool }). Workers start at once
 * (about a second each) and are kept until close(); they do not keep the process alive. A trace
 * without snapshots is replayed on the calling thread alone.
 */
export class ReplayPool {
  readonly size: number;
  readonly #workers: Worker[] = [];
  readonly #signal: Int32Array;
  /** Each worker's results port is entangled with one of these; all are drained in turn. */
  readonly #ports: MessagePort[] = [];
  readonly #ids = new WeakMap<Trace, number>();
  #traceIds = 0;
  #current = -1;
  #jobs = 0;
  readonly #minSegment: number;
  readonly #stallMs: number;
  readonly #entry: URL;
  readonly #ready: Promise<void>;
  /** Segments replayed by the workers and by the calling thread (`takenBack`: after the workers stalled), over the pool's life. */
  readonly stats = { workers: 0, here: 0, takenBack: 0 };

  constructor(o: ReplayPoolOptions) {
    if (!(Number.isInteger(o.workers) && o.workers >= 1)) throw new RangeError(`workers: expected an integer >= 1, not ${String(o.workers)}`);
    this.size = o.workers;
    this.#minSegment = o.minSegment ?? MIN_SEGMENT;
    this.#stallMs = o.stallMs ?? STALL_MS;
    this.#entry = o.workerEntry ?? new URL('./replay-worker.ts', import.meta.url);
    const signal = new SharedArrayBuffer(8);
    this.#signal = new Int32Array(signal);
    for (let w = 0; w < o.workers; w++) this.#workers.push(this.#start(signal));
    this.#ready = Promise.all(this.#workers.map((w) => new Promise<void>((resolve, reject) => {
      w.once('message', (m: { type: string; message?: string }) => (m.type === 'ready' ? resolve() : reject(new Error(`a replay worker did not start: ${m.message}`))));
      w.once('exit', (code) => reject(new Error(`a replay worker exited (code ${code}) as it started`)));
    }))).then(() => undefined);
    this.#ready.catch(() => {}); // (a worker that does not start is only a thread less)
  }

  /** Resolves when every worker has started (rejects if one could not); replay() does not need to wait for it. */
  ready(): Promise<void> {
    // (the workers do not keep the process alive, except while it waits for them here)
    for (const w of this.#workers) w.ref();
    return this.#ready.finally(() => { for (const w of this.#workers) w.unref(); });
  }

  #start(signal: SharedArrayBuffer): Worker {
    const { port1, port2 } = new MessageChannel();
    port1.unref();
    this.#ports.push(port1);
    const data: ReplayWorkerData = { port: port2, signal };
    const worker = tsWorker(this.#entry, { workerData: data, transferList: [port2] });
    worker.unref();
    // A worker that fails to start or dies only stops claiming: the segments it holds are taken back (stallMs).
    worker.on('error', () => {});
    return worker;
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
    for (const p of this.#ports) p.close();
  }

  /**
   * Replays `trace` across the pool; undefined when it has fewer than two segments, or a snapshot
   * that cannot be read (replay it alone, which reports that as it does).
   */
  replay(trace: Trace, opts: ReplayOptions): ReplayReport | undefined {
    try { return this.#replay(trace, opts); } catch { return undefined; }
  }

  #replay(trace: Trace, opts: ReplayOptions): ReplayReport | undefined {
    const cuts = segmentCuts(trace, this.#minSegment);
    const S = cuts.length - 1;
    if (S < 2) return undefined;
    const n = trace.length;
    const id = this.#share(trace);
    const job = ++this.#jobs;
    const claims = new Int32Array(new SharedArrayBuffer(8));
    claims[NEXT] = 0;
    claims[FAILED] = S;
    const validate = opts.validate ?? true;
    for (const w of this.#workers) w.postMessage({ type: 'job', job, trace: id, cuts, validate, claims: claims.buffer } satisfies ToReplayWorker);

    const mine: (ReplayReport | undefined)[] = new Array(S).fill(undefined);
    const theirs: (SegmentMessage | undefined)[] = new Array(S).fill(undefined);
    // Progress: events of finished segments, plus how far this thread is into its current one.
    let doneEvents = 0, live = 0, shown = 0;
    const progress = () => {
      const d = Math.min(doneEvents + live, n);
      if (d > shown && opts.onProgress) { shown = d; opts.onProgress(d, n); }
    };
    const finished = (k: number) => { doneEvents += cuts[k + 1] - cuts[k]; progress(); };
    const runHere = (k: number): ReplayReport | undefined => {
      const start = k === 0 ? trace.initialState() : trace.snapshot(cuts[k]);
      if (!start) return undefined;
      const r = replayRange(trace, { ...opts, onProgress: (i) => { live = i - cuts[k]; progress(); } }, cuts[k], cuts[k + 1], start);
      live = 0;
      if (theirs[k] || mine[k]) return r; // taken back from a stalled worker that answered since
      mine[k] = r;
      this.stats.here++;
      if (!r.ok) markFailed(claims, k);
      finished(k);
      return r;
    };
    const drain = () => {
      for (const port of this.#ports) {
        for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
          const msg = m.message as SegmentMessage;
          if (msg.job !== job || mine[msg.seg] || theirs[msg.seg]) continue;
          theirs[msg.seg] = msg;
          this.stats.workers++;
          if (!msg.ok) markFailed(claims, msg.seg);
          finished(msg.seg);
        }
      }
    };

    try {
      if (!runHere(S - 1)) return undefined;
      for (;;) {
        drain();
        const k = Atomics.add(claims, NEXT, 1);
        if (k >= S - 1 || k > Atomics.load(claims, FAILED)) break;
        if (!runHere(k)) return undefined;
      }
      // Wait for the segments the workers hold, up to the earliest divergence.
      const outstanding = () => { for (let k = 0; k <= Math.min(S - 2, Atomics.load(claims, FAILED)); k++) if (!mine[k] && !theirs[k]) return k; return -1; };
      let beat = Atomics.load(this.#signal, 1), since = Date.now();
      for (let k = outstanding(); k >= 0; k = outstanding()) {
        const seen = Atomics.load(this.#signal, 0);
        drain();
        if (outstanding() < 0) break;
        Atomics.wait(this.#signal, 0, seen, 100);
        const b = Atomics.load(this.#signal, 1);
        if (b !== beat) { beat = b; since = Date.now(); } else if (Date.now() - since > this.#stallMs) {
          // No worker has replayed anything for a while: replay what they hold here.
          if (!runHere(k)) return undefined;
          this.stats.takenBack++;
          since = Date.now();
        }
      }
    } finally {
      // Workers still holding claims stop at their next claim.
      Atomics.store(claims, NEXT, S);
    }

    // The earliest segment that diverged decides the report; the ones before it all agreed.
    let failed = -1;
    for (let k = 0; k < S; k++) if ((mine[k] ?? theirs[k])?.ok === false) { failed = k; break; }
    const last = failed < 0 ? S - 1 : failed;
    const report = mine[last] ?? runHere(last);
    if (!report) return undefined;
    let hashes = report.hashesChecked, snapshots = report.snapshotsChecked;
    for (let k = 0; k < last; k++) {
      const r = mine[k] ?? theirs[k]!;
      hashes += r.hashesChecked;
      snapshots += r.snapshotsChecked;
    }
    return { ...report, hashesChecked: hashes, snapshotsChecked: snapshots, ...(trace.scan.stop ? { stop: trace.scan.stop } : {}) };
  }

  /** Sends the trace's bytes (in shared memory) and scan to every worker, once. */
  #share(trace: Trace): number {
    let id = this.#ids.get(trace);
    if (id === undefined) this.#ids.set(trace, (id = ++this.#traceIds));
    if (id === this.#current) return id;
    this.#current = id;
    let bytes = trace.bytes;
    if (!(bytes.buffer instanceof SharedArrayBuffer)) {
      bytes = new Uint8Array(new SharedArrayBuffer(trace.bytes.length));
      bytes.set(trace.bytes);
    }
    const { header: _header, ...scan } = trace.scan;
    for (const w of this.#workers) w.postMessage({ type: 'trace', id, bytes, scan } satisfies ToReplayWorker);
    return id;
  }
}
