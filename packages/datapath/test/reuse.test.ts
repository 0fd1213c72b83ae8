// What runBatch reuses from packet to packet (the packet buffer, the ctx, the stack, verdict
// objects; pipeline.ts, verdicts.ts, machine.ts) must not show: each packet of a batch gets the
// verdict it gets alone, whatever the packets before it wrote to the packet, ctx or stack, by
// stores, helpers or checksum updates.
import { describe, expect, it } from 'vitest';
import { assemble } from '../src/asm/index.ts';
import { runBatch, type Packet } from '../src/pipeline.ts';
import { prog, snapshot } from './snapshots.ts';

// By the packet's first byte: 0 stores to the packet and ctx (mark), 2 calls bpf_skb_store_bytes
// with a stack buffer, 3 writes cb[0], 4 reads a stack slot the others write (must be 0) and
// bumps a checksum with bpf_l3_csum_replace; anything else passes untouched.
const PROG = assemble(`
  mov %r6, %r1
  ldxw %r2, [%r6+76]
  ldxw %r3, [%r6+80]
  mov %r4, %r2
  add %r4, 14
  jgt %r4, %r3, out
  ldxb %r4, [%r2+0]
  jne %r4, 0, not0
  stb [%r2+0], 1
  stw [%r6+8], 5
  stdw [%r10-16], -1
  mov %r0, 0
  exit
not0:
  jne %r4, 2, not2
  stw [%r10-4], 9
  mov %r1, %r6
  mov %r2, 1
  mov %r3, %r10
  add %r3, -4
  mov %r4, 1
  mov %r5, 0
  call 9
  mov %r0, 2
  exit
not2:
  jne %r4, 3, not3
  stw [%r6+48], 7
  ja out
not3:
  jne %r4, 4, out
  ldxdw %r7, [%r10-16]
  jne %r7, 0, bad
  mov %r1, %r6
  mov %r2, 10
  mov %r3, 0
  mov %r4, 0x1234
  mov %r5, 2
  call 10
out:
  mov %r0, 0
  exit
bad:
  mov %r0, 2
  exit`);

const frame = (b0: number) => b0.toString(16).padStart(2, '0') + '0000000001' + '000000000002' + '0800' + '00'.repeat(40);

describe('runBatch: what one packet leaves behind does not reach the next', () => {
  it('each verdict equals the packet run alone', () => {
    const s = snapshot([prog(1, PROG)], [], { 2: { ifindex: 2, tcx_ingress: { fp: [1] }, tcx_egress: { fp: [1] } } });
    const order = [0, 0, 2, 3, 1, 0, 4, 3, 1, 4, 2, 2, 0, 4, 1, 1];
    const packets: Packet[] = order.map((b, i) => ({ ifindex: 2, direction: i % 5 === 4 ? 'egress' : 'ingress', data: frame(b) }));
    const batch = runBatch(s, packets);
    const alone = packets.map((p) => runBatch(s, [p]).verdicts[0]);
    expect(batch.verdicts).toEqual(alone);
    // The cases did what they are for.
    expect(alone[0]).toMatchObject({ data: frame(1), skb: { mark: 5 } });
    expect(alone[2]).toMatchObject({ action: 'drop', data: '02' + '09' + frame(2).slice(4) });
    expect(alone[3].skb.cb[0]).toBe(7);
    expect(alone[6].data).toBeDefined();
    expect(alone[6].action).toBe('pass');
    expect(alone[4].data).toBeUndefined();
  });
});
