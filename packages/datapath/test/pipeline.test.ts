// runBatch: tcx chain semantics, redirect, the copy-on-write overlay and its write set, tail
// calls, helpers' inputs (seed, clock) and outputs (log), errors as values, and a frozen snapshot.
import { describe, expect, it } from 'vitest';
import { BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_IDX, BPF_PSEUDO_MAP_IDX_VALUE, insn } from '@bpfsim/events';
import { assemble } from '../src/asm/index.ts';
import { runBatch, type Packet } from '../src/pipeline.ts';
import type { Snapshot } from '../src/snapshot.ts';
import { arrayMap, hashMap, prog, progArray, snapshot } from './snapshots.ts';

const PKT = '0000000000010000000000020800' + '45000028000100004006' + '0000' + '0a000001' + '0a000002' + '00'.repeat(20);
const on = (ifindex: number, direction: 'ingress' | 'egress' = 'ingress', data = PKT): Packet => ({ ifindex, direction, data });
const ret = (v: number) => assemble(`mov %r0, ${v}\nexit`);
const dev = (ingress: number[], egress: number[] = []) => ({ ifindex: 2, tcx_ingress: { fp: ingress }, tcx_egress: { fp: egress } });

function allFrozen(o: unknown): boolean {
  if (o === null || typeof o !== 'object') return true;
  return Object.isFrozen(o) && Object.values(o).every(allFrozen);
}

describe('tcx chain (tcx_run, tcx_action_code)', () => {
  const s = snapshot([prog(1, ret(-1)), prog(2, ret(0)), prog(3, ret(2)), prog(4, ret(3)), prog(5, ret(7)), prog(6, ret(-1))],
    [], { 1: { ifindex: 1 }, 2: dev([1, 2, 3]), 3: dev([1, 4, 3]), 4: dev([3], [1, 6]), 5: dev([5]), 6: { ifindex: 6 } });
  it('TCX_NEXT continues, TCX_PASS ends the chain', () => {
    const v = runBatch(s, [on(2)]).verdicts[0];
    expect(v).toMatchObject({ action: 'pass', code: 0, runs: [{ prog_id: 1, ret: -1 }, { prog_id: 2, ret: 0 }] });
  });
  it('another value ends the chain without a decision (TCX_NEXT)', () => {
    const v = runBatch(s, [on(3)]).verdicts[0];
    expect(v).toMatchObject({ action: 'pass', code: -1, runs: [{ prog_id: 1, ret: -1 }, { prog_id: 4, ret: 3 }] });
  });
  it('TCX_DROP drops; the direction picks the fast path', () => {
    expect(runBatch(s, [on(4)]).verdicts[0]).toMatchObject({ action: 'drop', code: 2, runs: [{ prog_id: 3, ret: 2 }] });
    expect(runBatch(s, [on(4, 'egress')]).verdicts[0]).toMatchObject({ action: 'pass', code: -1, runs: [{ prog_id: 1 }, { prog_id: 6 }] });
  });
  it('nothing attached: pass, no runs', () => {
    expect(runBatch(s, [on(6), on(1, 'egress')]).verdicts.map((v) => [v.action, v.runs.length])).toEqual([['pass', 0], ['pass', 0]]);
  });
  it('TC_ACT_REDIRECT without bpf_redirect: dropped', () => {
    expect(runBatch(s, [on(5)]).verdicts[0]).toMatchObject({ action: 'drop', code: 7, reason: 'TC_ACT_REDIRECT without a redirect target' });
  });
});

