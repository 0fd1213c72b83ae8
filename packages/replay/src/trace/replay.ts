// Replay: fold a trace from the start, checking every recorded result, state hash and snapshot.
// The first divergence is reported with the event, the recorded and the actual result, and a
// diff of the state.
import { eventProblem, validateEvent, type Event, type Result } from '@bpfsim/events';
import type { KernelState } from '@bpfsim/reducer';
import { kernelFold as reducerFold, kernelFoldMany as reducerFoldMany } from '@bpfsim/kernel';
import type { FoldMany } from '@bpfsim/reducer';
import { diffLines, sameValue, type DiffLine } from '../timetravel/diff.ts';
import type { FoldFn } from '../timetravel/session.ts';
import { stateHash, STATE_HASH_ALGORITHM } from './hash.ts';
import type { Trace, TraceStop } from './reader.ts';
import type { ReplayPool } from './pool.ts';
import { serialScavenges } from '../gc-tuning.ts';

export interface Divergence {
  /**
   * 'result': the event's result differs; 'hash': the state after `position` events hashes
   * differently (every result before agreed); 'snapshot': it differs from the recorded snapshot;
   * 'end': the end record's hash differs; 'invalid': the recorded event is malformed or the fold threw;
   * 'unknown-record': a record of a kind this bpfsim cannot replay.
   */
  readonly kind: 'result' | 'hash' | 'snapshot' | 'end' | 'invalid' | 'unknown-record';
  /** Events folded when the divergence was found (for 'result' and 'invalid': the index of the event). */
  readonly position: number;
  readonly event?: Event;
  readonly recorded?: Result;
  readonly actual?: Result;
  readonly recordedHash?: string;
  readonly actualHash?: string;
  /**
   * The state diff: recorded snapshot → actual state ('snapshot'); for 'result', what the event
   * changed in the replay; for 'hash' and 'end', what changed since the last state that agreed
   * (the divergence happened in between).
   */
  readonly diff: readonly DiffLine[];
  /** Position of the last state known to agree (for 'hash' and 'end'). */
  readonly since?: number;
  readonly message: string;
}

export interface ReplayReport {
  readonly ok: boolean;
  /** Events folded (up to and including a divergent one). */
  readonly events: number;
  readonly hashesChecked: number;
  readonly snapshotsChecked: number;
  /** The end record agreed (false when there is none). */
  readonly endChecked: boolean;
  readonly finalHash: string;
  readonly divergence?: Divergence;
  /** Set when the trace is torn, damaged or unclosed: only its intact prefix was replayed. */
  readonly stop?: TraceStop;
  readonly state: KernelState;
}

export interface ReplayOptions {
  readonly fold?: FoldFn;
  /** Folds many events at once (default: the reducer's, unless `fold` or `onEvent` is given). */
  readonly foldMany?: FoldMany;
  /** Called every `progressEvery` events (default 10,000) and at the end with (done, total). */
  readonly onProgress?: (done: number, total: number) => void;
  readonly progressEvery?: number;
  /** Validate every recorded event before folding it (default true). */
  readonly validate?: boolean;
  /** Called after each event that agreed, with the states around it (for timelines). */
  readonly onEvent?: (index: number, event: Event, result: Result, before: KernelState, after: KernelState) => void;
  /**
   * Replays segments between the trace's snapshots on the pool's threads too (pool.ts): the same
   * report. Ignored with `fold`, `foldMany` or `onEvent`, and for traces with fewer than two segments.
   */
  readonly pool?: ReplayPool;
}

/** Events folded in one draft at most (between records, batches are shorter). */
const MAX_BATCH = 1024;

