// Events folded per second on a mixed workload (map ops, loads, closes), beside the live kernel's
// rate for the same syscalls (bench/native/fold_kernel.c, root only), as a ratio.
// Run: npx tsx bench/fold.ts [cycles]
import { execFileSync } from 'node:child_process';
import { mkdirSync, existsSync, statSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { fold, foldMany, initialState } from '@bpfsim/reducer';
import { cycle, EVENTS_PER_CYCLE } from './workload.ts';

const cycles = Number(process.argv[2] ?? 300);
const events = Array.from({ length: cycles }, (_, c) => cycle(c)).flat();

function foldRate(): number {
  let state = initialState(1);
  const t0 = process.hrtime.bigint();
  for (const e of events) {
    const r = fold(state, e);
    state = r.state;
  }
  const ns = Number(process.hrtime.bigint() - t0);
  return events.length / (ns / 1e9);
}

/** The same events through foldMany, 256 per call (replay folds this way between two hash records). */
function foldManyRate(): number {
  let state = initialState(1);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < events.length; i += 256) state = foldMany(state, events.slice(i, i + 256)).state;
  return events.length / (Number(process.hrtime.bigint() - t0) / 1e9);
}

function kernelRate(): number | string {
  if (process.getuid?.() !== 0) return 'skipped: not root';
  const dir = new URL('./native/build/', import.meta.url).pathname;
  const src = new URL('./native/fold_kernel.c', import.meta.url).pathname;
  const bin = dir + 'fold_kernel';
  try {
    mkdirSync(dir, { recursive: true });
    if (!existsSync(bin) || statSync(bin).mtimeMs < statSync(src).mtimeMs) execFileSync('cc', ['-O2', '-o', bin, src]);
    return Number(execFileSync('unshare', ['-n', bin, String(cycles)], { encoding: 'utf8' }).trim());
  } catch (e) {
    return `skipped: ${(e as Error).message.split('\n')[0]}`;
  }
}

foldRate(); // warm up the JIT
const model = Math.max(foldRate(), foldRate());
foldManyRate();
const many = Math.max(foldManyRate(), foldManyRate());
const kernel = kernelRate();
console.log(`machine: ${cpus()[0]?.model ?? 'unknown'} x${cpus().length}, Linux ${release()}, Node ${process.version}`);
console.log(`workload: ${cycles} cycles x ${EVENTS_PER_CYCLE} events (hash map create, prog load, 50 updates, 40 lookups, 5 deletes, get_next_key, prog info, 2 closes)`);
console.log(`fold:   ${Math.round(model).toLocaleString('en')} events/s (one fold per event: every intermediate state kept)`);
console.log(`foldMany: ${Math.round(many).toLocaleString('en')} events/s (256 events per draft: every result, the state after each 256)`);
if (typeof kernel === 'number') {
  console.log(`kernel: ${Math.round(kernel).toLocaleString('en')} events/s (bpf(2) from C, in a private netns)`);
  console.log(`ratio fold/kernel: ${(model / kernel).toFixed(2)}x; foldMany/kernel: ${(many / kernel).toFixed(2)}x`);
} else console.log(`kernel: ${kernel}`);
