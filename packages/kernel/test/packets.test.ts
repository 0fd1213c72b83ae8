// Packets through the facade: the datapath runs the tcx chain on the frozen state, and what the
// programs wrote to maps is folded in with the event. The counter program's behaviour under
// BPF_PROG_TEST_RUN is the live kernel's (fixtures/kernel/test-run.json).
import { describe, expect, it } from 'vitest';
import { insn } from '@bpfsim/events';
import { Kernel } from '../src/index.ts';

const COUNTER = (fd: number, ret: number) => [
  insn(0x62, 10, 0, -4, 0), insn(0x18, 1, 1, 0, fd), insn(0), insn(0xbf, 2, 10), insn(0x07, 2, 0, 0, -4), insn(0x85, 0, 0, 0, 1),
  insn(0x15, 0, 0, 2, 0), insn(0xb7, 1, 0, 0, 1), insn(0xdb, 0, 1, 0, 0), insn(0xb7, 0, 0, 0, ret), insn(0x95),
];
const FRAME = 'ffffffffffff0200000000010800' + '4500002e0000400040110000c0a80001c0a80002' + '303930390012000068656c6c6f776f726c64212121';

describe('packets through the tcx pipeline', () => {
  it('runs the chain in order, folds the map writes, and leaves the old state untouched', () => {
    const k = new Kernel({ seed: 7 });
    const eth0 = k.netdevAdd('eth0', 'peer0').ret;
    k.bpf(100, 'BPF_MAP_CREATE', { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 8, max_entries: 1 });
    k.bpf(100, 'BPF_MAP_CREATE', { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 8, max_entries: 1 });
    const next = k.bpf(100, 'BPF_PROG_LOAD', { prog_type: 'BPF_PROG_TYPE_SCHED_CLS', insns: COUNTER(3, -1), license: 'GPL', prog_name: 'count_next' }).ret;
    const drop = k.bpf(100, 'BPF_PROG_LOAD', { prog_type: 'BPF_PROG_TYPE_SCHED_CLS', insns: COUNTER(4, 2), license: 'GPL', prog_name: 'count_drop' }).ret;
    expect(k.bpf(100, 'BPF_LINK_CREATE', { prog_fd: drop, target_ifindex: eth0, attach_type: 'BPF_TCX_INGRESS' }).ret).toBe(7);
    expect(k.bpf(100, 'BPF_PROG_ATTACH', { target_ifindex: eth0, attach_bpf_fd: next, attach_type: 'BPF_TCX_INGRESS', attach_flags: 0x8 }).ret).toBe(0);
    const before = k.state;
    const snapshot = JSON.stringify(before);
    const r = k.packets([0, 1, 2].map(() => ({ ifindex: eth0, direction: 'ingress' as const, data: FRAME })));
    expect(r.ret).toBe(0);
    const verdicts = r.out?.verdicts as { action: string; runs: { prog_id: number; ret: number }[] }[];
    expect(verdicts.map((v) => v.action)).toEqual(['drop', 'drop', 'drop']);
    expect(verdicts[0].runs).toEqual([{ prog_id: 1, ret: -1 }, { prog_id: 2, ret: 2 }]);
    expect(k.bpf(100, 'BPF_MAP_LOOKUP_ELEM', { map_fd: 3, key: '00000000' }).out?.value).toBe('0300000000000000');
    expect(k.bpf(100, 'BPF_MAP_LOOKUP_ELEM', { map_fd: 4, key: '00000000' }).out?.value).toBe('0300000000000000');
    expect(JSON.stringify(before)).toBe(snapshot);
    expect(Object.isFrozen(before.maps[1].data)).toBe(true);
    // Nothing on egress, and a device without programs: nothing decided.
    const quiet = k.packets([{ ifindex: eth0, direction: 'egress', data: FRAME }]).out?.verdicts as { action: string; runs: unknown[] }[];
    expect(quiet[0].runs).toEqual([]);
  });
});
