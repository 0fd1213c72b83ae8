// testRun() against the live kernel's answers to the same BPF_PROG_TEST_RUN calls
// (fixtures/datapath/testrun.json, recorded by probes/record-testrun.ts).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errno } from '@bpfsim/events';
import { assemble } from '../src/asm/index.ts';
import { testRun } from '../src/testrun.ts';
import { TESTRUN_CASES } from './probes/testrun-cases.ts';
import { arrayMap, prog, snapshot } from './snapshots.ts';

interface Recorded { name: string; ret: number; errno: number; retval: number; data_size_out: number; data_out: string; ctx_size_out: number; ctx_out: string; counter?: string }
const fixture = JSON.parse(readFileSync(new URL('../../../fixtures/datapath/testrun.json', import.meta.url), 'utf8')) as { kernel: string; cases: Recorded[] };

describe(`BPF_PROG_TEST_RUN as Linux ${fixture.kernel} answers it`, () => {
  for (const t of TESTRUN_CASES) {
    it(t.name, () => {
      const k = fixture.cases.find((c) => c.name === t.name)!;
      expect(k, 'recorded').toBeDefined();
      const s = snapshot([prog(1, assemble(t.asm), t.counter ? [10] : [])], t.counter ? [arrayMap(10, 8, 1)] : []);
      const r = testRun(s, 1, {
        data_in: t.data_in,
        ...(t.data_out !== 0 ? { data_out: true, data_size_out: Math.max(t.data_out, 0) } : {}),
        ...(t.ctx_in !== undefined ? { ctx_in: t.ctx_in } : {}),
        ...(t.ctx_out !== 0 ? { ctx_out: true, ctx_size_out: Math.max(t.ctx_out, 0) } : {}),
        repeat: t.repeat, flags: t.flags, cpu: t.cpu, batch_size: t.batch_size,
      });
      expect(r.error).toBeUndefined();
      expect(r.ret).toBe(k.ret < 0 ? -k.errno : k.ret);
      if (r.ret === 0 || r.ret === -errno.ENOSPC) {
        expect(r.out!.retval).toBe(k.retval);
        expect(r.out!.data_size_out).toBe(k.data_size_out);
        if (t.data_out !== 0) expect(r.out!.data_out).toBe(k.data_out);
        if (t.ctx_out !== 0) { expect(r.out!.ctx_out).toBe(k.ctx_out); expect(r.out!.ctx_size_out).toBe(k.ctx_size_out); }
      }
      if (t.counter) {
        const w = r.writeSet.find((op) => op.map_id === 10);
        expect(w && 'value' in w ? w.value : '0000000000000000').toBe(k.counter);
      }
    });
  }
});
