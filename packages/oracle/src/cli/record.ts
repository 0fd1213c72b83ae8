#!/usr/bin/env -S npx tsx
// Records kernel fixtures: runs every scenario in the given directories on the live kernel
// (each in fresh namespaces) and writes fixtures/kernel/<name>.json.
//   npx tsx packages/oracle/src/cli/record.ts fixtures/scenarios/foundation [--out DIR] [--only a,b]
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { liveKernelUnavailable } from '../preflight.ts';
import { loadScenarios, recordScenario, writeFixture } from '../record.ts';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const USAGE = 'usage: record.ts SCENARIO_DIR... [--out DIR] [--only NAME,NAME]';

function parse(argv: string[]): { dirs: string[]; out: string; only?: Set<string> } {
  const dirs: string[] = [];
  let out = join(REPO, 'fixtures', 'kernel');
  let only: Set<string> | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out' && argv[i + 1]) out = argv[++i];
    else if (a === '--only' && argv[i + 1]) only = new Set(argv[++i].split(','));
    else if (a === '-h' || a === '--help') { console.log(USAGE); process.exit(0); }
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}\n${USAGE}`);
    else dirs.push(a);
  }
  if (!dirs.length) throw new Error(USAGE);
  return { dirs, out, only };
}

async function main(): Promise<number> {
  const { dirs, out, only } = parse(process.argv.slice(2));
  const why = liveKernelUnavailable();
  if (why) throw new Error(`cannot record on this machine: ${why}`);
  const scenarios = dirs.flatMap((d) => loadScenarios(d)).filter((s) => !only || only.has(s.name));
  if (only) for (const n of only) if (!scenarios.some((s) => s.name === n)) throw new Error(`no scenario named ${n}`);
  let failed = 0;
  for (const s of scenarios) {
    try {
      const path = writeFixture(out, await recordScenario(s));
      console.log(`recorded ${s.name} (${s.events.length} events) -> ${relative(process.cwd(), path)}`);
    } catch (e) {
      failed++;
      console.error(`FAILED ${s.name}: ${(e as Error).message}`);
    }
  }
  console.log(`${scenarios.length - failed} of ${scenarios.length} scenarios recorded`);
  return failed ? 1 : 0;
}

main().then((code) => process.exit(code), (e: Error) => { console.error(e.message); process.exit(2); });
