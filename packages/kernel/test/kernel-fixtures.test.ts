// The model against the live kernel's recorded answers: every scenario under fixtures/kernel/ is
// folded from a fresh state (with the datapath, for BPF_PROG_TEST_RUN) and each result must equal
// the kernel's (fixtures/kernel/README.md).
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { assertEvent, formatRet, type Result } from '@bpfsim/events';
import { initialState } from '@bpfsim/reducer';
import { kernelFold as fold } from '../src/index.ts';
import { compareResults } from '@bpfsim/oracle';

const root = new URL('../../../fixtures/kernel/', import.meta.url).pathname;

function fixtureFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? fixtureFiles(p) : f.endsWith('.json') ? [p] : [];
  });
}

const files = fixtureFiles(root);

describe('the model answers as the live kernel did', () => {
  it('has fixtures to check', () => expect(files.length).toBeGreaterThan(10));

  for (const file of files) {
    it(relative(root, file), () => {
      const fx = JSON.parse(readFileSync(file, 'utf8')) as { events: unknown[]; results: Result[] };
      let state = initialState(0);
      const diffs: string[] = [];
      fx.events.forEach((raw, i) => {
        const e = assertEvent(raw, i);
        const r = fold(state, e);
        state = r.state;
        const d = compareResults(fx.results[i], r.result);
        if (d) diffs.push(`event ${i} ${JSON.stringify(e)}\n  kernel ${formatRet(fx.results[i].ret)}, model ${formatRet(r.result.ret)}\n  ${d}`);
      });
      expect(diffs.join('\n')).toBe('');
    });
  }
});