describe('redirect', () => {
  // bpf_redirect(ifindex in r6, flags in r7)
  const redir = (ifindex: number, flags: number) => assemble(`mov %r1, ${ifindex}\nmov %r2, ${flags}\ncall 23\nexit`);
  const s = snapshot([prog(1, redir(3, 1)), prog(2, redir(9, 0)), prog(3, redir(3, 2)), prog(4, redir(3, 0)), prog(5, ret(-1)), prog(6, ret(7))],
    [], { 1: { ifindex: 1 }, 2: dev([1]), 3: dev([2]), 4: dev([3]), 5: dev([4, 5]), 7: dev([5, 4]), 8: dev([4]) });
  it('bpf_redirect with BPF_F_INGRESS', () => {
    expect(runBatch(s, [on(2)]).verdicts[0]).toMatchObject({ action: 'redirect', code: 7, redirect: { ifindex: 3, ingress: true, kind: 'redirect' } });
  });
  it('to a device that does not exist: dropped', () => {
    expect(runBatch(s, [on(3)]).verdicts[0]).toMatchObject({ action: 'drop', code: 7, reason: 'redirect to ifindex 9: no such device' });
  });
  it('bad flags: bpf_redirect returns TC_ACT_SHOT', () => {
    expect(runBatch(s, [on(4)]).verdicts[0]).toMatchObject({ action: 'drop', code: 2, runs: [{ prog_id: 3, ret: 2 }] });
  });
  it('the target survives to a later program of the chain (bpf_redirect_info is per packet)', () => {
    // prog 4 redirects but returns... 7 itself; prog 5 returns -1 then prog 4: covered below with a NEXT first
    const s2 = snapshot([prog(1, assemble('mov %r1, 3\nmov %r2, 0\ncall 23\nmov %r0, -1\nexit')), prog(2, ret(7))], [], { 2: dev([1, 2]), 3: dev([]) });
    expect(runBatch(s2, [on(2), on(2)]).verdicts.map((v) => v.action)).toEqual(['redirect', 'redirect']);
    const s3 = snapshot([prog(2, ret(7))], [], { 2: dev([2]), 3: dev([]) });
    expect(runBatch(s3, [on(2)]).verdicts[0].action).toBe('drop');
  });
});

// A per-source-address packet counter in a hash map (key: IPv4 saddr, value: u64), and an array
// map counter of all packets, updated through the looked-up pointer.
const COUNT = assemble(`
  mov %r6, %r1
  ldxw %r2, [%r6+76]
  ldxw %r3, [%r6+80]
  mov %r4, %r2
  add %r4, 34
  jgt %r4, %r3, pass
  ldxw %r7, [%r2+26]
  stxw [%r10-4], %r7
  ldmapfd %r1, 7
  mov %r2, %r10
  add %r2, -4
  call 1
  jeq %r0, 0, insert
  mov %r1, 1
  lock add [%r0+0], %r1
  ja total
insert:
  stdw [%r10-16], 1
  ldmapfd %r1, 7
  mov %r2, %r10
  add %r2, -4
  mov %r3, %r10
  add %r3, -16
  mov %r4, 0
  call 2
total:
  stw [%r10-4], 0
  ldmapfd %r1, 8
  mov %r2, %r10
  add %r2, -4
  call 1
  jeq %r0, 0, pass
  ldxdw %r1, [%r0+0]
  add %r1, 1
  stxdw [%r0+0], %r1
pass:
  mov %r0, 0
  exit`);

const withSrc = (ip: string) => PKT.slice(0, 52) + ip + PKT.slice(60);

