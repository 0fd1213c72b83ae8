// Random straight-line programs (probes/randprog.ts: ALU/ALU64, JMP/JMP32, stack and packet
// memory, atomics) and random packets, through testRun() and through the kernel's
// BPF_PROG_TEST_RUN: retval and data_out must agree. The kernel's answers for RECORDED_SEEDS are
// fixtures (fixtures/datapath/differential.json), so machines without root still check them; as
// root the kernel is asked again, for those and for LIVE_SEEDS.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromHex } from '@bpfsim/events';
import type { Insn } from '@bpfsim/events';
import { testRun } from '../src/testrun.ts';
import { insnsHex, kernelUnavailable } from './kernel.ts';
import { LIVE_SEEDS, RECORDED_SEEDS, model, onKernel, programOf, sha1, type DiffCase } from './probes/differential.ts';
import { prog, snapshot } from './snapshots.ts';

const fixture = JSON.parse(readFileSync(new URL('../../../fixtures/datapath/differential.json', import.meta.url), 'utf8')) as { kernel: string; cases: DiffCase[] };
const divergences = JSON.parse(readFileSync(new URL('../../../fixtures/datapath/kernel-divergences.json', import.meta.url), 'utf8')) as {
  cases: { what: string; insns: string; data_in: string; kernel_result: { retval: number; data_out: string }; model_result: { retval: number; data_out: string } }[];
};

function check(c: DiffCase): void {
  expect('rejected' in c.kernel ? c.kernel : undefined, `seed ${c.seed}: the verifier accepts it`).toBeUndefined();
  const m = model(c.seed);
  expect(m, `seed ${c.seed}`).toEqual(c.kernel);
}

describe(`differential: random programs, model vs Linux ${fixture.kernel} (recorded)`, () => {
  it(`the generator still makes the recorded programs`, () => {
    expect(fixture.cases.map((c) => c.seed)).toEqual(RECORDED_SEEDS);
    for (const c of fixture.cases) expect(sha1(insnsHex(programOf(c.seed))), `seed ${c.seed}`).toBe(c.insns_sha1);
  });
  it(`${RECORDED_SEEDS.length} programs agree on retval and data_out`, () => fixture.cases.forEach(check));
});

const why = kernelUnavailable();
describe.skipIf(why !== undefined)(`differential: live kernel${why ? ` (skipped: ${why})` : ''}`, () => {
  it(`the kernel still answers the recorded programs as recorded`, () => {
    expect(onKernel(RECORDED_SEEDS).map((c) => ({ seed: c.seed, kernel: c.kernel }))).toEqual(fixture.cases.map((c) => ({ seed: c.seed, kernel: c.kernel })));
  });
  it(`${LIVE_SEEDS.length} more programs agree`, () => onKernel(LIVE_SEEDS).forEach(check));
});

// Programs on which Linux 6.18 departs from the instruction set's semantics (found by the
// random programs above; see each case's `what`). The model keeps the ISA's answer.
describe('known kernel divergences (fixtures/datapath/kernel-divergences.json)', () => {
  divergences.cases.forEach((d, i) => {
    it(`case ${i}: the model gives the ISA's answer, the kernel another`, () => {
      const b = fromHex(d.insns);
      const insns: Insn[] = [];
      for (let k = 0; k < b.length; k += 8) {
        insns.push({ code: b[k], dst_reg: b[k + 1] & 0xf, src_reg: b[k + 1] >> 4, off: ((b[k + 2] | (b[k + 3] << 8)) << 16) >> 16, imm: b[k + 4] | (b[k + 5] << 8) | (b[k + 6] << 16) | (b[k + 7] << 24) });
      }
      const r = testRun(snapshot([prog(1, insns)]), 1, { data_in: d.data_in, data_out: true, data_size_out: 4096 });
      expect({ retval: r.out!.retval, data_out: r.out!.data_out }).toEqual(d.model_result);
      expect(d.kernel_result).not.toEqual(d.model_result);
    });
  });
});
