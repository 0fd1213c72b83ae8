// What `bpfsim check` reads: a scenario (JSON array, {"events": [...]}, JSON Lines) as `bpfsim run`
// reads it, a kernel fixture or a diffuzz divergence file (a scenario with the kernel's recorded
// `results`), or a binary bpfsim trace (packages/replay/src/trace/).
import { readFileSync } from 'node:fs';
import { validateEvent, type Event, type Result } from '@bpfsim/events';
import { parseScenario, ScenarioError } from '@bpfsim/replay';
import { MAGIC } from '@bpfsim/replay';
import { readTrace } from '@bpfsim/replay';
import { CliError } from './errors.ts';

export interface CheckInput {
  readonly events: readonly Event[];
  /** Seeds the model's initial state (a scenario's or trace's `seed`). */
  readonly seed: number;
  readonly name?: string;
  /** What kind of file it was. */
  readonly format: 'scenario' | 'trace';
  /** The kernel's answers recorded in the file (fixtures, divergence files), and which kernel gave them. */
  readonly recorded?: { readonly results: readonly Result[]; readonly kernel?: string };
}

const isTrace = (b: Uint8Array) => b.length >= MAGIC.length && MAGIC.every((m, i) => b[i] === m);

function validResult(r: unknown): r is Result {
  return !!r && typeof r === 'object' && typeof (r as Result).ret === 'number';
}

/** Reads `file` for check; every problem is a CliError (exit 2) that names the file. */
export function loadCheckInput(file: string, cmd = 'check'): CheckInput {
  let bytes: Buffer;
  try { bytes = readFileSync(file); } catch (e) { throw new CliError(`${cmd}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 2); }
  if (isTrace(bytes)) {
    const t = readTrace(bytes);
    if (t.error || !t.header) throw new CliError(`${cmd}: ${file}: ${t.error ?? 'unreadable trace header'}`, 2);
    if (t.header.state) throw new CliError(`${cmd}: ${file}: the trace starts from a saved state, and a live kernel can only start empty`, 2);
    if (t.stop) process.stderr.write(`bpfsim: ${cmd}: warning: ${file}: ${t.stop.reason}; checking the ${t.entries.length} intact events\n`);
    const events = t.entries.map((en, i) => {
      const v = validateEvent(en.event);
      if (!v.ok) throw new CliError(`${cmd}: ${file}: event ${i}: ${v.error.path ? `${v.error.path}: ` : ''}${v.error.message}`, 2);
      return v.event;
    });
    // A trace's results are the model's (bpfsim record folds), not a kernel's: nothing recorded to compare with.
    return { events, seed: t.header.seed, format: 'trace', ...(t.header.name !== undefined ? { name: t.header.name } : {}) };
  }
  const text = bytes.toString('utf8');
  let scenario;
  try { scenario = parseScenario(text, file); } catch (e) { if (e instanceof ScenarioError) throw new CliError(`${cmd}: ${e.message}`, 2); throw e; }
  let recorded: CheckInput['recorded'];
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      const doc = JSON.parse(trimmed) as { results?: unknown; kernel?: unknown };
      if (Array.isArray(doc.results)) {
        if (doc.results.length !== scenario.events.length || !doc.results.every(validResult)) {
          throw new CliError(`${cmd}: ${file}: "results" must hold one {ret, out?} per event (${scenario.events.length}), it has ${doc.results.length}`, 2);
        }
        recorded = { results: doc.results as Result[], ...(typeof doc.kernel === 'string' ? { kernel: doc.kernel } : {}) };
      }
    } catch (e) {
      if (e instanceof CliError) throw e;
      // JSON Lines: no recorded results
    }
  }
  return {
    events: scenario.events, seed: scenario.seed ?? 0, format: 'scenario',
    ...(scenario.name !== undefined ? { name: scenario.name } : {}), ...(recorded ? { recorded } : {}),
  };
}