describe('maps: copy-on-write overlay and write set', () => {
  const make = (): Snapshot => snapshot([prog(1, COUNT, [20, 21])],
    [hashMap(20, 4, 8, 4, [['0a000009', '0500000000000000']]), arrayMap(21, 8, 1)], { 2: dev([1]) });
  it('later packets see earlier writes; the write set holds the final values', () => {
    const s = make();
    const before = structuredClone(s);
    const r = runBatch(s, ['0a000001', '0a000002', '0a000001', '0a000009'].map((ip) => ({ ...on(2), data: withSrc(ip) })));
    expect(r.verdicts.every((v) => v.action === 'pass')).toBe(true);
    expect(r.writeSet).toEqual([
      { map_id: 20, key: '0a000001', value: '0200000000000000' },
      { map_id: 21, key: '00000000', value: '0400000000000000' },
      { map_id: 20, key: '0a000002', value: '0100000000000000' },
      { map_id: 20, key: '0a000009', value: '0600000000000000', in_place: true },
    ]);
    expect(s).toEqual(before);
    expect(allFrozen(s)).toBe(true);
  });
  it('a full hash map refuses new keys (-E2BIG) and the batch goes on', () => {
    const s = make();
    const r = runBatch(s, ['01', '02', '03', '04', '05'].map((b) => ({ ...on(2), data: withSrc(`0a0000${b}`) })));
    expect(r.writeSet.filter((w) => w.map_id === 20 && !('in_place' in w)).map((w) => w.key)).toEqual(['0a000001', '0a000002', '0a000003']);
  });
  it('update order: the write set is ordered by each key\'s last update, deletes included', () => {
    const upd = (k: number, v: number) => `stw [%r10-4], ${k}\nstdw [%r10-16], ${v}\nldmapfd %r1, 1\nmov %r2, %r10\nadd %r2, -4\nmov %r3, %r10\nadd %r3, -16\nmov %r4, 0\ncall 2`;
    const del = (k: number) => `stw [%r10-4], ${k}\nldmapfd %r1, 1\nmov %r2, %r10\nadd %r2, -4\ncall 3`;
    const p = assemble([upd(1, 10), upd(2, 20), upd(1, 11), del(9), upd(3, 30), del(3), 'mov %r0, 0', 'exit'].join('\n'));
    const s = snapshot([prog(1, p, [30])], [hashMap(30, 4, 8, 16, [['09000000', '0000000000000000']])], { 2: dev([1]) });
    expect(runBatch(s, [on(2)]).writeSet).toEqual([
      { map_id: 30, key: '02000000', value: '1400000000000000' },
      { map_id: 30, key: '01000000', value: '0b00000000000000' },
      { map_id: 30, key: '09000000', delete: true },
    ]);
  });
});

// tools/testing/selftests/bpf/progs/test_tc_link.c's tc1 and tc7 by hand (its globals in a .bss
// array: seen_tc1..8 at 0..7, set_type 8, seen_eth 9, seen_host 10, seen_mcast 11), chained on
// ingress as tc_links.c's set_type test runs them: what that test asserts must hold.
const LOAD_ETH = 'stdw [%r10-16], 0\nstdw [%r10-8], 0\nmov %r1, %r6\nmov %r2, 0\nmov %r3, %r10\nadd %r3, -16\nmov %r4, 14\ncall 26\njne %r0, 0, out';
/** .bss[off] = (r2 == v), left in r3 too. */
const FLAG = (v: number, off: number) => `mov %r3, 0\njne %r2, ${v}, +1\nmov %r3, 1\nstxb [%r7+${off}], %r3`;
const TC1 = assemble(`
  mov %r6, %r1
  ldxw %r2, [%r6+16]
  jne %r2, 0x8, out
  ${LOAD_ETH}
  ldxh %r2, [%r10-4]
  ldmapvalue %r7, 0, 0
  ${FLAG(0x8, 9)}
  ldxw %r2, [%r6+4]
  ${FLAG(0, 10)}
  jeq %r3, 0, out
  ldxb %r2, [%r7+8]
  jeq %r2, 0, out
  stb [%r10-16], 4
  mov %r1, %r6
  mov %r2, 0
  mov %r3, %r10
  add %r3, -16
  mov %r4, 14
  mov %r5, 0
  call 9
  jne %r0, 0, fail
  mov %r1, %r6
  mov %r2, 2
  call 32
out:
  ldmapvalue %r7, 0, 0
  stb [%r7+0], 1
fail:
  mov %r0, -1
  exit`);
const TC7 = assemble(`
  mov %r6, %r1
  ldxw %r2, [%r6+16]
  jne %r2, 0x8, out
  ${LOAD_ETH}
  ldxb %r2, [%r10-16]
  jne %r2, 4, out
  ldmapvalue %r7, 0, 0
  ldxb %r2, [%r7+8]
  jeq %r2, 0, out
  ldxw %r2, [%r6+4]
  ${FLAG(2, 11)}
  mov %r1, %r6
  mov %r2, 0
  call 32
out:
  ldmapvalue %r7, 0, 0
  stb [%r7+6], 1
  mov %r0, 0
  exit`);

