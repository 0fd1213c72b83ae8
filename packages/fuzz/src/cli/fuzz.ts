// `bpfsim fuzz`: model-based fuzzing of a spec module (by default the example manager's buggy
// build). Prints a progress bar on a terminal (runs/s, events/s, the (cmd, errno) pairs reached),
// then the coverage table and the verdict; on a failure, the shrunk counterexample, saved as a
// trace that `bpfsim replay` and `bpfsim debug` open, and exit 1.
import { fileURLToPath } from 'node:url';
import { Coverage } from '../model/coverage.ts';
import { fuzzWith } from '../model/fuzz.ts';
import { formatCounterexample, formatSummary, saveCounterexample } from '../model/report.ts';
import type { FuzzReport } from '../model/types.ts';
import type { ProgressSink } from '../diff/progress.ts';
import { loadSpec, SpecError } from '../workers/load.ts';
import { fuzzInWorkers } from '../workers/pool.ts';

/** A command-line mistake (exit 2) or an unusable target. */
export class FuzzCliError extends Error {
  constructor(message: string, readonly code = 2) { super(message); }
}

/** The example manager's buggy build: what `bpfsim fuzz` fuzzes without --target. */
export const DEFAULT_TARGET = fileURLToPath(new URL('../../../../examples/manager/buggy.ts', import.meta.url));

export interface FuzzCliOptions {
  target: string;
  exportName?: string;
  seed: number;
  seedGiven: boolean;
  runs: number;
  budgetMs?: number;
  workers: number;
  out?: string;
  maxSteps?: number;
  shrinkBudget?: number;
  json: boolean;
  quiet: boolean;
  progress: 'auto' | 'always' | 'never';
}

/** Where output goes: a stream, or a test's collector. */
export type Sink = ProgressSink;

export interface FuzzCliDeps {
  readonly stdout?: Sink;
  readonly stderr?: Sink;
  /** The seed when none is given (default: from the clock). */
  readonly randomSeed?: () => number;
}

export function parseFuzzArgs(args: readonly string[], randomSeed: () => number = () => Date.now() % 0x80000000): FuzzCliOptions {
  const o: FuzzCliOptions = { target: DEFAULT_TARGET, seed: NaN, seedGiven: false, runs: NaN, workers: 1, json: false, quiet: false, progress: 'auto' };
  const int = (name: string, v: string | undefined, min: number): number => {
    if (v === undefined || !/^\d+$/.test(v) || Number(v) < min || !Number.isSafeInteger(Number(v))) {
      throw new FuzzCliError(`fuzz: ${name}: expected an integer >= ${min}, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
    }
    return Number(v);
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const value = () => (a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : args[++i]);
    switch (name) {
      case '--seed': o.seed = int(name, value(), 0); o.seedGiven = true; break;
      case '--runs': o.runs = int(name, value(), 1); break;
      case '--workers': case '-j': o.workers = int(name, value(), 1); break;
      case '--time-budget': {
        const v = value();
        if (v === undefined || !/^\d+(\.\d+)?$/.test(v)) throw new FuzzCliError(`fuzz: --time-budget: expected seconds, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
        o.budgetMs = Number(v) * 1000;
        break;
      }
      case '--target': { const v = value(); if (!v) throw new FuzzCliError('fuzz: --target needs a module'); o.target = v; break; }
      case '--export': { const v = value(); if (!v) throw new FuzzCliError('fuzz: --export needs a name'); o.exportName = v; break; }
      case '--out': case '-o': { const v = value(); if (!v) throw new FuzzCliError('fuzz: --out needs a file'); o.out = v; break; }
      case '--max-steps': o.maxSteps = int(name, value(), 1); break;
      case '--shrink-budget': o.shrinkBudget = int(name, value(), 0); break;
      case '--progress': {
        const v = value();
        if (v !== 'auto' && v !== 'always' && v !== 'never') throw new FuzzCliError(`fuzz: --progress: expected auto, always or never, got ${JSON.stringify(v ?? '')}`);
        o.progress = v;
        break;
      }
      case '--json': o.json = true; break;
      case '--quiet': case '-q': o.quiet = true; break;
      default: throw new FuzzCliError(`fuzz: ${a.startsWith('-') ? `unknown option ${a}` : `unexpected argument ${JSON.stringify(a)}`} (bpfsim help lists the options)`);
    }
  }
  if (Number.isNaN(o.seed)) o.seed = randomSeed();
  if (Number.isNaN(o.runs)) o.runs = o.budgetMs !== undefined ? Infinity : 1000;
  return o;
}

interface Progress { runs: number; events: number; pairs: number; elapsedMs: number; shrinking?: { run: number; tries: number } }

