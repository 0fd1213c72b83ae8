// The compile cache shares a compilation between programs whose code is the same (the same
// instructions, map references in the same pattern, the same map ids) whatever their ids and the
// fds they named their maps by, and never between programs whose code differs.
import { describe, expect, it } from 'vitest';
import type { Insn } from '@bpfsim/events';
import { compiledProgram } from '../src/programs.ts';
import { TC_HELPERS } from '../src/helpers/tc.ts';
import { arrayMap, prog, snapshot } from './snapshots.ts';
import { runBatch } from '../src/index.ts';

const I = (code: number, dst_reg = 0, src_reg = 0, off = 0, imm = 0): Insn => ({ code, dst_reg, src_reg, off, imm });
/** r{dst} = map at fd (or fd_array index with src 5), then its second half. */
const ldMap = (dst: number, fd: number, src = 1): Insn[] => [I(0x18, dst, src, 0, fd), I(0)];
const EXIT = [I(0xb7, 0, 0, 0, -1), I(0x95)];
const fn = (id: number, insns: Insn[], maps: number[]) => compiledProgram(prog(id, insns, maps), TC_HELPERS);

describe('compile cache', () => {
  it('shares one compilation between loads of one program at other ids and fds', () => {
    const a = fn(101, [...ldMap(1, 3), ...ldMap(2, 4), ...ldMap(3, 3), ...EXIT], [7, 8]);
    expect(fn(102, [...ldMap(1, 5), ...ldMap(2, 9), ...ldMap(3, 5), ...EXIT], [7, 8])).toBe(a);
  });
  it('compiles apart what differs: the reference pattern, the maps, an fd against an fd_array index, a second half, any field', () => {
    const base = [...ldMap(1, 3), ...ldMap(2, 4), ...ldMap(3, 3), ...EXIT];
    const a = fn(201, base, [7, 8]);
    const variants: [Insn[], number[]][] = [
      [[...ldMap(1, 3), ...ldMap(2, 4), ...ldMap(3, 4), ...EXIT], [7, 8]], // third names the second map
      [base, [8, 7]],
      [[...ldMap(1, 3, 5), ...ldMap(2, 4), ...ldMap(3, 3, 5), ...EXIT], [7, 8]],
      [[I(0x18, 1, 1, 0, 3), I(0, 0, 0, 0, 16), ...ldMap(2, 4), ...ldMap(3, 3), ...EXIT], [7, 8]],
      [[...ldMap(1, 3), ...ldMap(2, 4), ...ldMap(3, 3), I(0xb7, 0, 0, 0, 0), I(0x95)], [7, 8]],
    ];
    const fns = variants.map(([insns, maps], i) => fn(210 + i, insns, maps));
    for (const f of fns) expect(f).not.toBe(a);
    expect(new Set(fns).size).toBe(fns.length);
  });
  it('a constant ld_imm64 keeps its upper half in the code (only map references are renumbered)', () => {
    const a = fn(301, [I(0x18, 0, 0, 0, 1), I(0, 0, 0, 0, 3), I(0x95)], []);
    const b = fn(302, [I(0x18, 0, 0, 0, 1), I(0, 0, 0, 0, 7), I(0x95)], []);
    expect(b).not.toBe(a);
  });
  it('a shared compilation runs as each program would; other maps, another compilation', () => {
    // r0 = *(u32 *)(array value of key 0)
    const body = (fd: number) => [
      I(0xb7, 1, 0, 0, 0), I(0x63, 10, 1, -4, 0), ...ldMap(1, fd), I(0xbf, 2, 10), I(0x07, 2, 0, 0, -4),
      I(0x85, 0, 0, 0, 1), I(0x15, 0, 0, 1, 0), I(0x61, 0, 0, 0, 0), I(0x95),
    ];
    const progs = [prog(1, body(3), [11]), prog(2, body(4), [11]), prog(3, body(3), [12])];
    expect(compiledProgram(progs[1], TC_HELPERS)).toBe(compiledProgram(progs[0], TC_HELPERS));
    expect(compiledProgram(progs[2], TC_HELPERS)).not.toBe(compiledProgram(progs[0], TC_HELPERS));
    const maps = [arrayMap(11, 4, 1, { 0: '05000000' }), arrayMap(12, 4, 1, { 0: '09000000' })];
    const ret = (id: number) => {
      const s = snapshot(progs, maps, { 2: { ifindex: 2, tcx_ingress: { fp: [id] } } });
      return runBatch(s, [{ ifindex: 2, direction: 'ingress', data: '00'.repeat(60) }]).verdicts[0].runs.map((r) => r.ret);
    };
    expect(ret(1)).toEqual([5]);
    expect(ret(2)).toEqual([5]);
    expect(ret(3)).toEqual([9]);
  });
});