describe('test_tc_link.c (tc1, tc7) as tc_links.c runs them', () => {
  it('seen_eth, seen_host, seen_mcast; the frame leaves with h_dest[0] = 4', () => {
    const bss = arrayMap(70, 20, 1, { 0: '0000000000000000' + '01000000' + '0000000000000000' });
    const s = snapshot([prog(1, TC1, [70]), prog(7, TC7, [70])], [bss], { 2: dev([1, 7]) });
    const v = runBatch(s, [on(2)]);
    expect(v.verdicts[0]).toMatchObject({ action: 'pass', code: 0, runs: [{ prog_id: 1, ret: -1 }, { prog_id: 7, ret: 0 }], data: '04' + PKT.slice(2) });
    // seen_tc1, seen_tc7, set_type (as it was), seen_eth, seen_host, seen_mcast
    expect(v.writeSet).toEqual([{ map_id: 70, key: '00000000', value: '0100000000000100' + '01010101' + '0000000000000000' }]);
  });
});

describe('ld_imm64 map references', () => {
  it('by fd and by fd_array index (BPF_PSEUDO_MAP_IDX, _IDX_VALUE): the k-th distinct reference is map_ids[k]', () => {
    // r1 = &map_ids[1] value + 4 (fd_array index 2, as a value); *(u32 *)r1 = 7. r1 = map by fd 9 (map_ids[0]), key 0: lookup, *r0 = 5.
    const idxValue = [insn(0x18, 1, BPF_PSEUDO_MAP_IDX_VALUE, 0, 2), insn(0, 0, 0, 0, 4)];
    const rest = assemble('stw [%r1+0], 7\nstw [%r10-4], 0\nmov %r2, %r10\nadd %r2, -4\ncall 1\njeq %r0, 0, +1\nstw [%r0+0], 5\nmov %r0, 0\nexit');
    const byFd = [insn(0x18, 1, BPF_PSEUDO_MAP_FD, 0, 9), insn(0, 0, 0, 0, 0)];
    const byIdx = [insn(0x18, 1, BPF_PSEUDO_MAP_IDX, 0, 2), insn(0, 0, 0, 0, 0)];
    const p = [...byFd, ...idxValue, ...rest.slice(0, 4), ...byIdx, ...rest.slice(4)];
    const s = snapshot([prog(1, p, [60, 61])], [arrayMap(60, 8, 1), arrayMap(61, 8, 1)], { 2: dev([1]) });
    const r = runBatch(s, [on(2)]);
    expect(r.verdicts[0]).toMatchObject({ action: 'pass', code: 0 });
    // fd 9 is map_ids[0] (60); fd_array index 2, named twice, is map_ids[1] (61): the value store and the lookup both hit 61.
    expect(r.writeSet).toEqual([{ map_id: 61, key: '00000000', value: '0500000007000000' }]);
  });
});

describe('tail calls', () => {
  // Counts its runs in array map 41, then tail-calls prog array 40 slot 0 (itself).
  const SELF = assemble(`
    mov %r6, %r1
    ldmapvalue %r2, 41, 0
    mov %r3, 1
    lock add [%r2+0], %r3
    mov %r1, %r6
    ldmapfd %r2, 40
    mov %r3, 0
    call 12
    mov %r0, 2
    exit`);
  it('at most 33 tail calls: the program runs 34 times, then falls through', () => {
    const s = snapshot([prog(1, SELF, [41, 40])], [progArray(40, 4, { 0: 1 }), arrayMap(41, 8, 1)], { 2: dev([1]) });
    const r = runBatch(s, [on(2)]);
    expect(r.verdicts[0]).toMatchObject({ action: 'drop', code: 2 });
    expect(r.verdicts[0].runs[0].tail_calls).toHaveLength(33);
    expect(r.writeSet).toEqual([{ map_id: 41, key: '00000000', value: '2200000000000000' }]);
  });
  it('the target replaces the caller: its r0 is the verdict; an empty slot or index out of range falls through', () => {
    const call = (idx: number) => assemble(`ldmapfd %r2, 1\nmov %r3, ${idx}\ncall 12\nmov %r0, 2\nexit`);
    const s = snapshot([prog(1, call(0), [50]), prog(2, call(1), [50]), prog(3, call(9), [50]), prog(4, ret(0))],
      [progArray(50, 4, { 0: 4 })], { 2: dev([1]), 3: dev([2]), 4: dev([3]) });
    const v = runBatch(s, [on(2), on(3), on(4)]).verdicts;
    expect(v.map((x) => [x.action, x.runs[0].tail_calls ?? []])).toEqual([['pass', [4]], ['drop', []], ['drop', []]]);
  });
});

