// Records the live kernel's results for the differential check's random programs into
// fixtures/datapath/differential.json. Run as root: npx tsx packages/datapath/test/probes/record-differential.ts
import { writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { kernelUnavailable } from '../kernel.ts';
import { RECORDED_SEEDS, onKernel } from './differential.ts';

const why = kernelUnavailable();
if (why) { console.error(why); process.exit(1); }
const cases = onKernel(RECORDED_SEEDS);
writeFileSync(new URL('../../../../fixtures/datapath/differential.json', import.meta.url),
  JSON.stringify({ kernel: release(), recorded_by: 'packages/datapath/test/probes/record-differential.ts', generator: 'packages/datapath/test/probes/randprog.ts', cases }) + '\n');
console.log(`${cases.length} programs recorded`);
