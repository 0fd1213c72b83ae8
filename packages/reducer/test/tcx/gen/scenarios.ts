#!/usr/bin/env -S npx tsx
// Writes the random tcx scenarios as oracle scenario files ({ name, events }), for
// packages/oracle/src/cli/record.ts to run on the live kernel. See ../README.md.
//   npx tsx packages/reducer/test/tcx/gen/scenarios.ts [--from 1] [--to 300] [--out DIR]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateScenario } from './generate.ts';

export const scenarioName = (seed: number): string => `tcx-random-${String(seed).padStart(4, '0')}`;

function main(argv: string[]): void {
  let from = 1, to = 300, out = '/tmp/bpfsim-tcx-random';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--from') from = Number(argv[++i]);
    else if (argv[i] === '--to') to = Number(argv[++i]);
    else if (argv[i] === '--out') out = argv[++i];
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  mkdirSync(out, { recursive: true });
  for (let seed = from; seed <= to; seed++) {
    const name = scenarioName(seed);
    writeFileSync(join(out, `${name}.json`), JSON.stringify({ name, events: generateScenario(seed) }) + '\n');
  }
  console.log(`wrote ${to - from + 1} scenarios to ${out}`);
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));