/** stb instructions writing s (NUL-padded to n bytes) at r10 - n. */
const stackString = (s: string, n: number) =>
  Array.from({ length: n }, (_, i) => `stb [%r10-${n - i}], ${i < s.length ? s.charCodeAt(i) : 0}`).join('\n');

describe('helpers and errors', () => {
  it('bpf_get_prandom_u32 follows the seed, bpf_ktime_get_ns the clock, trace_printk the log', () => {
    const p = assemble(`
      call 7
      mov %r6, %r0
      call 5
      mov %r7, %r0
      ${stackString('%u: %llu: %d\n', 16)}
      mov %r1, %r10
      add %r1, -16
      mov %r2, 16
      mov %r3, %r6
      mov %r4, %r7
      mov %r5, -3
      call 6
      mov %r0, 0
      exit`);
    const s = snapshot([prog(1, p)], [], { 2: dev([1]) });
    const a = runBatch(s, [on(2), { ...on(2), time: 5n }], { seed: 42, clock: 1234567890123n });
    const b = runBatch(s, [on(2), { ...on(2), time: 5n }], { seed: 42, clock: 1234567890123n });
    expect(a.log).toEqual(b.log);
    expect(a.log).toHaveLength(2);
    const [x, y] = a.log.map((l) => l.msg.split(': '));
    expect(x[0]).not.toBe(y[0]);
    expect(x[1]).toBe('1234567890123');
    expect(y[1]).toBe('5');
    expect(x[2]).toBe('-3\n');
    expect(a.log[1]).toMatchObject({ prog_id: 1, packet: 1 });
    expect(runBatch(s, [on(2)], { seed: 43 }).log[0].msg).not.toBe(a.log[0].msg);
  });
  it('an unknown helper id is an error naming it', () => {
    const s = snapshot([prog(1, assemble('call 999\nexit')), prog(2, assemble('call 4\nexit'))], [], { 2: dev([1]), 3: dev([2]) });
    const v = runBatch(s, [on(2), on(3)]).verdicts;
    expect(v[0]).toMatchObject({ action: 'error', error: { kind: 'helper', pc: 0, prog_id: 1, message: 'unknown helper id 999 (unknown#999)' } });
    expect(v[1].error?.message).toBe('helper bpf_probe_read (4) is not implemented by the datapath');
  });
  it('an out-of-bounds access is an error naming pc and address: packet, ctx, map value, stack', () => {
    const lookup = 'stw [%r10-4], 0\nldmapfd %r1, 0\nmov %r2, %r10\nadd %r2, -4\ncall 1\njeq %r0, 0, +2';
    const cases: [string, number, string, string][] = [
      ['ldxw %r2, [%r1+76]\nldxb %r0, [%r2+100]\nexit', 1, '0x8888000440000064', 'invalid read of 1 bytes at 0x8888000440000064: outside packet (54 bytes) at offset 100'],
      ['ldxw %r2, [%r1+76]\nstb [%r2-1], 1\nexit', 1, '0x888800043fffffff', 'invalid write of 1 bytes at 0x888800043fffffff: outside packet (54 bytes) at offset -1'],
      ['ldxw %r0, [%r1+192]\nexit', 0, '0x88880003400000c0', 'invalid read of 4 bytes at 0x88880003400000c0: outside ctx (192 bytes) at offset 192'],
      [`${lookup}\nldxw %r0, [%r0+8]\nexit\nmov %r0, 0\nexit`, 7, '0x8888000540000008', 'invalid read of 4 bytes at 0x8888000540000008: outside map 10 value (8 bytes) at offset 8'],
      [`${lookup}\nstw [%r0-1], 1\nexit\nmov %r0, 0\nexit`, 7, '0x888800053fffffff', 'invalid write of 4 bytes at 0x888800053fffffff: outside map 10 value (8 bytes) at offset -1'],
      // The frame is the 512 bytes below r10: above it (a returned callee's frame) and below it are out of bounds.
      ['ldxw %r0, [%r10+8]\nexit', 0, '0x8888000140000208', 'invalid read of 4 bytes at 0x8888000140000208: outside stack (512 bytes) at offset 520'],
      ['mov %r2, %r10\nstxw [%r2+0], %r1\nexit', 1, '0x8888000140000200', 'invalid write of 4 bytes at 0x8888000140000200: outside stack (512 bytes) at offset 512'],
      ['ldxw %r0, [%r10-516]\nexit', 0, '0x888800013ffffffc', 'invalid read of 4 bytes at 0x888800013ffffffc: outside stack (512 bytes) at offset -4'],
    ];
    for (const [asm, pc, addr, message] of cases) {
      const v = runBatch(snapshot([prog(1, assemble(asm), [10])], [arrayMap(10, 8, 1)], { 2: dev([1]) }), [on(2)]).verdicts[0];
      expect(v, asm).toMatchObject({ action: 'error', runs: [{ prog_id: 1, ret: 0 }], error: { kind: 'oob', pc, prog_id: 1, addr, message } });
    }
  });
  it('a callee\'s frame is gone once it returns; the caller\'s frame stays reachable from the callee', () => {
    // main: r1 = fp - 8 holding 5; call f (which reads *r1, and leaves a pointer to its own frame in r0); read *r0.
    const p = assemble('stdw [%r10-8], 5\nmov %r1, %r10\nadd %r1, -8\ncall local f\nldxdw %r0, [%r0+0]\nexit\nf:\nldxdw %r2, [%r1+0]\nstxdw [%r10-8], %r2\nmov %r0, %r10\nadd %r0, -8\nexit');
    const v = runBatch(snapshot([prog(1, p)], [], { 2: dev([1]) }), [on(2)]).verdicts[0];
    expect(v).toMatchObject({ action: 'error', error: { kind: 'oob', pc: 4, addr: '0x88880001400003f8' } });
    expect(v.error!.message).toBe('invalid read of 8 bytes at 0x88880001400003f8: outside stack (512 bytes) at offset 1016');
  });
  it('bpf_skb_change_type: later programs of the chain see the new pkt_type (test_tc_link.c tc1 / tc7), the next packet its own', () => {
    const change = assemble('mov %r2, 2\ncall 32\nmov %r0, -1\nexit');
    const read = assemble('ldxw %r0, [%r1+4]\nexit');
    const s = snapshot([prog(1, change), prog(2, read)], [], { 2: dev([1, 2]), 3: dev([2]) });
    const v = runBatch(s, [on(2), on(3)]).verdicts;
    expect(v.map((x) => x.runs.map((r) => r.ret))).toEqual([[-1, 2], [0]]);
  });
  it('bpf_csum_level: the skb is CHECKSUM_NONE at each packet', () => {
    // inc, then query: 0 (CHECKSUM_UNNECESSARY, level 0); a second packet's query alone: -EACCES
    const p = assemble('mov %r6, %r1\nmov %r2, 1\ncall 135\nmov %r1, %r6\nmov %r2, 0\ncall 135\nexit');
    const q = assemble('mov %r2, 0\ncall 135\nexit');
    const s = snapshot([prog(1, p), prog(2, q)], [], { 2: dev([1]), 3: dev([2]) });
    expect(runBatch(s, [on(2), on(3)]).verdicts.map((x) => x.runs[0].ret)).toEqual([0, -13]);
  });
  it('packet writes show in the verdict; skb fields the program writes too', () => {
    const p = assemble('ldxw %r2, [%r1+76]\nldxw %r3, [%r1+80]\nmov %r4, %r2\nadd %r4, 23\njgt %r4, %r3, out\nstb [%r2+22], 1\nstw [%r1+8], 77\nstw [%r1+72], 5\nout:\nmov %r0, 0\nexit');
    const v = runBatch(snapshot([prog(1, p)], [], { 2: dev([1]) }), [on(2)]).verdicts[0];
    expect(v.data).toBe(PKT.slice(0, 44) + '01' + PKT.slice(46));
    expect(v.skb).toMatchObject({ mark: 77, tc_index: 5 });
  });
});