/** A bar redrawn in place on a terminal; a line every 10 s otherwise (or nothing with --progress never). */
function progressBar(out: Sink, o: FuzzCliOptions): { update(p: Progress): void; done(): void } {
  const tty = o.progress === 'always' || (o.progress === 'auto' && !!out.isTTY);
  let last = tty ? 0 : Date.now(), drawn = false;
  return {
    update(p) {
      const now = Date.now();
      if (o.progress === 'never' || now - last < (tty ? 100 : 10_000)) return;
      last = now;
      const secs = p.elapsedMs / 1000;
      const frac = Number.isFinite(o.runs) ? Math.min(1, p.runs / o.runs) : o.budgetMs ? Math.min(1, p.elapsedMs / o.budgetMs) : 0;
      const width = 20;
      const rate = (n: number) => Math.round(n / Math.max(secs, 1e-3)).toLocaleString('en');
      const tail = p.shrinking ? `shrinking run ${p.shrinking.run}: ${p.shrinking.tries} candidates` : `${p.pairs} (cmd, errno) pairs`;
      const line = `[${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] ${p.runs}${Number.isFinite(o.runs) ? `/${o.runs}` : ''} runs  ${rate(p.runs)} runs/s  ${rate(p.events)} events/s  ${tail}  ${secs.toFixed(1)}s`;
      if (tty) { out.write(`\r${line.slice(0, (out.columns ?? 120) - 1)}\x1b[K`); drawn = true; } else out.write(line + '\n');
    },
    done() { if (drawn) out.write('\r\x1b[K'); },
  };
}

export async function runFuzz(o: FuzzCliOptions, onProgress?: (p: Progress) => void): Promise<FuzzReport> {
  if (o.workers > 1) {
    return fuzzInWorkers({
      target: o.target, seed: o.seed, runs: o.runs, workers: o.workers,
      ...(o.exportName ? { exportName: o.exportName } : {}), ...(o.budgetMs !== undefined ? { timeBudgetMs: o.budgetMs } : {}),
      ...(o.shrinkBudget !== undefined ? { shrinkBudget: o.shrinkBudget } : {}), ...(o.maxSteps !== undefined ? { maxSteps: o.maxSteps } : {}),
      ...(onProgress ? { onProgress } : {}),
    });
  }
  const loaded = await loadSpec(o.target, o.exportName);
  const spec = o.maxSteps !== undefined ? { ...loaded, maxSteps: o.maxSteps } : loaded;
  const live = new Coverage();
  const t0 = Date.now();
  let runs = 0, events = 0, tries = 0;
  return fuzzWith(spec, {
    seed: o.seed, runs: o.runs,
    ...(o.budgetMs !== undefined ? { timeBudgetMs: o.budgetMs } : {}), ...(o.shrinkBudget !== undefined ? { shrinkBudget: o.shrinkBudget } : {}),
    onRun(r) {
      if (r.shrinking) tries++;
      else { runs++; events += r.events; if (r.coverage) live.merge(r.coverage); }
      onProgress?.({ runs, events, pairs: live.pairs, elapsedMs: Date.now() - t0, ...(r.shrinking ? { shrinking: { run: r.run, tries } } : {}) });
    },
  });
}

/** The report as JSON (the counterexample's steps, violation and events; the trace's path). */
export function reportJSON(r: FuzzReport, trace?: string): unknown {
  const f = r.failure;
  return {
    name: r.name, ok: r.ok, seed: r.seed, runs: r.runs, runsRequested: Number.isFinite(r.runsRequested) ? r.runsRequested : null, events: r.events,
    shrinkEvents: r.shrinkEvents, elapsedMs: r.elapsedMs, stoppedBy: r.stoppedBy, coverage: r.coverage.toJSON(),
    ...(f ? {
      failure: {
        run: f.run, violation: f.violation, steps: f.steps, foundSteps: f.found.length, foundEvents: f.foundEvents, shrinkRuns: f.shrinkRuns,
        shrinkExhausted: f.shrinkExhausted, events: f.outcome.entries.length, setupEvents: f.outcome.setupEvents, ...(trace ? { trace } : {}),
      },
    } : {}),
  };
}

/** Exit codes: 0 every invariant held, 1 a counterexample (saved), 2 a bad command line or target. */
export async function fuzzCommand(args: readonly string[], deps: FuzzCliDeps = {}): Promise<number> {
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  const o = parseFuzzArgs(args, deps.randomSeed);
  const bar = progressBar(stderr, o);
  let report: FuzzReport;
  try {
    report = await runFuzz(o, (p) => bar.update(p));
  } catch (e) {
    bar.done();
    if (e instanceof SpecError) throw new FuzzCliError(`fuzz: ${e.message}`);
    throw e;
  }
  bar.done();
  const trace = report.failure ? saveCounterexample(report, o.out ?? `fuzz-${report.seed}.trace`) : undefined;
  if (o.json) {
    stdout.write(JSON.stringify(reportJSON(report, trace), null, 1) + '\n');
    return report.ok ? 0 : 1;
  }
  const lines: string[] = [];
  if (!o.quiet) lines.push(report.coverage.table(), '');
  lines.push(formatSummary(report));
  if (!o.seedGiven) lines.push(`(seed ${report.seed} was drawn at random: --seed ${report.seed} runs this again)`);
  if (report.failure) lines.push('', formatCounterexample(report, { ...(trace ? { tracePath: trace } : {}) }));
  stdout.write(lines.join('\n') + '\n');
  return report.ok ? 0 : 1;
}
