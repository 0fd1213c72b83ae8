// `bpfsim replay TRACE`: fold a trace from the start, checking every result and state hash.
import { formatCall, formatResult } from '@bpfsim/replay';
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { ReplayPool, replayTrace, type Divergence } from '@bpfsim/replay';
import { formatDiffLine } from '@bpfsim/replay';
import { printTimelineEntry } from './timeline.ts';
import { CliError } from './errors.ts';
import { describeStop, intOption, openTrace, parseArgs } from './trace-cli.ts';

/**
 * Worker threads are started (before the trace is read) for a trace file this large: about 500,000
 * events at ~64 bytes an event. A worker takes about a second to start here (tsx compiles the
 * packages again in it), in which this thread replays ~350,000 events alone: on shorter traces a
 * worker would join too late to help.
 */
const PARALLEL_BYTES = 32 * 2 ** 20;

/** Exit codes: 0 everything agrees; 1 a divergence; 2 unusable input; 3 all intact events agree but the trace is damaged or unclosed. */
export function replayCommand(args: string[]): number {
  const p = parseArgs('replay', args, ['--progress', '--workers'], ['--quiet', '-q', '--timeline']);
  if (p.positional.length !== 1) throw new CliError('replay: expected one trace file (bpfsim replay TRACE)', 2);
  const quiet = p.flags.has('--quiet') || p.flags.has('-q');
  const timeline = p.flags.has('--timeline');
  const w = p.flags.get('--workers');
  const workers = w === undefined ? Math.min(availableParallelism() - 1, 7) : intOption('replay', '--workers', w as string, 0);
  let size = 0;
  try { size = statSync(p.positional[0]).size; } catch { /* openTrace says why */ }
  const pool = workers > 0 && !timeline && (w !== undefined || size >= PARALLEL_BYTES) ? new ReplayPool({ workers }) : undefined;
  try {
    const trace = openTrace(p.positional[0]);
    const bar = progressBar(trace.length, timeline ? 'never' : p.flags.get('--progress'));
    const report = replayTrace(trace, { onProgress: bar.update, progressEvery: 1000, ...(timeline ? { onEvent: printTimelineEntry } : {}), ...(pool ? { pool } : {}) });
    bar.done();
    return summarize(report, quiet);
  } finally {
    void pool?.close();
  }
}

function summarize(report: ReturnType<typeof replayTrace>, quiet: boolean): number {
  const out = (s: string) => process.stdout.write(s + '\n');
  if (report.divergence) {
    printDivergence(report.divergence, out);
    return 1;
  }
  if (!quiet) {
    const parts = [`${report.hashesChecked} state hash${report.hashesChecked === 1 ? '' : 'es'}`];
    if (report.snapshotsChecked) parts.push(`${report.snapshotsChecked} snapshot${report.snapshotsChecked === 1 ? '' : 's'}`);
    if (report.endChecked) parts.push('the end record');
    out(`replayed ${report.events} events: every result agrees, and so ${parts.length > 1 || report.endChecked ? 'do' : 'does'} ${joinAnd(parts)}`);
    out(`final state hash ${report.finalHash}`);
  }
  if (report.stop) {
    process.stderr.write(`bpfsim: warning: ${describeStop(report.stop)}; only the intact events were replayed\n`);
    return 3;
  }
  return 0;
}

function joinAnd(xs: string[]): string {
  return xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}

export function printDivergence(d: Divergence, out: (s: string) => void, maxLines = 40): void {
  const where = d.kind === 'result' || d.kind === 'invalid' ? `event ${d.position}` : `position ${d.position} (after ${d.position} events)`;
  out(`divergence at ${where}: ${d.message}`);
  if (d.event) out(`  event:    ${formatCall(d.event)}`);
  if (d.recorded) out(`  recorded: ${formatResult(d.recorded)}`);
  if (d.actual) out(`  actual:   ${formatResult(d.actual)}`);
  if (d.recordedHash) out(`  recorded state hash: ${d.recordedHash}`);
  if (d.actualHash) out(`  actual state hash:   ${d.actualHash}`);
  const title = d.kind === 'result' ? 'what the event changed in the replay'
    : d.kind === 'snapshot' ? 'the recorded state → the replayed state'
    : d.kind === 'hash' || d.kind === 'end' ? `what changed in the replay since the state last agreed (after ${d.since} events)` : '';
  if (title) {
    out(`  ${title}:`);
    if (d.diff.length === 0) out('    (nothing)');
    for (const l of d.diff.slice(0, maxLines)) out(`    ${formatDiffLine(l)}`);
    if (d.diff.length > maxLines) out(`    … and ${d.diff.length - maxLines} more`);
  }
}

/** A progress bar on stderr when it is a terminal and the trace is long (or --progress always / never). */
function progressBar(total: number, mode: string | true | undefined): { update: (done: number, total: number) => void; done: () => void } {
  const on = mode === 'always' || (mode !== 'never' && process.stderr.isTTY && total >= 20_000);
  if (!on) return { update: () => {}, done: () => {} };
  const t0 = Date.now();
  let last = 0;
  const draw = (done: number) => {
    const width = 30, frac = total ? done / total : 1;
    const filled = Math.round(frac * width);
    const rate = done / Math.max((Date.now() - t0) / 1000, 1e-3);
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}%  ${done}/${total} events  ${Math.round(rate).toLocaleString('en')} events/s `);
  };
  return {
    update(done) { const now = Date.now(); if (now - last >= 100 || done === total) { last = now; draw(done); } },
    done() { process.stderr.write('\r\x1b[K'); },
  };
}
