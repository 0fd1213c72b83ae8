// Time travel over a trace: seek to any position, step forward and back, run to a condition, see
// what any event changed, blame a piece of state, bisect an invariant.
//
// Positions count events folded: position 0 is the state before the first event, position p the
// state after events 0..p-1 (so "event p" is the next to fold). Seeking is fast at any size:
//  - a forward pass (run once, as far as anything has asked) keeps a checkpoint (the state, which
//    shares structure with its neighbours) every K events, folding each K events in one draft;
//    a trace with state snapshots has a pass of its own from each snapshot (to the next), so that
//    seeking near its end folds from the snapshot before, not from the start;
//  - blame's index (for every event, the first two segments of each path it changed) is built by
//    a second pass beside each forward pass, one event at a time, only as far back from the
//    position asked about as blame had to look (near the end of a trace with snapshots, only
//    the events since the last snapshot, when the path changed there);
//  - seek(p) starts from the nearest checkpoint at or before p (or from where it is, if nearer)
//    and folds at most K events: all but the last few in one draft (foldMany), the last
//    `stepBackWindow` one at a time, keeping each one's changes for stepBack;
//  - stepBack() writes back the values the last event changed (its changes' `before` side, the
//    old subtrees by reference), refolding from a checkpoint only when it has no changes kept for
//    that event (e.g. right after landing on a checkpoint, or past the window a seek kept).
import type { Event, Result } from '@bpfsim/events';
import type { KernelState, Folded, FoldMany } from '@bpfsim/reducer';
import { kernelFold as reducerFold, kernelFoldMany } from '@bpfsim/kernel';
import type { Trace } from '../trace/reader.ts';
import { TraceError } from '../trace/reader.ts';
import { TouchIndex } from './touch-index.ts';
import { noPretenuring } from '../gc-tuning.ts';
import { ABSENT, applyChanges, changes, diffLines, getPath, resolvePath, sameValue, touched, type Change, type DiffLine, type Path } from './diff.ts';

export type FoldFn = (state: KernelState, event: Event) => Folded;

export interface SessionOptions {
  /** Checkpoint spacing K (default: 256, or more for long traces so that at most ~4096 are kept). */
  readonly checkpointEvery?: number;
  /** The fold to use (default the reducer's); tests pass a broken one to have something to bisect. */
  readonly fold?: FoldFn;
  /** How many events' changes stepBack keeps (default 4K). */
  readonly undoLimit?: number;
  /**
   * How many events before its target a seek folds one at a time, keeping their changes for
   * stepBack (default 16); the events before them are folded in one draft, without changes kept.
   */
  readonly stepBackWindow?: number;
}

/** What runTo's predicate sees after each event. */
export interface StepContext {
  /** The event just folded. */
  readonly index: number;
  readonly event: Event;
  /** Its recorded result. */
  readonly result: Result;
  readonly before: KernelState;
  readonly state: KernelState;
}

const INDEX_DEPTH = 2;
const SEP = '\u0000';

export class Session {
  readonly trace: Trace;
  readonly checkpointEvery: number;
  readonly #fold: FoldFn;
  /** The fold over many events at once: the reducer's, unless a fold was given. */
  readonly #foldMany: FoldMany | undefined;
  readonly #undoLimit: number;
  readonly #window: number;

  // The forward passes: pass r runs from #starts[r] (0, then each snapshot's position) towards the
  // next start; it has reached #reached[r], where the state is #frontiers[r] (undefined: the
  // snapshot is not read yet). checkpoints[j] is the state at j*K, once a pass has gone through it.
  readonly #checkpoints: (KernelState | undefined)[] = [];
  readonly #starts: number[];
  readonly #reached: number[];
  readonly #frontiers: (KernelState | undefined)[];
  /** The state where each pass starts, once read. */
  readonly #startStates: (KernelState | undefined)[];
  // Blame's index, one per pass (built as far as blame has looked back into it), with the state
  // after its last indexed event; path prefixes are interned across all of them.
  readonly #touches: (TouchIndex | undefined)[] = [];
  readonly #touchFrontiers: (KernelState | undefined)[] = [];
  readonly #intern = new Map<string, number>();
  readonly #interned: string[] = [];

  // The cursor.
  #pos = 0;
  #state: KernelState;
  /** #undo[k] holds the changes of event #undoFrom + k; valid while #undoFrom + #undo.length === #pos. */
  #undo: Change[][] = [];
  #undoFrom = 0;

  // A second cursor for lookups that must not move the first (blame, bisect, changesOf, diff).
  #scratchPos = 0;
  #scratch: KernelState;

