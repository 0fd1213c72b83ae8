// `bpfsim record SCENARIO -o TRACE`: fold a scenario through the Kernel facade, recording a trace.
import { readFileSync } from 'node:fs';
import { Kernel } from '@bpfsim/kernel';
import { parseScenario, ScenarioError } from '@bpfsim/replay';
import { recordKernel } from '@bpfsim/replay';
import { DEFAULT_HASH_EVERY } from '@bpfsim/replay';
import type { FsyncPolicy } from '@bpfsim/replay';
import { CliError } from './errors.ts';
import { flag, intOption, parseArgs } from './trace-cli.ts';

export function recordCommand(args: string[]): number {
  const p = parseArgs('record', args, ['-o', '--output', '--hash-every', '--snapshot-every', '--fsync', '--seed']);
  if (p.positional.length !== 1) throw new CliError('record: expected one scenario file (bpfsim record SCENARIO -o TRACE)', 2);
  const out = flag(p, '-o', '--output');
  if (!out) throw new CliError('record: expected -o TRACE, the trace file to write', 2);
  const hashEvery = intOption('record', '--hash-every', flag(p, '--hash-every'), DEFAULT_HASH_EVERY);
  const snapOpt = flag(p, '--snapshot-every');
  if (snapOpt !== undefined && snapOpt !== 'auto' && !/^\d+$/.test(snapOpt)) throw new CliError(`record: --snapshot-every: expected an integer >= 0 or auto, got ${JSON.stringify(snapOpt)}`, 2);
  const snapshotEvery = snapOpt === undefined || snapOpt === 'auto' ? 'auto' as const : Number(snapOpt);
  const fsync = (flag(p, '--fsync') ?? 'hash') as FsyncPolicy;
  if (!['never', 'hash', 'always'].includes(fsync)) throw new CliError(`record: --fsync: expected never, hash or always, got ${JSON.stringify(fsync)}`, 2);
  const file = p.positional[0];
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch (e) { throw new CliError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 2); }
  let scenario;
  try { scenario = parseScenario(text, file); } catch (e) { if (e instanceof ScenarioError) throw new CliError(e.message, 2); throw e; }
  const seedOpt = flag(p, '--seed');
  const seed = seedOpt !== undefined ? intOption('record', '--seed', seedOpt, 0) : scenario.seed ?? 0;

  const kernel = new Kernel({ seed });
  let recorder;
  try {
    recorder = recordKernel(kernel, out, { hashEvery, snapshotEvery, fsync, ...(scenario.name !== undefined ? { name: scenario.name } : {}) });
  } catch (e) { throw new CliError(`cannot write ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 2); }
  for (const e of scenario.events) kernel.apply(e);
  recorder.stop();
  const hashes = hashEvery ? Math.floor(scenario.events.length / hashEvery) : 0;
  process.stdout.write(`recorded ${scenario.events.length} events to ${out} (${recorder.writer.bytes} bytes, ${hashes} state hash${hashes === 1 ? '' : 'es'} and an end record)\n`);
  return 0;
}
