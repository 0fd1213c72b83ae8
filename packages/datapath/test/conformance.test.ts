// The public eBPF conformance corpus (shared/reference/bpf_conformance, beside the repo): every
// tests/*.data program is assembled by src/asm and run; r0 must equal `-- result`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AsmError, assemble, parseDataFile } from '../src/asm/index.ts';
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

// negative/*.data: what an assembler or a runtime must refuse. The assembler refuses the malformed
// assembly; the rest are not the assembler's to refuse, for the reason given.
const NEGATIVE = new URL('negative/', ROOT);
const NOT_THE_ASSEMBLER: readonly [RegExp, string][] = [
  [/^unused-/, 'reserved fields set in raw instructions: the reducer\'s load-time check (reducer/src/algo/insncheck.ts) refuses them, as the verifier does; the datapath runs loaded programs'],
  [/^error\.data$/, 'or of r10 into r0, a pointer leak: the verifier\'s to refuse'],
  [/^empty/, 'no program at all: BPF_PROG_LOAD refuses an empty one (the reducer)'],
  [/^invalid_unknown_directive\.data$/, 'an empty -- asm section: the same'],
  [/^incorrect_return_value_high_bits\.data$/, 'a wrong expected result: checked below'],
];
describe.skipIf(!existsSync(NEGATIVE))('bpf_conformance negative/*.data', () => {
  const files = existsSync(NEGATIVE) ? readdirSync(NEGATIVE).filter((f) => f.endsWith('.data')).sort() : [];
  const assemblerCases = files.filter((f) => !NOT_THE_ASSEMBLER.some(([re]) => re.test(f)));
  it('finds the corpus; every file is the assembler\'s to refuse or listed with a reason', () => {
    expect(files.length).toBe(60);
    expect(assemblerCases.length).toBe(10);
  });
  for (const f of assemblerCases) {
    it(`${f}: the assembler refuses it`, () => {
      const d = parseDataFile(readFileSync(new URL(f, NEGATIVE), 'utf8'));
      expect(() => assemble(d.asm!)).toThrow(AsmError);
    });
  }
  it('incorrect_return_value_high_bits.data: r0 differs from its (wrong) expected result', () => {
    const d = parseDataFile(readFileSync(new URL('incorrect_return_value_high_bits.data', NEGATIVE), 'utf8'));
    const r = runStandalone(assemble(d.asm!), d.mem);
    expect(r.r0).toBe(0x8877665544332211n);
    expect(r.r0).not.toBe(BigInt.asUintN(64, d.result!));
  });
});

describe('the assembler', () => {
  it('refuses a mnemonic named like a member of Object.prototype (it once assembled as an ALU or jump op)', () => {
    for (const mn of ['constructor', 'constructor32', 'valueof']) expect(() => assemble(`${mn} %r0, 1\nexit`), mn).toThrow(/Invalid mnemonic/);
    expect(() => assemble('lock constructor [%r1+0], %r2\nexit')).toThrow(/invalid atomic op/);
  });
});
