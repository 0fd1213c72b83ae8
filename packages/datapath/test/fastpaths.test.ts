// The per-packet shortcuts of runBatch and of the helpers a tc program calls most, each against a
// case it must not take: the skb set-up skipped when a clean ctx already holds the packet's
// fields (skb.ts putBatchSkb), the chain remembered from the previous packet (pipeline.ts), runs
// shared from packet to packet (verdicts.ts), and the faults moved out of the map lookup and
// atomic paths (helpers/maps.ts, memory/access.ts), which must still name pc and address.
import { describe, expect, it } from 'vitest';
import { BPF_F_RDONLY_PROG } from '@bpfsim/events';
import { assemble } from '../src/asm/index.ts';
import { runBatch, type Packet } from '../src/pipeline.ts';
import { arrayMap, prog, snapshot } from './snapshots.ts';

const frame = (dst: string, len: number, proto = '0800') => dst + '000000000002' + proto + '00'.repeat(len - 14);
const UNICAST = frame('000000000001', 40), BCAST = frame('ffffffffffff', 60), MCAST = frame('010000000001', 40, '86dd'), SHORT = frame('000000000001', 20, '0026');

// r0 = a mix of len, pkt_type, protocol, ingress_ifindex, ifindex and wire_len: a skb set-up for
// the wrong frame or device gives another value. Packets starting 0x01 also write mark (a dirty ctx).
const MIX = assemble(`
  ldxw %r0, [%r1+0]
  ldxw %r2, [%r1+4]
  mul %r2, 257
  add %r0, %r2
  ldxw %r2, [%r1+16]
  mul %r2, 65599
  xor %r0, %r2
  ldxw %r2, [%r1+36]
  mul %r2, 4099
  add %r0, %r2
  ldxw %r2, [%r1+40]
  mul %r2, 1000003
  xor %r0, %r2
  ldxw %r2, [%r1+160]
  mul %r2, 31
  add %r0, %r2
  and %r0, 0x3fffffff
  ldxw %r3, [%r1+76]
  ldxb %r4, [%r3+0]
  jne %r4, 1, out
  stw [%r1+8], 9
out:
  exit`);

describe('runBatch shortcuts', () => {
  it('the skb set-up is skipped only for the same frame on the same device and direction, on a clean ctx', () => {
    const s = snapshot([prog(1, MIX)], [], { 2: { ifindex: 2, tcx_ingress: { fp: [1] }, tcx_egress: { fp: [1] } }, 3: { ifindex: 3, tcx_ingress: { fp: [1] } } });
    const p = (ifindex: number, direction: 'ingress' | 'egress', data: string, skb?: Packet['skb']): Packet => ({ ifindex, direction, data, ...(skb ? { skb } : {}) });
    const packets = [
      p(2, 'ingress', UNICAST), p(2, 'ingress', UNICAST), p(3, 'ingress', UNICAST), p(2, 'egress', UNICAST),
      p(3, 'ingress', BCAST), p(3, 'ingress', MCAST), p(3, 'ingress', MCAST.slice(0)), p(2, 'ingress', SHORT),
      p(2, 'ingress', MCAST), p(2, 'ingress', MCAST, { wire_len: 500, mark: 3 }), p(2, 'ingress', MCAST),
      p(2, 'ingress', UNICAST), p(2, 'ingress', UNICAST), p(2, 'egress', BCAST), p(2, 'ingress', BCAST),
    ];
    const batch = runBatch(s, packets).verdicts;
    const alone = packets.map((q) => runBatch(s, [q]).verdicts[0]);
    expect(batch).toEqual(alone);
    // The cases differ where they are meant to.
    const rets = alone.map((v) => v.runs[0].ret);
    expect(new Set([rets[0], rets[2], rets[3], rets[4], rets[5], rets[7], rets[9]]).size).toBe(7);
  });

  it('a ctx written by one packet is set up again for the next packet with the same frame', () => {
    const s = snapshot([prog(1, MIX)], [], { 2: { ifindex: 2, tcx_ingress: { fp: [1] } } });
    const dirty = '01' + UNICAST.slice(2);
    const packets: Packet[] = [dirty, dirty, UNICAST, dirty].map((data) => ({ ifindex: 2, direction: 'ingress', data }));
    const v = runBatch(s, packets).verdicts;
    expect(v).toEqual(packets.map((q) => runBatch(s, [q]).verdicts[0]));
    expect(v[1].skb.mark).toBe(9);
    expect(v[2].skb.mark).toBe(0);
  });

  it('each packet runs its own device and direction\'s chain, and runs are not shared across different rets', () => {
    const ret = (v: number) => assemble(`mov %r0, ${v}\nexit`);
    const s = snapshot([prog(1, ret(-1)), prog(2, ret(0)), prog(3, ret(2)), prog(4, ret(-1))], [],
      { 2: { ifindex: 2, tcx_ingress: { fp: [1, 2] }, tcx_egress: { fp: [3] } }, 3: { ifindex: 3, tcx_ingress: { fp: [4, 3] } } });
    const order: [number, 'ingress' | 'egress'][] = [[2, 'ingress'], [2, 'ingress'], [2, 'egress'], [3, 'ingress'], [3, 'ingress'], [2, 'ingress'], [3, 'egress'], [2, 'egress']];
    const v = runBatch(s, order.map(([ifindex, direction]) => ({ ifindex, direction, data: UNICAST }))).verdicts;
    expect(v.map((x) => [x.action, x.runs.map((r) => `${r.prog_id}:${r.ret}`).join(' ')])).toEqual([
      ['pass', '1:-1 2:0'], ['pass', '1:-1 2:0'], ['drop', '3:2'], ['drop', '4:-1 3:2'], ['drop', '4:-1 3:2'], ['pass', '1:-1 2:0'], ['pass', ''], ['drop', '3:2'],
    ]);
    expect(v[1]).toBe(v[0]); // equal verdicts of consecutive packets are shared
  });
});