export function replayTrace(trace: Trace, opts: ReplayOptions = {}): ReplayReport {
  serialScavenges(); // (gc-tuning.ts)
  if (trace.header.hash !== STATE_HASH_ALGORITHM) {
    const state = trace.initialState();
    return {
      ok: false, events: 0, hashesChecked: 0, snapshotsChecked: 0, endChecked: false, finalHash: stateHash(state), state,
      divergence: { kind: 'invalid', position: 0, diff: [], message: `the trace's state hashes are ${trace.header.hash}; this bpfsim computes ${STATE_HASH_ALGORITHM}` },
      ...(trace.scan.stop ? { stop: trace.scan.stop } : {}),
    };
  }
  if (opts.pool && !opts.fold && !opts.foldMany && !opts.onEvent) {
    const r = opts.pool.replay(trace, opts);
    if (r) return r;
  }
  return replayRange(trace, opts, 0, trace.length, trace.initialState());
}

/** The first index in the sorted `xs` whose value passes `p` (xs.length when none does). */
function firstAt<T>(xs: readonly T[], p: (x: T) => boolean): number {
  let lo = 0, hi = xs.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (p(xs[mid])) hi = mid; else lo = mid + 1; }
  return lo;
}

/**
 * Replays events [first, last) from `start`, the state after `first` events, checking every result
 * and every record at positions first + 1 .. last (from 0 on when `first` is 0), and the end record
 * when `last` is the trace's length. A range's report counts only what it checked.
 */
