// Differential fuzzing: random stateful traces run on the model and on the live kernel side by
// side, many events per kernel run (each run costs a namespace setup), each divergence shrunk to a
// minimal trace. The same seed and step count give the same traces, the same answers, the same
// shrunk divergences (a time budget may cut a run short, and so change how far it gets).
import type { Event, Result } from '@bpfsim/events';
import { DEFAULT_UNIVERSE, type Universe } from '../universe.ts';
import { sampleTrace, type TraceOptions } from '../arbitraries/stateful.ts';
import { compareTrace, labelOf, retrying, signatureOf, type KernelRunner, type ModelAnswer, type TraceComparison } from './compare.ts';
import { shrinkDivergence, type Shrunk } from './shrink.ts';
import { Tally } from './tally.ts';

export interface CampaignOptions {
  readonly seed: number;
  /** Events to generate in all (split into traces of eventsPerTrace). */
  readonly steps: number;
  /** Events per trace: per kernel run (default 100). */
  readonly eventsPerTrace?: number;
  /** Stop starting traces after this long (ms). Shrinking a divergence found in time still runs. */
  readonly timeBudgetMs?: number;
  readonly runner: KernelRunner;
  readonly universe?: Universe;
  /** Options of the trace arbitrary (weights, aim, ...); `length` is set from eventsPerTrace. */
  readonly trace?: Omit<TraceOptions, 'length'>;
  /** Go on after the first divergence, collecting one divergence per signature (default false). */
  readonly keepGoing?: boolean;
  /** Shrink divergences (default true). */
  readonly shrink?: boolean;
  /** Kernel runs and time per shrink (defaults 400 runs, 180 s). */
  readonly shrinkMaxRuns?: number;
  readonly shrinkBudgetMs?: number;
  /** Kernel runs in flight at once (default 1). Results do not depend on it. */
  readonly concurrency?: number;
  /** Tries per kernel run when the oracle fails to run a trace (default 3; see retrying). */
  readonly attempts?: number;
  /** Called as traces finish and while shrinking. */
  readonly onProgress?: (p: CampaignProgress) => void;
}

export interface CampaignProgress {
  readonly phase: 'run' | 'shrink';
  readonly tracesDone: number;
  readonly traces: number;
  readonly eventsDone: number;
  readonly events: number;
  readonly divergences: number;
  readonly elapsedMs: number;
  /** While shrinking: kernel runs so far and the current length. */
  readonly shrink?: { readonly runs: number; readonly length: number };
  /** After a trace: its comparison. */
  readonly last?: { readonly trace: number; readonly seed: number; readonly comparison: TraceComparison };
}

/** One divergence, as found and as shrunk. */
export interface Divergence {
  readonly signature: string;
  /** The command (or event kind) that diverged. */
  readonly label: string;
  /** Which trace of the campaign, and its seed (sampleTrace(traceSeed, ...) regenerates it). */
  readonly trace: number;
  readonly traceSeed: number;
  /** Where in that trace, the event, and both answers. */
  readonly index: number;
  readonly event: Event;
  readonly kernel: Result;
  readonly model: ModelAnswer;
  readonly diff: string;
  /** The trace up to and including the divergence. */
  readonly events: readonly Event[];
  readonly kernelResults: readonly Result[];
  readonly shrunk?: Shrunk;
  /** Set when shrinking failed: why (e.g. the divergence did not reproduce). */
  readonly shrinkError?: string;
  /** Later divergences with the same signature. */
  duplicates: number;
}

export interface OracleFailure { readonly trace: number; readonly traceSeed: number; readonly message: string; readonly events: readonly Event[] }

export interface CampaignResult {
  readonly seed: number;
  readonly steps: number;
  readonly eventsPerTrace: number;
  readonly tracesPlanned: number;
  readonly traces: number;
  /** uname -r of the kernel (undefined if no trace ran). */
  readonly kernel?: string;
  readonly tally: Tally;
  readonly divergences: readonly Divergence[];
  readonly oracleFailures: readonly OracleFailure[];
  readonly stoppedBy: 'steps' | 'time' | 'divergence';
  readonly elapsedMs: number;
}

