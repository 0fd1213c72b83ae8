// The public eBPF conformance corpus (shared/reference/bpf_conformance, beside the repo): every
// tests/*.data program is assembled by src/asm and run; r0 must equal `-- result`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assemble, parseDataFile } from '../src/asm/index.ts';
import { runStandalone } from '../src/standalone.ts';

const ROOT = new URL('../../../../shared/reference/bpf_conformance/', import.meta.url);
const TESTS = new URL('tests/', ROOT);
const present = existsSync(TESTS);

/** Tests that cannot pass yet, with the reason. Empty: every test passes. */
export const KNOWN_FAILURES: Readonly<Record<string, string>> = {};

describe.skipIf(!present)('bpf_conformance tests/*.data', () => {
  const files = present ? readdirSync(TESTS).filter((f) => f.endsWith('.data')).sort() : [];
  it('finds the corpus', () => expect(files.length).toBeGreaterThan(300));
  for (const f of files) {
    const run = KNOWN_FAILURES[f] ? it.skip : it;
    run(f, () => {
      const d = parseDataFile(readFileSync(new URL(f, TESTS), 'utf8'));
      const insns = d.asm !== undefined ? assemble(d.asm) : d.raw!;
      if (d.raw && d.asm !== undefined) expect(insns).toEqual(d.raw);
      const r = runStandalone(insns, d.mem);
      expect(r.error).toBeUndefined();
      expect('0x' + r.r0.toString(16)).toBe('0x' + BigInt.asUintN(64, d.result!).toString(16));
    });
  }
});

if (!present) describe('bpf_conformance', () => it.skip(`corpus not found at ${ROOT.pathname} (shared/ is not beside the repo)`, () => {}));
