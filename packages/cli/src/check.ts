// `bpfsim check TRACE`: replays a scenario or trace on the model and on the live kernel (through
// @bpfsim/oracle, in private namespaces) and prints how far they agree and the first divergence.
// Exit 0 when every event agrees, 1 at a divergence, 3 when the live kernel is unavailable (saying
// what is missing), 2 for a bad command line or file, 4 when the oracle fails to run the trace.
import type { Event } from '@bpfsim/events';
import { runOnKernel } from '@bpfsim/oracle';
import { compareTrace, compareWith, differentialUnavailable, retrying, signatureOf, type KernelRunner, type TraceComparison } from '@bpfsim/fuzz';
import { CliError } from './errors.ts';
import { loadCheckInput } from './oracle-input.ts';
import { formatDivergence } from './oracle-report.ts';
export { CHECK_USAGE } from './oracle-usage.ts';


/** What check needs from the outside world; tests replace it. */
export interface CheckDeps {
  readonly runner?: KernelRunner;
  /** undefined when a live run is possible, else why not. */
  readonly unavailable?: () => string | undefined;
  readonly stdout?: { write(s: string): unknown };
}

function parse(args: readonly string[]): { file: string; recorded: boolean; all: boolean; json: boolean; context: number } {
  let file: string | undefined;
  let recorded = false, all = false, json = false, context = 3;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--recorded') recorded = true;
    else if (a === '--all') all = true;
    else if (a === '--json') json = true;
    else if (a === '--context') {
      const v = args[++i];
      if (v === undefined || !/^\d+$/.test(v)) throw new CliError(`check: --context: expected a number of events, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`, 2);
      context = Number(v);
    } else if (a.startsWith('-') && a !== '-') throw new CliError(`check: unknown option ${a}`, 2);
    else if (file === undefined) file = a;
    else throw new CliError('check: expected one file (bpfsim check TRACE)', 2);
  }
  if (file === undefined) throw new CliError('check: expected one file (bpfsim check TRACE)', 2);
  return { file, recorded, all, json, context };
}

export async function checkCommand(args: readonly string[], deps: CheckDeps = {}): Promise<number> {
  const o = parse(args);
  const out = deps.stdout ?? process.stdout;
  const input = loadCheckInput(o.file);
  let cmp: TraceComparison;
  let against: string;
  if (o.recorded) {
    if (!input.recorded) {
      throw new CliError(`check: ${o.file} records no kernel results${input.format === 'trace' ? ' (a trace records the model\'s)' : ''}; run without --recorded to use the live kernel`, 2);
    }
    cmp = compareWith(input.events, input.recorded.results, input.recorded.kernel ?? 'unknown', input.seed);
    against = `the kernel results recorded in the file${input.recorded.kernel ? ` (Linux ${input.recorded.kernel})` : ''}`;
  } else {
    const why = (deps.unavailable ?? differentialUnavailable)();
    if (why !== undefined) {
      throw new CliError(`check: cannot run on the live kernel: ${why}${input.recorded ? ' (--recorded compares with the results recorded in the file)' : ''}`, 3);
    }
    try {
      cmp = await compareTrace(input.events, retrying(deps.runner ?? runOnKernel), input.seed);
    } catch (e) {
      throw new CliError(`check: the live kernel run failed: ${(e as Error).message}`, 4);
    }
    against = `the live kernel (Linux ${cmp.kernel})`;
  }
  const differing = cmp.diffs.map((d, i) => (d === undefined ? -1 : i)).filter((i) => i >= 0);
  const compared = cmp.diffs.length;
  const agreed = compared - differing.length;
  const notCompared = input.events.length - compared;

  if (o.json) {
    out.write(JSON.stringify({
      file: o.file, events: input.events.length, against: o.recorded ? 'recorded' : 'live', kernel: cmp.kernel, compared, agreed,
      first: cmp.first === undefined ? null : divergenceJSON(cmp, cmp.first),
      ...(o.all ? { divergences: differing.map((i) => divergenceJSON(cmp, i)) } : {}),
    }, null, 1) + '\n');
    return cmp.first === undefined ? 0 : 1;
  }

  const lines: string[] = [];
  lines.push(`check ${o.file}: ${input.events.length} event${input.events.length === 1 ? '' : 's'} on the model and on ${against}`);
  if (cmp.first === undefined) {
    lines.push(`agreement: all ${compared} events agree`);
  } else {
    const after = differing.length - 1;
    lines.push(`agreement: ${agreed} of ${compared} events agree; the first divergence is at event ${cmp.first} (${signatureOf(cmp, cmp.first)})`
      + (after ? `, ${after} more after it` : '')
      + (notCompared ? `; ${notCompared} events after the model threw were not compared` : ''));
    for (const i of o.all ? differing : [cmp.first]) {
      lines.push('', `${i === cmp.first ? 'first divergence' : 'divergence'}, event ${i}:`);
      lines.push(formatDivergence(cmp.events as Event[], i, cmp.kernelResults[i], cmp.model[i], cmp.diffs[i] ?? '', i === cmp.first ? o.context : 0));
    }
  }
  out.write(lines.join('\n') + '\n');
  return cmp.first === undefined ? 0 : 1;
}

function divergenceJSON(cmp: TraceComparison, i: number): Record<string, unknown> {
  const m = cmp.model[i];
  return {
    index: i, signature: signatureOf(cmp, i), event: cmp.events[i], kernel: cmp.kernelResults[i],
    model: m?.threw !== undefined ? { threw: m.threw } : m?.result, diff: cmp.diffs[i],
  };
}
