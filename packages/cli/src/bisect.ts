// `bpfsim bisect TRACE --invariant NAME`: the first event after which an invariant fails.
import { formatCall, formatResult } from '@bpfsim/replay';
import { Session } from '@bpfsim/replay';
import { formatDiffLine } from '@bpfsim/replay';
import { invariant, invariantNames } from '@bpfsim/replay';
import { CliError } from './errors.ts';
import { flag, openTrace, parseArgs, warnStop } from './trace-cli.ts';

/** Exit codes: 0 the invariant holds; 1 it fails (the first failing event is printed); 2 usage. */
export function bisectCommand(args: string[]): number {
  const p = parseArgs('bisect', args, ['--invariant'], ['--linear']);
  if (p.positional.length !== 1) throw new CliError('bisect: expected one trace file (bpfsim bisect TRACE --invariant NAME)', 2);
  const name = flag(p, '--invariant');
  const names = invariantNames().join(', ');
  if (!name) throw new CliError(`bisect: expected --invariant NAME (one of ${names})`, 2);
  const inv = invariant(name);
  if (!inv) throw new CliError(`bisect: unknown invariant ${JSON.stringify(name)} (known: ${names})`, 2);
  const trace = openTrace(p.positional[0]);
  warnStop(trace);
  const session = new Session(trace);
  const linear = p.flags.has('--linear');
  const holds = (s: Parameters<typeof inv.check>[0]) => inv.check(s).length === 0;
  const pos = linear ? session.firstFailure(holds) : session.bisect(holds);
  const out = (s: string) => process.stdout.write(s + '\n');
  if (pos === undefined) {
    out(linear
      ? `invariant ${name} holds after every one of the ${trace.length} events`
      : `invariant ${name} holds at the end of the trace (${trace.length} events); bisect assumes that once broken it stays broken: --linear checks every position`);
    return 0;
  }
  const violations = inv.check(session.stateAt(pos));
  if (pos === 0) out(`invariant ${name} fails in the initial state:`);
  else {
    const e = pos - 1;
    out(`invariant ${name} first fails after event ${e}: ${formatCall(trace.event(e))} ${formatResult(trace.result(e))}`);
  }
  for (const v of violations) out(`  ${v}`);
  if (pos > 0) {
    out(`what event ${pos - 1} changed:`);
    const lines = session.changesOf(pos - 1);
    if (lines.length === 0) out('  (nothing)');
    for (const l of lines) out(`  ${formatDiffLine(l)}`);
  }
  return 1;
}
