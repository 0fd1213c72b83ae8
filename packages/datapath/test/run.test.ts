// testRun's repeat loop (run.ts runRepeated): a run ended early by LD_ABS past the packet (an
// Exit) is one run of the `repeat`, and the loop goes on; a fault ends it.
import { describe, expect, it } from 'vitest';
import { insn } from '@bpfsim/events';
import { assemble } from '../src/asm/index.ts';
import { BPF_ABS, BPF_LD, BPF_W } from '../src/opcodes.ts';
import { testRun } from '../src/testrun.ts';
import { arrayMap, prog, snapshot } from './snapshots.ts';

const PKT = '00'.repeat(60);
const bump = `
  mov %r6, %r1
  ldmapfd %r1, 0
  stw [%r10-4], 0
  mov %r2, %r10
  add %r2, -4
  call 1
  jeq %r0, 0, +2
  mov %r1, 1
  lock add [%r0+0], %r1
  mov %r1, %r6`;

describe('testRun repeat', () => {
  it('an Exit ends one run, not the loop', () => {
    // ... then r0 = ntohl(*(u32 *)(skb->data + 100)), past the 60-byte packet: the run returns 0
    const insns = [...assemble(`${bump}\n  exit`).slice(0, -1), insn(BPF_LD | BPF_ABS | BPF_W, 0, 0, 0, 100), ...assemble('mov %r0, 7\nexit')];
    const s = snapshot([prog(1, insns, [10])], [arrayMap(10, 8, 1)]);
    const r = testRun(s, 1, { data_in: PKT, repeat: 3 });
    expect(r.error).toBeUndefined();
    expect(r.out!.retval).toBe(0);
    expect(r.writeSet).toEqual([{ map_id: 10, key: '00000000', value: '0300000000000000' }]);
  });

  it('a fault ends the loop with -EFAULT', () => {
    const s = snapshot([prog(1, assemble(`${bump}\n  ldxw %r0, [%r6+4096]\n  exit`), [10])], [arrayMap(10, 8, 1)]);
    const r = testRun(s, 1, { data_in: PKT, repeat: 3 });
    expect(r.ret).toBe(-14);
    expect(r.error).toMatchObject({ kind: 'oob', pc: 11 });
    expect(r.writeSet).toEqual([{ map_id: 10, key: '00000000', value: '0100000000000000' }]);
  });
});