/** The seed of trace `t` of a campaign with seed `seed` (splitmix32 of both). */
export function traceSeed(seed: number, t: number): number {
  let z = (Math.imul(seed | 0, 0x9e3779b1) + Math.imul(t + 1, 0x85ebca6b)) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return ((z ^ (z >>> 15)) >>> 0) & 0x7fffffff;
}

/** The events of trace `t` of a campaign. */
export function campaignTrace(o: Pick<CampaignOptions, 'seed' | 'steps' | 'eventsPerTrace' | 'universe' | 'trace'>, t: number): Event[] {
  const per = o.eventsPerTrace ?? 100;
  const length = Math.min(per, o.steps - t * per);
  return sampleTrace(traceSeed(o.seed, t), o.universe ?? DEFAULT_UNIVERSE, { ...o.trace, length });
}

export async function runCampaign(opts: CampaignOptions): Promise<CampaignResult> {
  const o = { ...opts, runner: retrying(opts.runner, opts.attempts ?? 3) };
  const start = Date.now();
  const per = Math.max(1, o.eventsPerTrace ?? 100);
  const planned = Math.ceil(o.steps / per);
  const width = Math.max(1, o.concurrency ?? 1);
  const tally = new Tally();
  const divergences: Divergence[] = [];
  const failures: OracleFailure[] = [];
  let kernel: string | undefined;
  let done = 0, eventsDone = 0;
  let stoppedBy: CampaignResult['stoppedBy'] = 'steps';
  const elapsed = () => Date.now() - start;
  const report = (p: Partial<CampaignProgress> & Pick<CampaignProgress, 'phase'>) => o.onProgress?.({
    tracesDone: done, traces: planned, eventsDone, events: o.steps, divergences: divergences.length, elapsedMs: elapsed(), ...p,
  });

  outer: for (let t0 = 0; t0 < planned; t0 += width) {
    if (o.timeBudgetMs !== undefined && elapsed() >= o.timeBudgetMs) { stoppedBy = 'time'; break; }
    const batch = Array.from({ length: Math.min(width, planned - t0) }, (_, i) => t0 + i);
    const traces = batch.map((t) => campaignTrace({ ...o, eventsPerTrace: per }, t));
    const runs = await Promise.all(traces.map((events) => compareTrace(events, o.runner).then((c) => ({ c }), (e: unknown) => ({ e: e as Error }))));
    for (let i = 0; i < batch.length; i++) {
      const t = batch[i], events = traces[i], r = runs[i];
      done++;
      eventsDone += events.length;
      if ('e' in r) {
        failures.push({ trace: t, traceSeed: traceSeed(o.seed, t), message: r.e?.message ?? String(r.e), events });
        report({ phase: 'run' });
        continue;
      }
      const cmp = r.c;
      kernel ??= cmp.kernel;
      tally.add(cmp);
      const sig = cmp.first === undefined ? undefined : signatureOf(cmp, cmp.first);
      const known = sig === undefined ? undefined : divergences.find((d) => d.signature === sig);
      report({ phase: 'run', last: { trace: t, seed: traceSeed(o.seed, t), comparison: cmp }, divergences: divergences.length + (sig !== undefined && !known ? 1 : 0) });
      if (cmp.first === undefined || sig === undefined) continue;
      if (known) { known.duplicates++; if (!o.keepGoing) { stoppedBy = 'divergence'; break outer; } continue; }
      const i0 = cmp.first;
      let shrunk: Shrunk | undefined, shrinkError: string | undefined;
      if (o.shrink !== false) {
        try {
          shrunk = await shrinkDivergence(events, i0, sig, {
            runner: o.runner, concurrency: width, maxRuns: o.shrinkMaxRuns, deadline: Date.now() + (o.shrinkBudgetMs ?? 180_000),
            onProgress: (s) => report({ phase: 'shrink', shrink: s }),
          });
        } catch (e) {
          shrinkError = (e as Error).message;
        }
      }
      const m = cmp.model[i0];
      divergences.push({
        signature: sig, label: labelOf(events[i0]), trace: t, traceSeed: traceSeed(o.seed, t), index: i0, event: events[i0],
        kernel: cmp.kernelResults[i0], model: m, diff: cmp.diffs[i0] ?? '', events: events.slice(0, i0 + 1),
        kernelResults: cmp.kernelResults.slice(0, i0 + 1), ...(shrunk ? { shrunk } : {}), ...(shrinkError ? { shrinkError } : {}), duplicates: 0,
      });
      if (!o.keepGoing) { stoppedBy = 'divergence'; break outer; }
    }
  }
  return {
    seed: o.seed, steps: o.steps, eventsPerTrace: per, tracesPlanned: planned, traces: done, ...(kernel ? { kernel } : {}),
    tally, divergences, oracleFailures: failures, stoppedBy, elapsedMs: elapsed(),
  };
}

