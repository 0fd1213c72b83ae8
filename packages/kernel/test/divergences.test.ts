// Every divergence differential fuzzing found (fixtures/diffuzz/divergences/) is fixed, or is a
// known gap listed here with its reason. A known gap that starts agreeing fails this test, so
// the list stays true.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { validateEvent, type Result } from '@bpfsim/events';
import { initialState } from '@bpfsim/reducer';
import { compareResults } from '@bpfsim/oracle';
import { kernelFold } from '../src/index.ts';

const root = new URL('../../../fixtures/diffuzz/divergences/', import.meta.url).pathname;
const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => {
  const p = join(dir, f);
  return statSync(p).isDirectory() ? files(p) : f.endsWith('.json') ? [p] : [];
});

const KNOWN_GAPS: Record<string, string> = {
  'BPF_PROG_LOAD-ret-ENOSPC-model-ok.json': 'the verifier log of a program that loads is not modelled, so neither is its -ENOSPC when the log does not fit',
  'exploratory/BPF_PROG_LOAD-ret-EACCES-model-ok.json': 'a stack access out of bounds: only the full verifier sees it',
  'exploratory/BPF_PROG_LOAD-ret-EINVAL-model-ok.json': 'an infinite loop: only the full verifier sees it',
  'exploratory/BPF_PROG_LOAD-prog-array-helper-args-ret-EINVAL-model-ok.json': 'bpf_tail_call with a hash map, bpf_map_lookup_elem on a prog array: only the full verifier checks helper arguments',
};
/** Divergences that are now refused by validation, because the model does not cover what they use. */
const REFUSED: Record<string, RegExp> = {
  'exploratory/BPF_MAP_CREATE-the-model-throws.json': /is a map type bpfsim does not model yet/,
};

describe('divergences found by diffuzz', () => {
  for (const file of files(root)) {
    const name = relative(root, file);
    it(name, () => {
      const fx = JSON.parse(readFileSync(file, 'utf8')) as { events: unknown[]; results: Result[] };
      const diffs: string[] = [];
      let state = initialState(0);
      for (const [i, raw] of fx.events.entries()) {
        const v = validateEvent(raw);
        if (!v.ok) {
          expect(REFUSED[name], `event ${i}: ${v.error.message}`).toBeDefined();
          expect(v.error.message).toMatch(REFUSED[name]);
          return;
        }
        const r = kernelFold(state, v.event);
        state = r.state;
        const d = compareResults(fx.results[i], r.result);
        if (d) diffs.push(`event ${i}: ${d}`);
      }
      if (KNOWN_GAPS[name]) expect(diffs.length, `${name} agrees now: take it off KNOWN_GAPS`).toBeGreaterThan(0);
      else expect(diffs).toEqual([]);
    });
  }
});