  constructor(trace: Trace, opts: SessionOptions = {}) {
    noPretenuring();
    this.trace = trace;
    this.#fold = opts.fold ?? reducerFold;
    this.#foldMany = opts.fold ? undefined : kernelFoldMany;
    this.#undoLimit = opts.undoLimit ?? 4096;
    this.#window = opts.stepBackWindow ?? 16;
    if (!(Number.isInteger(this.#window) && this.#window >= 0)) throw new RangeError('stepBackWindow: expected a non-negative integer');
    this.checkpointEvery = opts.checkpointEvery ?? Math.max(256, Math.ceil(trace.length / 4096));
    if (!(Number.isInteger(this.checkpointEvery) && this.checkpointEvery > 0)) throw new RangeError('checkpointEvery: expected a positive integer');
    const s0 = trace.initialState();
    this.#checkpoints.push(s0);
    this.#starts = [0, ...[...trace.scan.snapshots.keys()].filter((q) => q > 0 && q <= trace.length).sort((a, b) => a - b)];
    this.#reached = [...this.#starts];
    this.#frontiers = this.#starts.map((q) => (q === 0 ? s0 : undefined));
    this.#startStates = [...this.#frontiers];
    this.#state = this.#scratch = s0;
  }

  /** Events in the trace: positions run from 0 to length. */
  get length(): number { return this.trace.length; }
  get position(): number { return this.#pos; }
  get state(): KernelState { return this.#state; }
  event(i: number): Event { return this.trace.event(i); }
  /** The recorded result of event i. */
  result(i: number): Result { return this.trace.result(i); }

  #foldAt(state: KernelState, i: number): KernelState {
    const e = this.trace.event(i);
    try { return this.#fold(state, e).state; } catch (err) { throw new TraceError(`event ${i} cannot be folded: ${(err as Error).message}`); }
  }

  /**
   * The state after folding events [from, to) onto `state`: in one draft when a foldMany is at
   * hand (~5x faster than one fold an event), else (or to name the event that cannot be folded)
   * one at a time.
   */
  #foldRange(state: KernelState, from: number, to: number): KernelState {
    if (to - from > 1 && this.#foldMany) {
      const events: Event[] = new Array(to - from);
      try {
        for (let i = from; i < to; i++) events[i - from] = this.trace.event(i);
        return this.#foldMany(state, events).state;
      } catch {
        // fall through: the event at fault is found and named below
      }
    }
    for (let i = from; i < to; i++) state = this.#foldAt(state, i);
    return state;
  }

  #check(p: number): void {
    if (!Number.isInteger(p) || p < 0 || p > this.length) throw new RangeError(`position ${p} is out of range (0..${this.length})`);
  }

  /**
   * Runs every forward pass to its end now, so that no seek later folds more than K events
   * (otherwise each pass runs as far as a seek into it asks).
   */
  prepare(): void { this.#extend(this.length); }

  /** Runs the forward passes over [0, to], keeping every checkpoint there. */
  #extend(to: number): void {
    for (let r = 0; r < this.#starts.length && this.#starts[r] < to; r++) this.#extendPass(r, Math.min(to, this.#passEnd(r)));
  }

  /** Where pass r stops: the next snapshot's position, or the end. */
  #passEnd(r: number): number { return r + 1 < this.#starts.length ? this.#starts[r + 1] : this.length; }

  /** Runs pass r up to position `to`, keeping checkpoints: each K events in one draft. */
  #extendPass(r: number, to: number): void {
    const K = this.checkpointEvery;
    let s = this.#frontiers[r];
    if (!s) {
      s = this.#startStates[r] = this.trace.snapshot(this.#starts[r])!;
      if (this.#starts[r] % K === 0) this.#checkpoints[this.#starts[r] / K] = s;
    }
    let i = this.#reached[r];
    while (i < to) {
      const end = Math.min(to, (Math.floor(i / K) + 1) * K);
      s = this.#foldRange(s, i, end);
      i = end;
      if (end % K === 0) this.#checkpoints[end / K] = s;
    }
    this.#reached[r] = i;
    this.#frontiers[r] = s;
  }

  /**
   * Pass r's blame index, built up to position `to` (at most the pass's end): each event folded
   * alone from the pass's start, and diffed with the state before it.
   */
  #touchIndex(r: number, to: number): TouchIndex {
    let idx = this.#touches[r];
    if (!idx) {
      idx = this.#touches[r] = new TouchIndex(this.#starts[r]);
      this.#extendPass(r, this.#starts[r]); // (reads the pass's snapshot)
      this.#touchFrontiers[r] = this.#startStates[r];
    }
    let s = this.#touchFrontiers[r]!;
    while (idx.end < to) {
      const next = this.#foldAt(s, idx.end);
      idx.push(touched(s, next, INDEX_DEPTH).map((p) => this.#internId(p.join(SEP))));
      s = next;
    }
    this.#touchFrontiers[r] = s;
    return idx;
  }

  #internId(key: string): number {
    let id = this.#intern.get(key);
    if (id === undefined) { id = this.#interned.length; this.#intern.set(key, id); this.#interned.push(key); }
    return id;
  }

  /** The pass a position's event belongs to: the last that starts at or before it. */
  #passOf(p: number): number {
    let r = 0;
    while (r + 1 < this.#starts.length && this.#starts[r + 1] <= p) r++;
    return r;
  }

  /** The checkpoint at or before p, or the snapshot there if nearer: [its position, its state]. */
  #checkpointFor(p: number): [number, KernelState] {
    const K = this.checkpointEvery;
    const r = this.#passOf(p);
    const c = Math.floor(p / K) * K;
    if (c < this.#starts[r]) { this.#extendPass(r, this.#starts[r]); return [this.#starts[r], this.#startStates[r]!]; }
    this.#extendPass(r, c);
    return [c, this.#checkpoints[c / K]!];
  }

  /** The state at position p, using the scratch cursor (the main cursor does not move). */
  stateAt(p: number): KernelState {
    this.#check(p);
    if (p === this.#pos) return this.#state;
    const kept = p % this.checkpointEvery === 0 ? this.#checkpoints[p / this.checkpointEvery] : undefined;
    if (kept) return kept;
    // Start from the nearest state at or before p: a cursor, or else a checkpoint.
    let base = -1, s = this.#state;
    if (this.#scratchPos <= p) { base = this.#scratchPos; s = this.#scratch; }
    if (this.#pos <= p && this.#pos > base) { base = this.#pos; s = this.#state; }
    if (base < 0 || p - base > this.checkpointEvery) {
      const [cp, cs] = this.#checkpointFor(p);
      if (cp > base) { base = cp; s = cs; }
    }
    s = this.#foldRange(s, base, p);
    this.#scratchPos = p;
    this.#scratch = s;
    return s;
  }

  /** Moves the cursor forward to `to`: the last #window events one at a time, their changes kept for stepBack. */
  #forward(to: number): void {
    const fast = to - this.#window;
    if (fast - this.#pos > 1) {
      this.#state = this.#foldRange(this.#state, this.#pos, fast);
      this.#pos = fast;
      this.#undo = [];
      this.#undoFrom = fast;
    }
    while (this.#pos < to) this.#stepOne();
  }

  #stepOne(): void {
    const before = this.#state;
    const after = this.#foldAt(before, this.#pos);
    if (this.#undoFrom + this.#undo.length !== this.#pos) { this.#undo = []; this.#undoFrom = this.#pos; }
    this.#undo.push(changes(before, after));
    if (this.#undo.length > this.#undoLimit * 2) {
      const drop = this.#undo.length - this.#undoLimit;
      this.#undo.splice(0, drop);
      this.#undoFrom += drop;
    }
    this.#state = after;
    this.#pos++;
  }

  /** Moves to position p and returns its state. */
  seek(p: number): KernelState {
    this.#check(p);
    if (p === this.#pos) return this.#state;
    const haveUndo = p < this.#pos && p >= this.#undoFrom && this.#undoFrom + this.#undo.length === this.#pos;
    if (haveUndo && this.#pos - p <= this.checkpointEvery) {
      while (this.#pos > p) this.#backOne();
      return this.#state;
    }
    const K = this.checkpointEvery;
    const base = Math.floor(p / K) * K;
    if (p > this.#pos && this.#pos >= base) { this.#forward(p); return this.#state; }
    const [cp, s] = this.#checkpointFor(p);
    this.#state = s;
    this.#pos = cp;
    this.#undo = [];
    this.#undoFrom = cp;
    this.#forward(p);
    return this.#state;
  }

  /** Folds the next event; false at the end. */
  step(): boolean {
    if (this.#pos >= this.length) return false;
    this.#stepOne();
    return true;
  }

  #backOne(): void {
    const cs = this.#undo.pop()!;
    this.#state = applyChanges(this.#state, cs, 'before');
    this.#pos--;
  }

  /** Undoes the last event; false at position 0. */
  stepBack(): boolean {
    if (this.#pos === 0) return false;
    if (this.#undo.length > 0 && this.#undoFrom + this.#undo.length === this.#pos) { this.#backOne(); return true; }
    // No changes kept for the previous event: refold its segment from the checkpoint before it.
    const target = this.#pos - 1;
    const [cp, s] = this.#checkpointFor(target);
    this.#state = s;
    this.#pos = cp;
    this.#undo = [];
    this.#undoFrom = cp;
    this.#forward(target);
    return true;
  }

  /**
   * Steps forward until `pred` holds after an event; returns the position there, or undefined
   * (at the end) when it never does.
   */
  runTo(pred: (ctx: StepContext) => boolean): number | undefined {
    while (this.#pos < this.length) {
      const index = this.#pos, before = this.#state;
      this.#stepOne();
      const r = this.trace.record(index);
      if (pred({ index, event: r.event, result: r.result, before, state: this.#state })) return this.#pos;
    }
    return undefined;
  }

  /** What event i changed, readably. */
  changesOf(i: number): DiffLine[] {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new RangeError(`event ${i} is out of range (0..${this.length - 1})`);
    const before = this.stateAt(i);
    const after = this.stateAt(i + 1);
    return diffLines(before, after);
  }

  /** The differences between the states at positions a and b. */
  diff(a: number, b: number, path: Path = []): DiffLine[] {
    const sa = this.stateAt(a), sb = this.stateAt(b);
    const p = resolvePath(getPath(sb, path) !== ABSENT ? sb : sa, path);
    return diffLines(getPath(sa, p), getPath(sb, p), p);
  }

  /**
   * The event that last changed the value at `path` before position `at` (default: the current
   * position), or undefined when nothing did since the initial state.
   */
  blame(path: Path, at = this.#pos): number | undefined {
    this.#check(at);
    const segs = path.map(String);
    const prefix = segs.slice(0, INDEX_DEPTH).join(SEP);
    // Interned prefixes one of which is a prefix of the other (a change there may change the path).
    const isRelated = (k: string) => k === prefix || k === '' || prefix.startsWith(k + SEP) || k.startsWith(prefix + SEP) || prefix === '';
    const related: boolean[] = [];
    const K = this.checkpointEvery;
    // Back from event at - 1, pass by pass: each pass's index is built only as far as it is looked at.
    let i = at - 1;
    while (i >= 0) {
      const r = this.#passOf(i), start = this.#starts[r];
      const idx = this.#touchIndex(r, i + 1);
      for (let id = related.length; id < this.#interned.length; id++) related.push(isRelated(this.#interned[id]));
      const cand = idx.lastTouching(i, related);
      if (cand < 0) { i = start - 1; continue; }
      // Verify from the checkpoint (or the pass's start) before it, watching the value, up to cand + 1.
      this.#extendPass(r, cand);
      const base = Math.max(start, Math.floor(cand / K) * K);
      let s = base === start ? this.#startStates[r]! : this.#checkpoints[base / K]!;
      let last = -1;
      let v = getPath(s, path);
      for (let e = base; e <= cand; e++) {
        const next = this.#foldAt(s, e);
        const w = getPath(next, path);
        if (w !== v && !(w !== ABSENT && v !== ABSENT && sameValue(v, w))) last = e;
        s = next; v = w;
      }
      if (last >= 0) return last;
      i = base - 1;
    }
    return undefined;
  }

  /**
   * The first position whose state breaks `holds`, by binary search: like git bisect it assumes
   * that once broken the state stays broken (for an invariant that can break and heal, use
   * firstFailure). Undefined when the state at the end holds.
   */
  bisect(holds: (s: KernelState) => boolean): number | undefined {
    if (holds(this.stateAt(this.length))) return undefined;
    if (!holds(this.stateAt(0))) return 0;
    let lo = 0, hi = this.length; // holds at lo, broken at hi
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (holds(this.stateAt(mid))) lo = mid; else hi = mid;
    }
    return hi;
  }

  /** The first position whose state breaks `holds`, checking every position (exact, slower). */
  firstFailure(holds: (s: KernelState) => boolean): number | undefined {
    let s = this.#checkpoints[0]!;
    for (let p = 0; p <= this.length; p++) {
      if (p > 0) s = (p % this.checkpointEvery === 0 ? this.#checkpoints[p / this.checkpointEvery] : undefined) ?? this.#foldAt(s, p - 1);
      if (!holds(s)) return p;
    }
    return undefined;
  }
}
