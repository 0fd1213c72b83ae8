// vetted() remembers the instruction check's verdict and the tag by the program's content: what it
// answers, first time or remembered, must be what insnCheck and progTag answer; and its key must
// tell apart any two programs that differ (in type or in any field of any instruction).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BPF_PROG_TYPE_NAMES, type Insn } from '@bpfsim/events';
import { insnCheck } from '../../src/algo/insncheck.ts';
import { HELPERS_BY_PROG_TYPE } from '../../src/algo/helpers.ts';
import { progTag } from '../../src/algo/tag.ts';
import { vetted, vettedKey } from '../../src/prog/vetted.ts';

// Few distinct values a field, so that programs repeat (remembered answers) and differ by little.
const insn: fc.Arbitrary<Insn> = fc.record({
  code: fc.constantFrom(0x07, 0xb7, 0xbf, 0x95, 0x05, 0x15, 0x61, 0x85, 0x34, 0xdc, 0x00, 0xff),
  dst_reg: fc.constantFrom(0, 1, 10, 11, 15),
  src_reg: fc.constantFrom(0, 1, 2, 15),
  off: fc.constantFrom(0, 1, -1, 0x7fff, -0x8000),
  imm: fc.constantFrom(0, 1, -1, 16, 0x7fffffff, -0x80000000, 0x10000),
});
const insns = fc.array(insn, { minLength: 1, maxLength: 5 }).filter((xs) => xs.every((x) => x.code !== 0x18));
const progType = fc.constantFrom(1, 3, 6, 9, 26, 31);

describe('vetted: the check and the tag of a program without ld_imm64, remembered', () => {
  it('answers as insnCheck and progTag do, first time and remembered', () => {
    fc.assert(fc.property(fc.array(fc.tuple(progType, insns), { minLength: 1, maxLength: 20 }), (progs) => {
      for (const [t, xs] of [...progs, ...progs]) {
        const want = insnCheck(xs, { helpers: HELPERS_BY_PROG_TYPE[BPF_PROG_TYPE_NAMES[t]], mapFds: [], otherFds: [] });
        const v = vetted(t, xs);
        expect(v.checked).toEqual(want);
        if (want.ok) expect(v.tag).toBe(progTag(xs));
      }
    }), { numRuns: 300 });
  });

  it('keys two programs alike only when they are alike', () => {
    fc.assert(fc.property(progType, insns, progType, insns, (t1, a, t2, b) => {
      expect(vettedKey(t1, a) === vettedKey(t2, b)).toBe(t1 === t2 && JSON.stringify(a) === JSON.stringify(b));
    }), { numRuns: 2000 });
  });

  it('remembers nothing for a field outside its type', () => {
    const ok: Insn = { code: 0xb7, dst_reg: 0, src_reg: 0, off: 0, imm: 0 };
    for (const bad of [{ code: 256 }, { dst_reg: 16 }, { src_reg: -1 }, { off: 0x8000 }, { imm: 2 ** 31 }, { imm: 1.5 }]) {
      expect(vettedKey(3, [{ ...ok, ...bad }])).toBeUndefined();
    }
    expect(vettedKey(3, [ok])).toBeDefined();
  });
});
