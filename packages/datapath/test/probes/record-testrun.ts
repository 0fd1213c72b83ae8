// Records the live kernel's answers to TESTRUN_CASES into fixtures/datapath/testrun.json.
// Run as root: npx tsx packages/datapath/test/probes/record-testrun.ts
import { writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { assemble } from '../../src/asm/index.ts';
import { insnsHex, kernel, kernelUnavailable, parseRun } from '../kernel.ts';
import { TESTRUN_CASES } from './testrun-cases.ts';

const why = kernelUnavailable();
if (why) { console.error(why); process.exit(1); }
const out = TESTRUN_CASES.map((t) => {
  const script = [
    ...(t.counter ? ['MAP 2 4 8 1 0'] : []),
    `PROG 3 ${insnsHex(assemble(t.asm))}`,
    `RUN 0 ${t.repeat} ${t.data_in} ${t.ctx_in ?? '-'} ${t.data_out} ${t.ctx_out} ${t.flags ?? 0} ${t.cpu ?? 0} ${t.batch_size ?? 0}`,
    ...(t.counter ? ['LOOKUP 0 00000000'] : []),
  ];
  const ans = kernel(script).slice(t.counter ? 1 : 0);
  if (!ans[0].startsWith('ok')) return { name: t.name, load: ans[0] };
  const r = parseRun(ans[1]);
  const { duration: _d, ...rest } = r;
  return { name: t.name, ...rest, ...(t.counter ? { counter: ans[2].split(' ')[1] } : {}) };
});
const file = new URL('../../../../fixtures/datapath/testrun.json', import.meta.url);
writeFileSync(file, JSON.stringify({ kernel: release(), recorded_by: 'packages/datapath/test/probes/record-testrun.ts', cases: out }, null, 1) + '\n');
console.log(`${out.length} cases recorded`);
