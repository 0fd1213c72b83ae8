// `bpfsim show TRACE --at N`: the state after N events, as bpftool prints it.
import { showState } from '@bpfsim/replay';
import { formatCall, formatResult } from '@bpfsim/replay';
import { Session } from '@bpfsim/replay';
import { CliError } from './errors.ts';
import { flag, openTrace, parseArgs, parsePosition, warnStop } from './trace-cli.ts';

export function showCommand(args: string[]): number {
  const p = parseArgs('show', args, ['--at'], ['--json']);
  if (p.positional.length !== 1) throw new CliError('show: expected one trace file (bpfsim show TRACE --at N)', 2);
  const trace = openTrace(p.positional[0]);
  warnStop(trace);
  const at = parsePosition('show', '--at', flag(p, '--at') ?? 'end', trace.length);
  const state = new Session(trace).seek(at);
  if (p.flags.has('--json')) { process.stdout.write(JSON.stringify(state, null, 1) + '\n'); return 0; }
  const next = at < trace.length ? `; next: event ${at}: ${formatCall(trace.event(at))} ${formatResult(trace.result(at))}` : ' (the end)';
  process.stdout.write(`# state after ${at} of ${trace.length} events${next}\n\n${showState(state)}`);
  return 0;
}
