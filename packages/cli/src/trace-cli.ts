// Shared by the trace commands (record, replay, show, diff, blame, bisect, debug): option parsing,
// opening a trace with errors for people, positions.
import { Trace, TraceError, type TraceStop } from '@bpfsim/replay';
import { parsePath, PathError, type Seg } from '@bpfsim/replay';
import { CliError } from './errors.ts';

export interface ParsedArgs {
  readonly positional: string[];
  readonly flags: Map<string, string | true>;
}

/**
 * Splits argv into positionals and options. `valued` options take the next argument (or
 * `--opt=value`); `bool` options take none. Anything else starting with `-` is an error (exit 2).
 */
export function parseArgs(cmd: string, args: readonly string[], valued: readonly string[], bool: readonly string[] = []): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') { positional.push(...args.slice(i + 1)); break; }
    if (a.startsWith('-') && a !== '-' && !/^-\d+$/.test(a)) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(0, eq) : a;
      if (valued.includes(name)) {
        const v = eq > 0 ? a.slice(eq + 1) : args[++i];
        if (v === undefined) throw new CliError(`${cmd}: ${name} needs a value`, 2);
        flags.set(name, v);
      } else if (bool.includes(name) && eq < 0) flags.set(name, true);
      else throw new CliError(`${cmd}: unknown option ${name}`, 2);
    } else positional.push(a);
  }
  return { positional, flags };
}

export function flag(p: ParsedArgs, ...names: string[]): string | undefined {
  for (const n of names) { const v = p.flags.get(n); if (typeof v === 'string') return v; }
  return undefined;
}

export function intOption(cmd: string, name: string, v: string | undefined, dflt: number, min = 0): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) < min) throw new CliError(`${cmd}: ${name}: expected an integer >= ${min}, got ${JSON.stringify(v)}`, 2);
  return Number(v);
}

/** Opens a trace file; unreadable files and headers become CliErrors with exit code 2. */
export function openTrace(path: string): Trace {
  try { return Trace.load(path); } catch (e) {
    if (e instanceof TraceError) throw new CliError(e.message, 2);
    throw e;
  }
}

export function describeStop(stop: TraceStop): string {
  return stop.damaged
    ? `the trace is damaged at byte ${stop.offset} (record ${stop.record}, after ${stop.event} events): ${stop.reason}`
    : `the trace is incomplete: ${stop.reason}; it has ${stop.event} events`;
}

/** Warns on stderr when only part of the trace can be used. */
export function warnStop(trace: Trace): void {
  if (trace.stop) process.stderr.write(`bpfsim: warning: ${describeStop(trace.stop)}; using its intact ${trace.length} events\n`);
}

/** A position 0..length: an integer, or `end`. */
export function parsePosition(cmd: string, what: string, v: string, length: number): number {
  if (v === 'end') return length;
  if (!/^\d+$/.test(v)) throw new CliError(`${cmd}: ${what}: expected a position (0..${length}, or end), got ${JSON.stringify(v)}`, 2);
  const n = Number(v);
  if (n > length) throw new CliError(`${cmd}: ${what}: position ${n} is past the end of the trace (it has ${length} events)`, 2);
  return n;
}

/** An event index 0..length-1. */
export function parseEventIndex(cmd: string, v: string, length: number): number {
  if (!/^\d+$/.test(v)) throw new CliError(`${cmd}: expected an event number (0..${length - 1}), got ${JSON.stringify(v)}`, 2);
  const n = Number(v);
  if (n >= length) throw new CliError(`${cmd}: event ${n} is past the end of the trace (events 0..${length - 1})`, 2);
  return n;
}

export function parseStatePath(cmd: string, v: string): Seg[] {
  try { return parsePath(v); } catch (e) {
    if (e instanceof PathError) throw new CliError(`${cmd}: ${e.message}`, 2);
    throw e;
  }
}
