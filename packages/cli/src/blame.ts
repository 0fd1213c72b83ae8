// `bpfsim blame TRACE PATH [--at N]`: the event that last changed a piece of state.
import { formatCall, formatResult } from '@bpfsim/replay';
import { Session } from '@bpfsim/replay';
import { ABSENT, diffLines, formatDiffLine, formatPath, formatValue, getPath, resolvePath } from '@bpfsim/replay';
import { CliError } from './errors.ts';
import { flag, openTrace, parseArgs, parsePosition, parseStatePath, warnStop } from './trace-cli.ts';

export function blameCommand(args: string[]): number {
  const p = parseArgs('blame', args, ['--at']);
  if (p.positional.length !== 2) throw new CliError('blame: expected a trace and a state path (bpfsim blame TRACE PATH, e.g. netdevs.3.tcx_ingress.items)', 2);
  const trace = openTrace(p.positional[0]);
  warnStop(trace);
  const at = parsePosition('blame', '--at', flag(p, '--at') ?? 'end', trace.length);
  const session = new Session(trace);
  const path = parseStatePath('blame', p.positional[1]);
  for (const line of blame(session, path, at)) process.stdout.write(line + '\n');
  return 0;
}

/** The lines blame prints (also the debugger's `blame`). */
export function blame(session: Session, rawPath: readonly (string | number)[], at: number): string[] {
  const state = session.stateAt(at);
  const path = resolvePath(state, rawPath);
  const shown = formatPath(path);
  const v = getPath(state, path);
  const lines = [`${shown} = ${v === ABSENT ? '(absent)' : formatValue(v, 400)}   (after ${at} events)`];
  const e = session.blame(path, at);
  if (e === undefined) {
    lines.push(v === ABSENT ? 'no event before it ever set it' : 'unchanged since the initial state');
    return lines;
  }
  lines.push(`last changed by event ${e}: ${formatCall(session.event(e))} ${formatResult(session.result(e))}`);
  const before = getPath(session.stateAt(e), path), after = getPath(session.stateAt(e + 1), path);
  for (const d of diffLines(before, after, path)) lines.push(`  ${formatDiffLine(d)}`);
  return lines;
}
