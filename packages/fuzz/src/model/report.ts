// What a fuzzing run prints and saves: the counterexample as a bpfsim trace (`bpfsim replay` and
// `bpfsim debug` open it), and as text: its steps, each event under the step that made it, and the
// event where the invariant failed.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatEntry, traceFromEntries } from '@bpfsim/replay';
import type { Counterexample, FuzzReport, Step, Violation } from './types.ts';

/** "invariant "x" fails after event 12" and where `bpfsim debug` shows it. */
export function describeViolation(v: Violation): string {
  const what = v.kind === 'exception' ? v.messages[0] : `${v.kind === 'kernel' ? 'kernel invariant' : 'invariant'} "${v.invariant.replace(/^kernel:/, '')}" fails`;
  return v.event < 0 ? `${what} before any event` : `${what} at event ${v.event}`;
}

/** The counterexample as a trace file's bytes (its header names the violation and the event). */
export function counterexampleTrace(report: Pick<FuzzReport, 'name' | 'seed'> & { failure: Counterexample }): Uint8Array {
  const cx = report.failure;
  const v = cx.violation;
  const name = `fuzz ${report.name} --seed ${report.seed}: ${describeViolation(v)}; goto ${v.event + 1} shows the state after it`;
  return traceFromEntries(cx.outcome.entries, { seed: cx.outcome.seed, name }).bytes;
}

/** Writes the counterexample's trace to `path` (creating directories). */
export function saveCounterexample(report: FuzzReport, path: string): string {
  if (!report.failure) throw new Error('saveCounterexample: the report has no failure');
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, counterexampleTrace({ name: report.name, seed: report.seed, failure: report.failure }));
  return path;
}

const json = (v: unknown): string => {
  if (v === undefined) return '';
  const s = JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? String(x) : x));
  return s === undefined ? '' : s.replace(/"([a-zA-Z_$][\w$]*)":/g, '$1: ').replace(/,(?=[a-zA-Z_"{[\d-])/g, ', ');
};

export function formatStep(s: Step): string {
  if (s.kind === 'adversary') return `${s.adversary}.${s.action}${s.args === undefined ? '' : ` ${json(s.args)}`}`;
  const ints = s.interrupts.map((it) => `${it.adversary}.${it.action}${it.args === undefined ? '' : ` ${json(it.args)}`} before its syscall #${it.at}`);
  return `${s.name}${s.args === undefined ? '' : ` ${json(s.args)}`}${ints.length ? `, interrupted by ${ints.join('; ')}` : ''}`;
}

/** The counterexample: its steps, and every event under the step (or adversary) that made it. */
export function formatCounterexample(report: FuzzReport, opts: { tracePath?: string; maxEvents?: number } = {}): string {
  const cx = report.failure;
  if (!cx) return `${report.name}: no counterexample`;
  const v = cx.violation, o = cx.outcome;
  const lines: string[] = [];
  lines.push(`${describeViolation(v)}${v.step >= 0 ? ` (step ${v.step + 1})` : ''}:`);
  for (const m of v.messages.slice(0, 8)) lines.push(`  ${m}`);
  if (v.messages.length > 8) lines.push(`  … and ${v.messages.length - 8} more`);
  lines.push('');
  const foundSteps = cx.found.length;
  lines.push(`counterexample: ${cx.steps.length} step${cx.steps.length === 1 ? '' : 's'}, ${o.entries.length} events (${o.setupEvents} of setup); `
    + `shrunk from ${foundSteps} steps and ${cx.foundEvents} events in ${cx.shrinkRuns} runs${cx.shrinkExhausted ? ' (shrink budget spent: may not be minimal)' : ''}`);
  cx.steps.forEach((s, i) => lines.push(`  ${String(i + 1).padStart(2)}. ${s.kind === 'op' ? '' : 'adversary '}${formatStep(s)}`));
  lines.push('');
  const max = opts.maxEvents ?? 200;
  let label = '';
  let step = -1;
  o.entries.forEach((e, i) => {
    if (i >= max) return;
    while (step + 1 < o.stepStarts.length - 1 && o.stepStarts[step + 1] <= i) step++;
    const l = o.labels[i] ?? '';
    const st = step >= 0 ? cx.steps[step] : undefined;
    const interrupting = st?.kind === 'op' && !l.startsWith('op ') && !l.startsWith('restart') ? ` (interrupting ${st.name})` : '';
    const head = l === 'setup' ? 'setup' : `${step >= 0 ? `step ${step + 1}: ` : ''}${l}${interrupting}`;
    if (head !== label) { lines.push(`-- ${head}`); label = head; }
    lines.push(`${formatEntry(i, e.event, e.result)}${i === v.event ? `   <-- ${v.kind === 'exception' ? 'threw' : `"${v.invariant.replace(/^kernel:/, '')}" fails`}` : ''}`);
  });
  if (o.entries.length > max) lines.push(`… ${o.entries.length - max} more events`);
  if (opts.tracePath) {
    lines.push('');
    lines.push(`trace saved to ${opts.tracePath}`);
    lines.push(`  bpfsim replay ${opts.tracePath} --timeline`);
    lines.push(`  bpfsim debug ${opts.tracePath}    then: goto ${v.event + 1}  (the state after event ${v.event}), changes ${v.event}`);
  }
  return lines.join('\n');
}

/** A one-paragraph summary: runs, events, rate, coverage, and the verdict. */
export function formatSummary(report: FuzzReport): string {
  const secs = report.elapsedMs / 1000;
  const rate = (report.events + report.shrinkEvents) / Math.max(secs, 1e-3);
  const how = report.stoppedBy === 'time' ? ' (stopped by the time budget)' : report.stoppedBy === 'failure' ? ' (stopped at the first failure)' : report.stoppedBy === 'aborted' ? ' (interrupted)' : '';
  const lines = [
    `${report.name} --seed ${report.seed}: ${report.runs}${Number.isFinite(report.runsRequested) ? ` of ${report.runsRequested}` : ''} runs, ${report.events} events`
      + `${report.shrinkEvents ? ` (+${report.shrinkEvents} shrinking)` : ''} in ${secs.toFixed(1)}s, ${Math.round(rate).toLocaleString('en')} events/s${how}`,
    `coverage: ${report.coverage.pairs} (command, outcome) pairs`,
  ];
  lines.push(report.failure ? `FAILED in run ${report.failure.run}: ${describeViolation(report.failure.violation)}` : `passed: every invariant held after every event`);
  return lines.join('\n');
}