describe('helper and atomic faults, built apart from the fast paths', () => {
  const map = (flags = 0) => ({ ...arrayMap(10, 16, 1), map_flags: flags });
  // r0 = a pointer to the array's element 0, then the given lines.
  const withValue = (lines: string) => assemble(`
    stw [%r10-4], 0
    ldmapfd %r1, 0
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    mov %r3, 1
    ${lines}
  out:
    mov %r0, 0
    exit`);
  const run = (insns: ReturnType<typeof assemble>, flags = 0) =>
    runBatch(snapshot([prog(1, insns, [10])], [map(flags)], { 2: { ifindex: 2, tcx_ingress: { fp: [1] } } }), [{ ifindex: 2, direction: 'ingress', data: UNICAST }]).verdicts[0];

  it('an atomic add on a map value works, misaligned it is an oob fault at its pc and address', () => {
    const ok = run(withValue('lock add [%r0+0], %r3'));
    expect(ok.action).toBe('pass');
    const v = run(withValue('lock add [%r0+4], %r3'));
    expect(v).toMatchObject({ action: 'error', error: { kind: 'oob', pc: 8, message: expect.stringContaining('misaligned atomic access') } });
    expect(v.error!.addr).toMatch(/^0x88880005/);
  });
  it('an atomic on a read-only map value is a readonly fault', () => {
    const v = run(withValue('lock add [%r0+0], %r3'), BPF_F_RDONLY_PROG);
    expect(v).toMatchObject({ action: 'error', error: { kind: 'readonly', pc: 8 } });
  });
  it('atomics on the packet and on the ctx are faults naming them', () => {
    const pkt = run(assemble('ldxw %r2, [%r1+76]\nmov %r3, 1\nlock add [%r2+0], %r3\nmov %r0, 0\nexit'));
    expect(pkt).toMatchObject({ action: 'error', error: { kind: 'oob', pc: 2, addr: '0x8888000440000000', message: expect.stringContaining('atomic access to the packet') } });
    const ctx = run(assemble('mov %r3, 1\nlock add [%r1+8], %r3\nmov %r0, 0\nexit'));
    expect(ctx).toMatchObject({ action: 'error', error: { kind: 'ctx', pc: 1, addr: '0x8888000340000008', message: expect.stringContaining('atomic access to ctx') } });
  });
  it('a lookup with a ctx key, or without a map pointer, is a helper fault', () => {
    const key = run(assemble('mov %r2, %r1\nldmapfd %r1, 0\ncall 1\nmov %r0, 0\nexit'));
    expect(key).toMatchObject({ action: 'error', error: { kind: 'helper', pc: 3, addr: '0x8888000340000000', message: 'bpf_map_lookup_elem key: ctx memory cannot be passed to a helper' } });
    const notMap = run(assemble('mov %r1, 5\nmov %r2, %r10\ncall 1\nmov %r0, 0\nexit'));
    expect(notMap).toMatchObject({ action: 'error', error: { kind: 'helper', pc: 2, message: expect.stringContaining('is not a pointer to a map in the snapshot') } });
  });
});
