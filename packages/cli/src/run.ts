// `bpfsim run FILE`: fold a scenario and show every result and the final state.
import { readFileSync } from 'node:fs';
import { initialState } from '@bpfsim/reducer';
import { kernelFold as fold } from '@bpfsim/kernel';
import { parseScenario, ScenarioError } from '@bpfsim/replay';
import { formatEntry } from '@bpfsim/replay';
import { showState } from '@bpfsim/replay';
import { CliError } from './errors.ts';

export function runCommand(args: string[]): number {
  const quiet = args.includes('--quiet'), json = args.includes('--json');
  const files = args.filter((a) => !a.startsWith('--'));
  const unknown = args.filter((a) => a.startsWith('--') && a !== '--quiet' && a !== '--json');
  if (unknown.length) throw new CliError(`run: unknown option ${unknown[0]}`, 2);
  if (files.length !== 1) throw new CliError('run: expected one scenario file (bpfsim run FILE)', 2);
  let text: string;
  try { text = readFileSync(files[0], 'utf8'); } catch (e) { throw new CliError(`cannot read ${files[0]}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 2); }
  let scenario;
  try { scenario = parseScenario(text, files[0]); } catch (e) { if (e instanceof ScenarioError) throw new CliError(e.message, 2); throw e; }

  let state = initialState(scenario.seed ?? 0);
  const results = [];
  for (let i = 0; i < scenario.events.length; i++) {
    const { state: next, result } = fold(state, scenario.events[i]);
    state = next;
    results.push(result);
    if (!quiet && !json) process.stdout.write(formatEntry(i, scenario.events[i], result) + '\n');
  }
  if (json) process.stdout.write(JSON.stringify({ results, state }, null, 1) + '\n');
  else process.stdout.write(`\n${showState(state)}\n`);
  return 0;
}