export function replayRange(trace: Trace, opts: ReplayOptions, first: number, last: number, start: KernelState): ReplayReport {
  const foldFn = opts.fold ?? reducerFold;
  const validate = opts.validate ?? true;
  const every = opts.progressEvery ?? 10_000;
  const n = last;
  const scan = trace.scan;
  let state = start;
  let hashesChecked = 0, snapshotsChecked = 0, endChecked = false;
  // The last position whose state is known to agree, and that state.
  let goodPos = first, goodState = state;
  // Records at `first` itself are the range before's to check (position 0's are the first range's).
  const past = (at: number) => (first === 0 ? at >= 0 : at > first);
  let h = firstAt(scan.hashes, (r) => past(r.at)); // next hash record
  const snapshotAts = [...scan.snapshots.keys()].sort((a, b) => a - b);
  let sn = firstAt(snapshotAts, past);
  const others = scan.others;
  let ot = firstAt(others, (o) => past(o.at));
  const atEnd = last === trace.length;
  const done = (divergence?: Divergence, events = n): ReplayReport => ({
    ok: !divergence, events, hashesChecked, snapshotsChecked, endChecked, finalHash: stateHash(state),
    ...(divergence ? { divergence } : {}), ...(scan.stop && atEnd ? { stop: scan.stop } : {}), state,
  });
  // Checks the records that sit at position p (after p events): hashes, snapshots, other kinds.
  const checkAt = (p: number): Divergence | undefined => {
    for (; sn < snapshotAts.length && snapshotAts[sn] <= p; sn++) {
      const rec = trace.snapshot(snapshotAts[sn])!;
      snapshotsChecked++;
      if (stateHash(rec) !== stateHash(state)) {
        return { kind: 'snapshot', position: p, recordedHash: stateHash(rec), actualHash: stateHash(state), diff: diffLines(rec, state), message: `the state after ${p} events differs from the recorded snapshot` };
      }
    }
    for (; h < scan.hashes.length && scan.hashes[h].at <= p; h++) {
      const want = scan.hashes[h].hash, got = stateHash(state);
      hashesChecked++;
      if (want !== got) {
        return { kind: 'hash', position: p, recordedHash: want, actualHash: got, since: goodPos, diff: diffLines(goodState, state), message: `the state after ${p} events hashes to ${got}, the trace recorded ${want} (every result agreed; the state last agreed after ${goodPos} events)` };
      }
      goodPos = p; goodState = state;
    }
    if (ot < others.length && others[ot].at <= p) {
      return { kind: 'unknown-record', position: p, diff: [], message: `record ${others[ot].record} is of kind ${JSON.stringify(others[ot].value.kind)}, which this bpfsim cannot replay` };
    }
    return undefined;
  };
  let d = first === 0 ? checkAt(0) : undefined;
  if (d) return done(d, 0);
  /** Folds events [from, to) one at a time: a divergence found there, with its full report. */
  const oneByOne = (from: number, to: number): ReplayReport | undefined => {
    for (let i = from; i < to; i++) {
      let rec: { event: Event; result: Result };
      try { rec = trace.decode(i); } catch (e) {
        return done({ kind: 'invalid', position: i, diff: [], message: `event ${i}: undecodable record (${(e as Error).message})` }, i);
      }
      if (validate) {
        const v = validateEvent(rec.event);
        if (!v.ok) return done({ kind: 'invalid', position: i, event: rec.event, recorded: rec.result, diff: [], message: `event ${i} is malformed: ${v.error.path ? `${v.error.path}: ` : ''}${v.error.message}` }, i);
      }
      const before = state;
      let actual: Result;
      try {
        const f = foldFn(state, rec.event);
        state = f.state;
        actual = f.result;
      } catch (e) {
        return done({ kind: 'invalid', position: i, event: rec.event, recorded: rec.result, diff: [], message: `event ${i}: the fold threw: ${(e as Error).message}` }, i);
      }
      if (!sameValue(rec.result, actual)) {
        return done({ kind: 'result', position: i, event: rec.event, recorded: rec.result, actual, diff: diffLines(before, state), message: `event ${i}: the result differs` }, i + 1);
      }
      opts.onEvent?.(i, rec.event, actual, before, state);
      d = checkAt(i + 1);
      if (d) return done(d, i + 1);
      if (opts.onProgress && (i + 1) % every === 0) opts.onProgress(i + 1, trace.length);
    }
    return undefined;
  };
  /**
   * Folds events [from, to) in one foldMany (no record sits strictly inside the range). Anything
   * unusual (a record that does not decode or validate, a result that differs, a throw) sends the
   * range back to oneByOne, from the state before it, for the exact report.
   */
  const batched = (many: FoldMany, from: number, to: number): ReplayReport | undefined => {
    const events: Event[] = new Array(to - from), recorded: Result[] = new Array(to - from);
    const start = state;
    try {
      for (let i = from; i < to; i++) {
        const rec = trace.pair(i);
        if (validate && eventProblem(rec[0]) !== undefined) return oneByOne(from, to);
        events[i - from] = rec[0];
        recorded[i - from] = rec[1];
      }
      const f = many(state, events);
      for (let k = 0; k < events.length; k++) if (!sameValue(recorded[k], f.results[k])) { state = start; return oneByOne(from, to); }
      state = f.state;
    } catch {
      state = start;
      return oneByOne(from, to);
    }
    d = checkAt(to);
    if (d) return done(d, to);
    if (opts.onProgress && Math.floor(to / every) > Math.floor(from / every)) opts.onProgress(to, trace.length);
    return undefined;
  };
  // Folding many events per draft needs the default fold (or a foldMany given) and no per-event hook.
  const many = opts.foldMany ?? (opts.fold || opts.onEvent ? undefined : reducerFoldMany);
  if (!many) {
    const r = oneByOne(first, n);
    if (r) return r;
  } else {
    for (let i = first; i < n;) {
      // The batch ends at the next position where a record is to be checked.
      let to = Math.min(n, i + MAX_BATCH);
      if (sn < snapshotAts.length) to = Math.min(to, snapshotAts[sn]);
      if (h < scan.hashes.length) to = Math.min(to, scan.hashes[h].at);
      if (ot < others.length) to = Math.min(to, others[ot].at);
      to = Math.max(to, i + 1);
      const r = batched(many, i, to);
      if (r) return r;
      i = to;
    }
  }
  if (scan.end && atEnd) {
    const got = stateHash(state);
    if (got !== scan.end.hash) {
      return done({ kind: 'end', position: n, recordedHash: scan.end.hash, actualHash: got, since: goodPos, diff: diffLines(goodState, state), message: `the final state hashes to ${got}, the end record says ${scan.end.hash} (the state last agreed after ${goodPos} events)` });
    }
    endChecked = true;
  }
  if (atEnd) opts.onProgress?.(n, n);
  return done();
}