/**
 * What a divergence shows: its events (the shrunk trace if it was shrunk), the index of the one that
 * diverged (the last), and the kernel's answer, the model's and their difference there.
 */
export function finalView(d: Divergence): { events: readonly Event[]; index: number; kernel: Result | undefined; model: ModelAnswer | undefined; diff: string | undefined } {
  const s = d.shrunk;
  if (!s) return { events: d.events, index: d.events.length - 1, kernel: d.kernel, model: d.model, diff: d.diff };
  const index = s.events.length - 1;
  return { events: s.events, index, kernel: s.comparison.kernelResults[index], model: s.comparison.model[index], diff: s.comparison.diffs[index] };
}

/** A model answer as JSON: its result, or what its fold threw. */
export const modelJSON = (m: ModelAnswer | undefined): unknown => (m?.threw !== undefined ? { threw: m.threw } : m?.result);

/** A divergence as a scenario file: `bpfsim run` and `bpfsim check` open it (`results` are the kernel's). */
export function divergenceFile(d: Divergence, meta: { seed: number; kernel?: string; name?: string }): Record<string, unknown> {
  const s = d.shrunk;
  const { events, index: i, model, diff } = finalView(d);
  const results = s ? s.comparison.kernelResults.slice(0, events.length) : d.kernelResults;
  return {
    name: meta.name ?? `diffuzz-${meta.seed}-${d.trace}`,
    description: `The model and the live kernel disagree on event ${i}: ${d.signature}`,
    kernel: s?.comparison.kernel ?? meta.kernel,
    fuzz: { seed: meta.seed, trace: d.trace, traceSeed: d.traceSeed, index: d.index, originalLength: d.events.length, shrinkRuns: s?.runs, shrinkExhausted: s?.exhausted, shrinkError: d.shrinkError },
    signature: d.signature,
    divergence: { index: i, kernel: results[i], model: modelJSON(model), diff },
    events,
    results,
  };
}

/** A campaign's result as plain JSON: counts, divergences (with the files they were saved to), failures. */
export function campaignSummary(r: CampaignResult, files: readonly (string | undefined)[] = []): Record<string, unknown> {
  const totals = r.tally.totals();
  return {
    seed: r.seed, steps: r.steps, eventsPerTrace: r.eventsPerTrace, tracesPlanned: r.tracesPlanned, traces: r.traces,
    events: totals.events, kernel: r.kernel, stoppedBy: r.stoppedBy, elapsedMs: r.elapsedMs,
    totals,
    divergences: r.divergences.map((d, i) => ({
      signature: d.signature, cmd: d.label, trace: d.trace, traceSeed: d.traceSeed, index: d.index, duplicates: d.duplicates,
      shrunkTo: d.shrunk?.events.length, shrinkRuns: d.shrunk?.runs, shrinkError: d.shrinkError, file: files[i],
      event: (d.shrunk ? d.shrunk.events[d.shrunk.events.length - 1] : d.event),
    })),
    oracleFailures: r.oracleFailures.map((f) => ({ trace: f.trace, traceSeed: f.traceSeed, message: f.message })),
    byCmd: r.tally.toJSON(),
  };
}
