// Shrinking a divergence to a minimal trace: delta debugging over events (then over optional attr
// fields), re-running both sides for every candidate. Leaving events out renumbers the fds,
// ifindexes and ids later events get, so every candidate's references are first pointed at the
// same objects again (refs.ts). A candidate is kept when its first divergence
// has the same signature (signatureOf) as the original's; the trace is then cut after it.
//
// Kernel runs cost a namespace setup each (about a third of a second), so candidates are first
// screened on the model alone: while the event that diverged is still in the candidate, the model's
// answer to it must stay of the same class (success, the same errno, or a throw). A heuristic: what
// changes the model's answer most likely changes the kernel's too, and loses the divergence. A
// pass that drops single events without the screen follows.
import { validateEvent, type Event } from '@bpfsim/events';
import { annotate, repair, type Tagged } from './refs.ts';
import { compareTrace, modelAnswers, outcomeOf, signatureOf, type KernelRunner, type ModelAnswer, type TraceComparison } from './compare.ts';

export interface ShrinkOptions {
  readonly runner: KernelRunner;
  /** Stop after this many kernel runs (default 400). */
  readonly maxRuns?: number;
  /** Stop at this Date.now() (default: 3 minutes from the start). */
  readonly deadline?: number;
  /** Kernel runs in flight at once (default 1); the result does not depend on it. */
  readonly concurrency?: number;
  /** Called after each batch of kernel runs. */
  readonly onProgress?: (p: { runs: number; length: number }) => void;
}

export interface Shrunk {
  /** The minimal trace: its last event is the divergence. */
  readonly events: readonly Event[];
  /** Its comparison (first divergence at events.length - 1). */
  readonly comparison: TraceComparison;
  readonly signature: string;
  /** Kernel runs spent. */
  readonly runs: number;
  /** Whether shrinking stopped for lack of runs or time rather than at a minimum. */
  readonly exhausted: boolean;
}


/**
 * Shrinks `events`, whose first divergence is at `index` with signature `signature`. Throws if the
 * divergence does not reproduce on the unshrunk prefix (a flaky divergence).
 */
export async function shrinkDivergence(events: readonly Event[], index: number, signature: string, o: ShrinkOptions): Promise<Shrunk> {
  const maxRuns = o.maxRuns ?? 400;
  const deadline = o.deadline ?? Date.now() + 180_000;
  const width = Math.max(1, o.concurrency ?? 1);
  let runs = 0;
  const target = index;
  /** The model's answer, as a class: 'ok', an errno, or a throw (fds and ids shift as events go). */
  const answerClass = (a: ModelAnswer | undefined) => (!a ? 'none' : a.threw !== undefined ? 'threw' : outcomeOf(a.result));
  const targetAnswer = answerClass(modelAnswers(events.slice(0, index + 1))[index]);

  /** undefined, or the candidate cut after its divergence, with its comparison. */
  const test = async (cand: readonly Tagged[]): Promise<{ cand: Tagged[]; cmp: TraceComparison } | undefined> => {
    runs++;
    let cmp: TraceComparison;
    try {
      cmp = await compareTrace(cand.map((t) => t.e), o.runner);
    } catch {
      return undefined; // the oracle could not run this candidate
    }
    if (cmp.first === undefined || signatureOf(cmp, cmp.first) !== signature) return undefined;
    const cut = cand.slice(0, cmp.first + 1);
    return { cand: cut, cmp: cut.length === cand.length ? cmp : { ...cmp, events: cmp.events.slice(0, cut.length) } };
  };
  /** The model screen: false when the candidate changes the model's answer to the diverging event. */
  const screen = (cand: readonly Tagged[]): boolean => {
    const at = cand.findIndex((t) => t.tag === target);
    if (at < 0) return true;
    return answerClass(modelAnswers(cand.slice(0, at + 1).map((t) => t.e))[at]) === targetAnswer;
  };
  const budgetLeft = () => runs < maxRuns && Date.now() < deadline;

  let cur: Tagged[] = events.slice(0, index + 1).map((e, tag) => ({ e, tag }));
  const first = await test(cur);
  if (!first) throw new Error(`the divergence at event ${index} (${signature}) did not reproduce`);
  cur = first.cand;
  let best = first.cmp;

  /**
   * One pass of candidate edits over `cur` (produced by `edits(cur)` afresh after each success):
   * the first passing candidate of each batch is taken.
   */
  const pass = async (edits: (c: Tagged[]) => Tagged[][], screened: boolean): Promise<boolean> => {
    let changed = false;
    let skip = 0;
    for (;;) {
      // events left out shift the fds (ifindexes, ids) of later ones: point them at the same objects again
      const notes = annotate(cur);
      const all = edits(cur).map((c) => repair(c, notes)).slice(skip);
      if (!all.length || !budgetLeft()) return changed;
      const batch: Tagged[][] = [];
      let consumed = 0;
      for (const cand of all) {
        consumed++;
        if (screened && !screen(cand)) continue;
        batch.push(cand);
        if (batch.length === width) break;
      }
      if (!batch.length) return changed;
      const results = await Promise.all(batch.map((c) => test(c)));
      o.onProgress?.({ runs, length: cur.length });
      const hit = results.findIndex((r) => r !== undefined);
      if (hit < 0) { skip += consumed; continue; }
      // Candidates are ordered: restart after the position of the one taken.
      const won = results[hit]!;
      const pos = all.indexOf(batch[hit]);
      cur = won.cand;
      best = won.cmp;
      changed = true;
      skip += pos;
    }
  };

  /** Removals of `size`-event chunks, in order. */
  const chunks = (size: number) => (c: Tagged[]): Tagged[][] => {
    const out: Tagged[][] = [];
    for (let s = 0; s < c.length; s += size) out.push([...c.slice(0, s), ...c.slice(s + size)]);
    return out.filter((x) => x.length > 0);
  };

  // ddmin's complement pass at halving granularity, screened by the model
  for (let size = Math.max(1, Math.floor(cur.length / 2)); size >= 1 && budgetLeft(); size = size === 1 ? 0 : Math.max(1, Math.floor(size / 2))) {
    while (size <= cur.length && (await pass(chunks(size), true)) && budgetLeft()) { /* until no chunk of this size goes */ }
  }
  // single events again, unscreened
  if (budgetLeft()) await pass(chunks(1), false);
  // optional attr fields of bpf events, one at a time
  if (budgetLeft()) await pass(dropOptionalFields, true);

  return { events: cur.map((t) => t.e), comparison: best, signature, runs, exhausted: !budgetLeft() };
}

/** Candidates that each leave out one optional field (or one member of a nested struct) of one bpf event. */
function dropOptionalFields(c: Tagged[]): Tagged[][] {
  const out: Tagged[][] = [];
  c.forEach((t, i) => {
    if (t.e.kind !== 'bpf') return;
    const attr = t.e.attr as Record<string, unknown>;
    for (const key of Object.keys(attr)) {
      const variants: Record<string, unknown>[] = [];
      const v = attr[key];
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        for (const inner of Object.keys(v)) { const s = { ...(v as Record<string, unknown>) }; delete s[inner]; variants.push({ ...attr, [key]: s }); }
      }
      const without = { ...attr };
      delete without[key];
      variants.push(without);
      for (const a of variants) if (validateEvent({ ...t.e, attr: a }).ok) out.push([...c.slice(0, i), { e: { ...t.e, attr: a } as Event, tag: t.tag }, ...c.slice(i + 1)]);
    }
  });
  return out;
}
