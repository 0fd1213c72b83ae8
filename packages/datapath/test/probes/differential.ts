// The differential check's shared parts: which random programs, and how to run a batch of them
// through the live kernel (BPF_PROG_TEST_RUN) and through testRun().
import { createHash } from 'node:crypto';
import { testRun } from '../../src/testrun.ts';
import { insnsHex, kernel, parseRun } from '../kernel.ts';
import { prog, snapshot } from '../snapshots.ts';
import { randomPacket, randomProgram } from './randprog.ts';

/** Seeds recorded in fixtures/datapath/differential.json. */
export const RECORDED_SEEDS = Array.from({ length: 300 }, (_, i) => i + 1);
/** Seeds only run live (root): more programs, checked against the kernel each time. */
export const LIVE_SEEDS = Array.from({ length: 300 }, (_, i) => 10001 + i);

export interface Outcome { readonly retval: number; readonly data_out: string }
export interface DiffCase { readonly seed: number; readonly insns_sha1: string; readonly kernel: Outcome | { readonly rejected: string } }

export const programOf = (seed: number) => randomProgram(seed);
export const packetOf = (seed: number) => randomPacket(seed);
export const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

export function model(seed: number): Outcome {
  const r = testRun(snapshot([prog(1, programOf(seed))]), 1, { data_in: packetOf(seed), data_out: true, data_size_out: 4096 });
  if (r.error || !r.out) return { retval: -1, data_out: `error: ${r.error?.message ?? r.ret}` };
  return { retval: r.out.retval, data_out: r.out.data_out ?? '' };
}

/** Loads and runs every seed's program on the live kernel (one helper process). */
export function onKernel(seeds: readonly number[]): DiffCase[] {
  const load = seeds.map((s) => `PROG 3 ${insnsHex(programOf(s))}`);
  const loaded = kernel(load);
  const runs: string[] = [];
  loaded.forEach((l, i) => { if (l.startsWith('ok')) runs.push(`RUN ${l.split(' ')[1]} 1 ${packetOf(seeds[i])} - 4096 0`); });
  const res = kernel([...load, ...runs]).slice(load.length);
  let k = 0;
  return seeds.map((seed, i) => {
    const insns_sha1 = sha1(insnsHex(programOf(seed)));
    if (!loaded[i].startsWith('ok')) return { seed, insns_sha1, kernel: { rejected: loaded[i] } };
    const r = parseRun(res[k++]);
    return { seed, insns_sha1, kernel: { retval: r.retval, data_out: r.data_out } };
  });
}
