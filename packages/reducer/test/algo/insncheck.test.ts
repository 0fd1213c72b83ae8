import { describe, expect, it } from 'vitest';
import { errno, type Insn } from '@bpfsim/events';
import { insnCheck, KNOWN_OPCODES } from '../../src/algo/insncheck.ts';
import { HELPERS_BY_PROG_TYPE } from '../../src/algo/helpers.ts';
import { fixture } from './fixtures.ts';

interface Case { name: string; ret: string; log: string; insns: Insn[] | { count: number } }
const data = fixture<{ cases: Case[]; atomics: Case[]; opcodes: string }>('insncheck.json');

const helpers = HELPERS_BY_PROG_TYPE.BPF_PROG_TYPE_SCHED_CLS;
const MOV0: Insn = { code: 0xb7, dst_reg: 0, src_reg: 0, off: 0, imm: 0 };
const EXIT: Insn = { code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0 };

/** The big programs the probe did not write out, rebuilt as probe_insncheck.c builds them. */
function bigProgram(name: string, count: number): Insn[] {
  const p: Insn[] = new Array(count).fill(MOV0);
  p[count - 1] = EXIT;
  if (name.startsWith('1000000 instructions, unknown opcode')) p[count - 2] = { ...MOV0, code: 0xff };
  return p;
}

// The map fd the probe created first (fd 3) is the only map; 999 is not one.
const mapFds = [3];

/** Programs the kernel rejects in its dynamic checks, which this check lets through (documented). */
const PASSES_BUT_KERNEL_REJECTS = new Set([
  'last insn is jmp32 ja (gotol) -2',            // infinite loop detected
  'last insn is ja -2 (back-edge, infinite loop)',
  'only insn is exit (R0 never set)',            // R0 !read_ok
  'back-edge loop (bounded? no, r0 constant)',   // BPF program is too large (ENOSPC)
  'ALU64 MOV X src_reg 2 (uninitialized)',       // R2 !read_ok
  'call helper 6 (trace_printk) without args',   // helper argument types
  'STX MEM W with imm 0, src r1 (ctx)',          // invalid size of register spill
  'ST (0x72 ST MEM B) with off 0 into fp (out of stack)',
  'LD IND W with imm 0 and src r2 uninit',
  'R0 not set at exit',
  'read of uninitialized r3',
  'LD ABS without r6 = ctx',                     // R6 !read_ok
  'atomic code c3 imm 0x100',                    // load-acquire into r10: atomic register rules
  'atomic code cb imm 0x100',
  'atomic code d3 imm 0x100',
  'atomic code db imm 0x100',
]);
/** Programs the kernel accepts because the defect sits on a branch it proves dead (documented). */
const REJECTS_BUT_KERNEL_ACCEPTS = new Set([
  'defect only in dead code behind a known branch',
  'helper not allowed on a dead branch',
]);

function errnoOf(name: string): number {
  return (errno as Record<string, number>)[name];
}

/** The verifier's message: the last line before the statistics line. */
function messageLine(log: string): string {
  const lines = log.split('\n').filter((l) => l !== '');
  return lines.length >= 2 ? lines[lines.length - 2] : '';
}

describe('insnCheck against the live kernel (SCHED_CLS, root, log_level 1)', () => {
  for (const c of [...data.cases, ...data.atomics]) {
    it(`${c.name} → ${c.ret}`, () => {
      const insns = Array.isArray(c.insns) ? c.insns : bigProgram(c.name, c.insns.count);
      const r = insnCheck(insns, { helpers, mapFds });
      if (PASSES_BUT_KERNEL_REJECTS.has(c.name)) {
        expect(c.ret).not.toBe('OK');
        expect(r.ok).toBe(true);
        return;
      }
      if (REJECTS_BUT_KERNEL_ACCEPTS.has(c.name)) {
        expect(c.ret).toBe('OK');
        expect(r.ok).toBe(false);
        return;
      }
      if (c.ret === 'OK') {
        expect(r).toEqual({ ok: true });
        return;
      }
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.errno).toBe(errnoOf(c.ret));
      if (c.log === '') {
        expect(r.log).toBe('');
      } else if (r.fullLog !== undefined) {
        expect(r.fullLog).toBe(c.log);
      } else {
        expect(r.log).toBe(messageLine(c.log));
      }
    });
  }
});

describe('opcode table', () => {
  it('matches the live kernel byte by byte (LDX codes with other modes fail the LDX check first)', () => {
    let got = '';
    for (let code = 0; code < 256; code++) {
      const mode = code & 0xe0;
      const ldxReserved = (code & 7) === 1 && mode !== 0x60 && mode !== 0x80;
      got += ldxReserved ? 'l' : KNOWN_OPCODES.has(code) ? 'k' : 'u';
    }
    expect(got).toBe(data.opcodes);
  });
});

describe('options', () => {
  it('limits, fd_array and unknown map fds', () => {
    expect(insnCheck([MOV0, MOV0, EXIT], { helpers, maxInsns: 2 })).toMatchObject({ ok: false, errno: errno.E2BIG, log: '' });
    const ldIdx: Insn[] = [{ code: 0x18, dst_reg: 1, src_reg: 5, off: 0, imm: 1 }, { code: 0, dst_reg: 0, src_reg: 0, off: 0, imm: 0 }, MOV0, EXIT];
    expect(insnCheck(ldIdx, { helpers, fdArray: [4, 5], mapFds: [5] })).toEqual({ ok: true });
    expect(insnCheck(ldIdx, { helpers, fdArray: [4, 6], mapFds: [5] })).toMatchObject({ ok: false, errno: errno.EBADF, log: 'fd 6 is not pointing to valid bpf_map' });
    expect(insnCheck(ldIdx, { helpers, fdArray: [4] })).toMatchObject({ ok: false, errno: errno.EFAULT });
    const kfunc: Insn[] = [{ code: 0x85, dst_reg: 0, src_reg: 2, off: 0, imm: 77 }, MOV0, EXIT];
    expect(insnCheck(kfunc, { helpers, kfuncs: [77] })).toEqual({ ok: true });
    const call7: Insn[] = [{ code: 0x85, dst_reg: 0, src_reg: 0, off: 0, imm: 7 }, MOV0, EXIT];
    expect(insnCheck(call7, { helpers: [] })).toMatchObject({ ok: false, log: 'program of this type cannot use helper bpf_get_prandom_u32#7' });
  });
});
