import { describe, expect, it } from 'vitest';
import type { Insn } from '@bpfsim/events';
import { progTag, progDigest, tagInput } from '../../src/algo/tag.ts';
import { fixture } from './fixtures.ts';

const data = fixture<{ tags: { name: string; tag: string; insns: Insn[] }[] }>('tags.json');

describe('progTag against the live kernel (bpf_prog_info.tag of loaded SCHED_CLS programs)', () => {
  for (const t of data.tags) {
    it(t.name, () => {
      expect(progTag(t.insns)).toBe(t.tag);
    });
  }
  it('map fds do not change the tag, other imms do', () => {
    const byName = new Map(data.tags.map((t) => [t.name, t]));
    expect(byName.get('ld_imm64 map fd (first map)')!.tag).toBe(byName.get('ld_imm64 map fd (second map, other fd)')!.tag);
    expect(byName.get('ld_imm64 map value, offset 16')!.tag).toBe(byName.get('ld_imm64 map value, offset 0')!.tag);
  });
});

describe('tagInput', () => {
  it('zeroes both halves of a map-fd ld_imm64 and keeps the rest', () => {
    const insns: Insn[] = [
      { code: 0x18, dst_reg: 1, src_reg: 1, off: 0, imm: 5 },
      { code: 0, dst_reg: 0, src_reg: 0, off: 0, imm: 9 },
      { code: 0xb7, dst_reg: 0, src_reg: 0, off: -2, imm: -1 },
    ];
    expect(Array.from(tagInput(insns))).toEqual([
      0x18, 0x11, 0, 0, 0, 0, 0, 0,
      0, 0, 0, 0, 0, 0, 0, 0,
      0xb7, 0, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff,
    ]);
    expect(progDigest(insns).slice(0, 16)).toBe(progTag(insns));
  });
});
