// `bpfsim diffuzz`: differential fuzzing. Random stateful traces (@bpfsim/fuzz) run on the model and
// on the live kernel side by side, many events per kernel run; a divergence is shrunk to a minimal
// trace and saved as a scenario file that `bpfsim check` and `bpfsim run` open. Prints progress (a
// bar on a terminal) and a per-syscall summary. Exit 0 without divergence, 1 with one, 3 without a
// live kernel, 2 for a bad command line, 4 when the oracle failed on some trace.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { runOnKernel } from '@bpfsim/oracle';
import {
  campaignSummary, differentialUnavailable, divergenceFile, finalView, progressPrinter, runCampaign, type KernelRunner, type ProgressSink,
} from '@bpfsim/fuzz';
import { CliError } from './errors.ts';
import { formatDivergence } from './oracle-report.ts';
import { DIFFUZZ_USAGE } from './oracle-usage.ts';


export interface DiffuzzDeps {
  readonly runner?: KernelRunner;
  readonly unavailable?: () => string | undefined;
  readonly stdout?: { write(s: string): unknown };
  readonly stderr?: ProgressSink;
}

interface Opts {
  seed: number; steps: number; per: number; budget?: number; out?: string; keepGoing: boolean; shrink: boolean;
  jobs: number; summary?: string; defects: boolean;
}

function parse(args: readonly string[]): Opts {
  const o: Opts = { seed: NaN, steps: NaN, per: 100, keepGoing: false, shrink: true, jobs: 1, defects: false };
  const int = (name: string, v: string | undefined, min: number): number => {
    if (v === undefined || !/^\d+$/.test(v) || Number(v) < min || !Number.isSafeInteger(Number(v))) {
      throw new CliError(`diffuzz: ${name}: expected an integer >= ${min}, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`, 2);
    }
    return Number(v);
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const value = () => (a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : args[++i]);
    switch (name) {
      case '--seed': o.seed = int(name, value(), 0); break;
      case '--steps': o.steps = int(name, value(), 1); break;
      case '--events-per-trace': o.per = int(name, value(), 1); break;
      case '--time-budget': {
        const v = value();
        if (v === undefined || !/^\d+(\.\d+)?$/.test(v)) throw new CliError(`diffuzz: --time-budget: expected seconds, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`, 2);
        o.budget = Number(v) * 1000;
        break;
      }
      case '--out': { const v = value(); if (!v) throw new CliError('diffuzz: --out needs a file', 2); o.out = v; break; }
      case '--summary': { const v = value(); if (!v) throw new CliError('diffuzz: --summary needs a file', 2); o.summary = v; break; }
      case '--jobs': o.jobs = int(name, value(), 1); break;
      case '--keep-going': o.keepGoing = true; break;
      case '--no-shrink': o.shrink = false; break;
      case '--verifier-defects': o.defects = true; break;
      default: throw new CliError(`diffuzz: ${a.startsWith('-') ? `unknown option ${a}` : `unexpected argument ${JSON.stringify(a)}`}\n${DIFFUZZ_USAGE}`, 2);
    }
  }
  if (Number.isNaN(o.seed)) throw new CliError('diffuzz: --seed S is required (the same seed reproduces the same run)', 2);
  if (Number.isNaN(o.steps)) throw new CliError('diffuzz: --steps N is required (how many events to generate)', 2);
  return o;
}

/** FILE for the first divergence, FILE-2.json (same extension) for the second, ... */
export function divergencePath(out: string, n: number): string {
  if (n === 0) return out;
  const ext = extname(out);
  return `${ext ? out.slice(0, -ext.length) : out}-${n + 1}${ext || '.json'}`;
}

export async function diffuzzCommand(args: readonly string[], deps: DiffuzzDeps = {}): Promise<number> {
  const o = parse(args);
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  const why = (deps.unavailable ?? differentialUnavailable)();
  if (why !== undefined) throw new CliError(`diffuzz: cannot run on the live kernel: ${why}`, 3);

  const progress = progressPrinter(stderr);
  const result = await runCampaign({
    seed: o.seed, steps: o.steps, eventsPerTrace: o.per, runner: deps.runner ?? runOnKernel, keepGoing: o.keepGoing, shrink: o.shrink,
    concurrency: o.jobs, onProgress: progress.update,
    ...(o.budget !== undefined ? { timeBudgetMs: o.budget } : {}),
    trace: { ...(o.defects ? { verifierDefects: 2 } : {}) },
  });
  progress.done();

  const out = o.out ?? `diffuzz-${o.seed}.json`;
  const files = result.divergences.map((d, n) => {
    const path = divergencePath(out, n);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(divergenceFile(d, { seed: o.seed, kernel: result.kernel }), null, 1) + '\n');
    return path;
  });

  const t = result.tally.totals();
  const lines: string[] = [];
  const how = result.stoppedBy === 'time' ? ' (stopped by the time budget)' : result.stoppedBy === 'divergence' ? ' (stopped at the first divergence)' : '';
  lines.push(`diffuzz --seed ${o.seed}: ${t.events} of ${o.steps} events in ${result.traces} trace${result.traces === 1 ? '' : 's'} on the model and on Linux ${result.kernel ?? '?'}, ${(result.elapsedMs / 1000).toFixed(1)}s${how}`);
  lines.push('', result.tally.table(), '');
  if (!result.divergences.length) lines.push(`no divergence: ${t.agreed} of ${t.events} events agree`);
  result.divergences.forEach((d, n) => {
    const s = d.shrunk;
    const v = finalView(d), events = v.events, i = v.index;
    lines.push(`divergence ${n + 1} of ${result.divergences.length}: ${d.signature}${d.duplicates ? ` (seen ${d.duplicates + 1} times)` : ''}`);
    lines.push(`  found in trace ${d.trace} (seed ${d.traceSeed}) at event ${d.index}; ${s ? `shrunk from ${d.events.length} to ${events.length} event${events.length === 1 ? '' : 's'} in ${s.runs} kernel runs${s.exhausted ? ' (budget spent: may not be minimal)' : ''}` : d.shrinkError ? `not shrunk: ${d.shrinkError}` : 'not shrunk'}`);
    lines.push(formatDivergence(events, i, v.kernel, v.model, v.diff ?? '', i));
    lines.push(`  saved to ${files[n]} (bpfsim check ${files[n]}; bpfsim run ${files[n]})`, '');
  });
  for (const f of result.oracleFailures) lines.push(`the oracle failed on trace ${f.trace} (seed ${f.traceSeed}): ${f.message}`);
  stdout.write(lines.join('\n').trimEnd() + '\n');

  if (o.summary) {
    mkdirSync(dirname(o.summary), { recursive: true });
    writeFileSync(o.summary, JSON.stringify(campaignSummary(result, files), null, 1) + '\n');
  }
  return result.divergences.length ? 1 : result.oracleFailures.length ? 4 : 0;
}
