// BPF_MAP_TYPE_PROG_ARRAY end to end through the facade: tail calls on tcx, the references the array
// holds (the references invariant after every event of the recorded scenarios).
// What a tail call and the limit give is the live kernel's, read from its recorded answers to
// BPF_PROG_TEST_RUN (fixtures/kernel/prog-array-tail-calls.json).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { assertEvent, insn, type Insn, type Result } from '@bpfsim/events';
import { checkReferences, initialState } from '@bpfsim/reducer';
import { Kernel, kernelFold } from '../src/index.ts';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../../fixtures/kernel/${name}.json`, import.meta.url), 'utf8')) as { events: { kind: string; cmd?: string; attr?: { prog_fd?: number } }[]; results: Result[] };
const tailCalls = fixture('prog-array-tail-calls');
/** The kernel's retval for BPF_PROG_TEST_RUN of the program at `fd`, the n-th such run of that fd in the fixture. */
function kernelRetval(fd: number): number {
  const i = tailCalls.events.findIndex((e) => e.cmd === 'BPF_PROG_TEST_RUN' && e.attr?.prog_fd === fd);
  return (tailCalls.results[i].out as { retval: number }).retval;
}

const FRAME = 'ffffffffffff0200000000010800' + '4500002e0000400040110000c0a80001c0a80002' + '303930390012000068656c6c6f776f726c64212121';
const ret = (n: number) => [insn(0xb7, 0, 0, 0, n), insn(0x95)];
/** bpf_tail_call(ctx, prog array `fd`, `index`); if it returns, r0 = `fallthrough`. */
const tailCall = (fd: number, index: number, fallthrough: number) => [
  insn(0x18, 2, 1, 0, fd), insn(0), insn(0xb7, 3, 0, 0, index), insn(0x85, 0, 0, 0, 12), insn(0xb7, 0, 0, 0, fallthrough), insn(0x95),
];
const key = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24].map((b) => b.toString(16).padStart(2, '0')).join('');
const P = 100;

type Verdict = { action: string; code: number; runs: { prog_id: number; ret: number; tail_calls?: number[] }[] };

function setup(maxEntries: number) {
  const k = new Kernel({ seed: 1 });
  const eth0 = k.netdevAdd('eth0', 'peer0').ret;
  const pa = k.bpf(P, 'BPF_MAP_CREATE', { map_type: 'BPF_MAP_TYPE_PROG_ARRAY', key_size: 4, value_size: 4, max_entries: maxEntries, map_name: 'jmp' }).ret;
  const load = (insns: Insn[]) => k.bpf(P, 'BPF_PROG_LOAD', { prog_type: 'BPF_PROG_TYPE_SCHED_CLS', insns, license: 'GPL' }).ret;
  const send = () => (k.packets([{ ifindex: eth0, direction: 'ingress', data: FRAME }]).out?.verdicts as Verdict[])[0];
  return { k, eth0, pa, load, send };
}

describe('tail calls through a prog array, on tcx', () => {
  it('the program in the array replaces the caller: its return value is the verdict', () => {
    const { k, eth0, pa, load, send } = setup(4);
    // As in the fixture: the target returns 7 under test run; here it returns TC_ACT_SHOT (2), the caller falls through with TC_ACT_OK (0).
    const target = load(ret(2));
    const caller = load(tailCall(pa, 1, 0));
    expect(k.bpf(P, 'BPF_MAP_UPDATE_ELEM', { map_fd: pa, key: key(1), value: key(target) }).ret).toBe(0);
    expect(k.bpf(P, 'BPF_LINK_CREATE', { prog_fd: caller, target_ifindex: eth0, attach_type: 'BPF_TCX_INGRESS' }).ret).toBeGreaterThan(0);
    const v = send();
    expect(v).toMatchObject({ action: 'drop', code: 2 });
    expect(v.runs).toEqual([{ prog_id: 2, ret: 2, tail_calls: [1] }]);
    // The kernel: a caller whose slot holds a program returning 7 answers 7, an empty slot falls through (retval 2).
    expect(kernelRetval(7)).toBe(7);
    expect(kernelRetval(8)).toBe(2);
    // Emptied slot: the caller falls through.
    expect(k.bpf(P, 'BPF_MAP_DELETE_ELEM', { map_fd: pa, key: key(1) }).ret).toBe(0);
    expect(send()).toMatchObject({ action: 'pass', code: 0, runs: [{ prog_id: 2, ret: 0 }] });
  });

  it('a chain of 34 tail calls stops at MAX_TAIL_CALL_CNT (33): the 33rd target falls through', () => {
    const { k, eth0, pa, load, send } = setup(40);
    // prog i (id i + 1) tail-calls slot i + 1 and falls through with i, as in the fixture's chain.
    const fds = Array.from({ length: 35 }, (_, i) => load(tailCall(pa, i + 1, i)));
    for (let i = 1; i < 35; i++) expect(k.bpf(P, 'BPF_MAP_UPDATE_ELEM', { map_fd: pa, key: key(i), value: key(fds[i]) }).ret).toBe(0);
    expect(k.bpf(P, 'BPF_LINK_CREATE', { prog_fd: fds[0], target_ifindex: eth0, attach_type: 'BPF_TCX_INGRESS' }).ret).toBeGreaterThan(0);
    const v = send();
    // The live kernel's BPF_PROG_TEST_RUN of the chain's head (fd 12 in the fixture) answers 33.
    const retval = kernelRetval(12);
    expect(retval).toBe(33);
    expect(v.runs).toHaveLength(1);
    expect(v.runs[0].ret).toBe(retval);
    expect(v.runs[0].tail_calls).toEqual(Array.from({ length: 33 }, (_, i) => i + 2));
    // And the model's own BPF_PROG_TEST_RUN agrees with the kernel's from each start.
    expect(k.bpf(P, 'BPF_PROG_TEST_RUN', { prog_fd: fds[0], data_in: FRAME }).out?.retval).toBe(retval);
    expect(k.bpf(P, 'BPF_PROG_TEST_RUN', { prog_fd: fds[1], data_in: FRAME }).out?.retval).toBe(kernelRetval(13));
  });

  it('the array keeps a program whose fds are closed, until the array\'s last fd goes', () => {
    const { k, eth0, pa, load, send } = setup(4);
    const target = load(ret(2));
    const caller = load(tailCall(pa, 0, 0));
    k.bpf(P, 'BPF_MAP_UPDATE_ELEM', { map_fd: pa, key: key(0), value: key(target) });
    k.bpf(P, 'BPF_LINK_CREATE', { prog_fd: caller, target_ifindex: eth0, attach_type: 'BPF_TCX_INGRESS' });
    k.close(P, target);
    expect(k.state.progs[1].refs).toBe(1);
    expect(send().runs[0].tail_calls).toEqual([1]);
    // The caller holds the array, but closing its last fd empties it (map_release_uref).
    k.close(P, pa);
    expect(k.state.progs[1]).toBeUndefined();
    expect(k.state.maps[1].refs).toBe(1);
    expect(send()).toMatchObject({ action: 'pass', runs: [{ prog_id: 2, ret: 0 }] });
  });
});

describe('references held by prog arrays', () => {
  for (const name of ['prog-array-elems', 'prog-array-owner', 'prog-array-owner-failed-load', 'prog-array-owner-types', 'prog-array-uref', 'prog-array-tail-calls']) {
    it(`every reference is accounted for after each event of ${name}`, () => {
      let state = initialState(0);
      const bad: string[] = [];
      fixture(name).events.forEach((raw, i) => {
        state = kernelFold(state, assertEvent(raw, i)).state;
        for (const b of checkReferences(state)) bad.push(`event ${i}: ${b}`);
      });
      expect(bad).toEqual([]);
    });
  }

  it('a slot counts as a holder: a program only in an array is alive and held once', () => {
    const { k, pa, load } = setup(4);
    const p = load(ret(0));
    k.bpf(P, 'BPF_MAP_UPDATE_ELEM', { map_fd: pa, key: key(2), value: key(p) });
    k.close(P, p);
    expect(checkReferences(k.state)).toEqual([]);
    // Without the slot's reference the program would be held by nothing.
    const forged = { ...k.state, progs: { ...k.state.progs, 1: { ...k.state.progs[1], refs: 2 } } };
    expect(checkReferences(forged)).toEqual(['prog 1 counts 2 references, held by 1 (prog array 1 slot 2)']);
  });
});
