// One trace on both sides: the live kernel (through the oracle) and the model (ids as ranks), and
// where they part.
import { errnoName, type Event, type Result } from '@bpfsim/events';
import { compareResults, type KernelRun } from '@bpfsim/oracle';
import { RankedModel } from '../ranked.ts';

/** Runs a trace on the kernel: runOnKernel's signature, so tests can inject a fake one. */
export type KernelRunner = (events: readonly Event[]) => Promise<KernelRun>;

/** The model's answer to one event, or the error its fold threw. */
export type ModelAnswer = { readonly result: Result; readonly threw?: undefined } | { readonly result?: undefined; readonly threw: string };

export interface TraceComparison {
  readonly events: readonly Event[];
  /** uname -r of the kernel that answered. */
  readonly kernel: string;
  readonly kernelResults: readonly Result[];
  /** One per event up to and including the first fold that threw (none after it). */
  readonly model: readonly ModelAnswer[];
  /** compareResults' difference per event (undefined: agreed). Only for events the model answered. */
  readonly diffs: readonly (string | undefined)[];
  /** Index of the first event the two answer differently, if any. */
  readonly first?: number;
}

/** The model's answers to `events` (ids as ranks) from initialState(seed); stops at a fold that throws. */
export function modelAnswers(events: readonly Event[], seed = 0): ModelAnswer[] {
  const m = new RankedModel(seed);
  const out: ModelAnswer[] = [];
  for (const e of events) {
    try {
      out.push({ result: m.step(e).result });
    } catch (err) {
      out.push({ threw: (err as Error)?.message ?? String(err) });
      break;
    }
  }
  return out;
}

/** Compares recorded (or just run) kernel results with the model's answers. */
export function compareWith(events: readonly Event[], kernelResults: readonly Result[], kernel: string, seed = 0): TraceComparison {
  const model = modelAnswers(events, seed);
  const diffs: (string | undefined)[] = [];
  let first: number | undefined;
  for (let i = 0; i < model.length && i < kernelResults.length; i++) {
    const m = model[i];
    const d = m.threw !== undefined ? `the model threw: ${m.threw}` : compareResults(kernelResults[i], m.result);
    diffs.push(d);
    if (d !== undefined && first === undefined) first = i;
  }
  return { events, kernel, kernelResults, model, diffs, ...(first !== undefined ? { first } : {}) };
}

/** Runs `events` on the kernel and compares. Oracle failures (not answers) are thrown. */
export async function compareTrace(events: readonly Event[], runner: KernelRunner, seed = 0): Promise<TraceComparison> {
  const run = await runner(events);
  if (run.results.length !== events.length) throw new Error(`the kernel run answered ${run.results.length} of ${events.length} events`);
  return compareWith(events, run.results, run.kernel, seed);
}

/** bpf events by command, other events by kind. */
export const labelOf = (e: Event): string => (e.kind === 'bpf' ? e.cmd : e.kind);

/** 'ok' for a return value, the errno's name for -errno. */
export const outcomeOf = (r: Result): string => (r.ret >= 0 ? 'ok' : errnoName(r.ret));

/**
 * What kind of disagreement event `i` is: its command, and which parts differ (the return value by
 * both outcomes, out fields by path). Two divergences with one signature are taken to be one bug.
 */
export function signatureOf(c: TraceComparison, i: number): string {
  const label = labelOf(c.events[i]);
  const m = c.model[i];
  if (!m || m.threw !== undefined) return `${label}: the model throws`;
  const k = c.kernelResults[i];
  const parts: string[] = [];
  if (k.ret !== m.result.ret) parts.push(`ret ${outcomeOf(k)} (model ${outcomeOf(m.result)})`);
  const d = c.diffs[i] ?? '';
  const paths = [...new Set(d.split('\n').filter((l) => l.startsWith('out')).map((l) => l.slice(0, l.indexOf(':')).replace(/\[\d+\]/g, '[]')))].sort();
  parts.push(...paths);
  return `${label}: ${parts.join(', ')}`;
}

/**
 * `runner`, trying a trace again (up to `attempts` times in all) when the oracle fails to run it
 * rather than answering: the oracle has rare races (a helper's exit noticed before its answer).
 */
export function retrying(runner: KernelRunner, attempts = 3): KernelRunner {
  return async (events) => {
    let last: unknown;
    for (let i = 0; i < attempts; i++) {
      try { return await runner(events); } catch (e) { last = e; }
    }
    throw last;
  };
}
