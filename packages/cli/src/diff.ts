// `bpfsim diff TRACE A B`: what changed in the state between positions A and B;
// `bpfsim diff TRACE N`: what event N changed.
import { formatCall, formatResult } from '@bpfsim/replay';
import { Session } from '@bpfsim/replay';
import { formatDiffLine } from '@bpfsim/replay';
import { CliError } from './errors.ts';
import { flag, openTrace, parseArgs, parseEventIndex, parsePosition, parseStatePath, warnStop } from './trace-cli.ts';

export function diffCommand(args: string[]): number {
  const p = parseArgs('diff', args, ['--path']);
  const [file, a, b, ...extra] = p.positional;
  if (!file || a === undefined || extra.length) throw new CliError('diff: expected a trace and two positions (bpfsim diff TRACE A B), or one event (bpfsim diff TRACE N)', 2);
  const trace = openTrace(file);
  warnStop(trace);
  const path = parseStatePath('diff', flag(p, '--path') ?? '');
  const session = new Session(trace);
  const out = (s: string) => process.stdout.write(s + '\n');
  let lines;
  if (b === undefined) {
    const i = parseEventIndex('diff', a, trace.length);
    out(`event ${i}: ${formatCall(trace.event(i))} ${formatResult(trace.result(i))}`);
    lines = session.diff(i, i + 1, path);
  } else {
    const from = parsePosition('diff', 'A', a, trace.length), to = parsePosition('diff', 'B', b, trace.length);
    out(`state after ${from} events → after ${to} events:`);
    lines = session.diff(from, to, path);
  }
  if (lines.length === 0) out('  (no differences)');
  for (const l of lines) out(`  ${formatDiffLine(l)}`);
  return 0;
}
