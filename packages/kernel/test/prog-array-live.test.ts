// Random traces over prog arrays (create, load, insert by fd, delete, lookup, close, dup, fork, pin,
// by-id, next id / key, programs referencing arrays) on the live kernel and on the model: every
// answer alike. The kernel runs with the oracle's settleMs, so that the clearing of an array whose
// last fd or pin went has happened before the next event, as the model folds it. Needs root and a
// Linux >= 6.18 kernel; skipped, with the reason, anywhere else.
import { describe, expect, it } from 'vitest';
import { assertEvent, type Insn } from '@bpfsim/events';
import { initialState } from '@bpfsim/reducer';
import { compareResults, liveKernelUnavailable, runOnKernel } from '@bpfsim/oracle';
import { kernelFold } from '../src/index.ts';

const reason = liveKernelUnavailable();

/** A linear congruential generator: the same seed, the same trace. */
function generator(seed: number) {
  let x = seed;
  const rnd = (n: number) => { x = (x * 1103515245 + 12345) & 0x7fffffff; return (x >>> 8) % n; }; // the low bits cycle fast
  return { rnd, pick: <T>(xs: readonly T[]) => xs[rnd(xs.length)] };
}

const insn = (code: number, dst_reg = 0, src_reg = 0, off = 0, imm = 0): Insn => ({ code, dst_reg, src_reg, off, imm });
const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24].map((b) => b.toString(16).padStart(2, '0')).join('');
const PROG_TYPES = ['BPF_PROG_TYPE_SCHED_CLS', 'BPF_PROG_TYPE_SCHED_CLS', 'BPF_PROG_TYPE_XDP', 'BPF_PROG_TYPE_SOCKET_FILTER'];

function randomTrace(seed: number, length: number): unknown[] {
  const { rnd, pick } = generator(seed);
  const ev: unknown[] = [];
  const pid = () => pick([100, 100, 100, 100, 200, 300]);
  const bpf = (cmd: string, attr: Record<string, unknown>) => ev.push({ kind: 'bpf', pid: pid(), cmd, attr });
  const fd = () => pick([3, 4, 5, 6, 7, 8, 9, 3, 4, 5]);
  const path = () => `/sys/fs/bpf/p${rnd(2)}`;
  // A start that gives the updates something to insert: arrays at fds 3 and 4, programs at 5-8
  // (two SCHED_CLS, an XDP, a SCHED_CLS referencing array 3).
  const cls = (insns: Insn[], prog_type = 'BPF_PROG_TYPE_SCHED_CLS') => ev.push({ kind: 'bpf', pid: 100, cmd: 'BPF_PROG_LOAD', attr: { prog_type, license: 'GPL', insns } });
  for (const n of [2, 4]) ev.push({ kind: 'bpf', pid: 100, cmd: 'BPF_MAP_CREATE', attr: { map_type: 'BPF_MAP_TYPE_PROG_ARRAY', key_size: 4, value_size: 4, max_entries: n } });
  cls([insn(0xb7), insn(0x95)]); cls([insn(0xb7, 0, 0, 0, 2), insn(0x95)]); cls([insn(0xb7), insn(0x95)], 'BPF_PROG_TYPE_XDP');
  cls([insn(0x18, 1, 1, 0, 3), insn(0), insn(0xb7), insn(0x95)]);
  for (let i = 0; i < length; i++) {
    switch (rnd(17)) {
      case 0: case 1: bpf('BPF_MAP_CREATE', { map_type: 'BPF_MAP_TYPE_PROG_ARRAY', key_size: 4, value_size: pick([4, 4, 4, 8]), max_entries: pick([1, 2, 4]) }); break;
      case 2: case 3: bpf('BPF_PROG_LOAD', {
        prog_type: pick(PROG_TYPES), license: 'GPL',
        insns: rnd(3) === 0 ? [insn(0x18, 1, 1, 0, fd()), insn(0), insn(0xb7), insn(0x95)] : [insn(0xb7, 0, 0, 0, rnd(3)), insn(0x95)],
      }); break;
      case 4: case 5: case 6: ev.push({ kind: 'bpf', pid: pick([100, 100, 100, 200]), cmd: 'BPF_MAP_UPDATE_ELEM', attr: { map_fd: pick([3, 3, 4, 4, 9]), key: u32(rnd(5)), value: u32(pick([5, 5, 6, 6, 7, 8, 9])), flags: pick([0, 0, 0, 0, 1]) } }); break;
      case 7: bpf('BPF_MAP_DELETE_ELEM', { map_fd: fd(), key: u32(rnd(5)) }); break;
      case 8: bpf('BPF_MAP_LOOKUP_ELEM', { map_fd: fd(), key: u32(rnd(5)) }); break;
      case 9: ev.push({ kind: 'close', pid: pid(), fd: fd() }); break;
      case 10: bpf('BPF_PROG_GET_NEXT_ID', { start_id: rnd(4) }); break;
      case 11: bpf('BPF_MAP_GET_NEXT_ID', { start_id: rnd(4) }); break;
      case 12: bpf('BPF_MAP_GET_FD_BY_ID', { map_id: 1 + rnd(4) }); break;
      case 13: bpf('BPF_PROG_GET_FD_BY_ID', { prog_id: 1 + rnd(6) }); break;
      case 14: if (rnd(2)) bpf('BPF_OBJ_PIN', { bpf_fd: fd(), pathname: path() }); else ev.push({ kind: 'unlink', pid: pid(), pathname: path() }); break;
      case 15: if (rnd(2)) ev.push({ kind: 'dup', pid: pid(), fd: fd() }); else bpf('BPF_MAP_GET_NEXT_KEY', { map_fd: fd(), key: u32(rnd(5)), next_key: true }); break;
      // No exit events: the oracle's helpers race on exit now and then (packages/fuzz/test/live.test.ts).
      case 16: ev.push({ kind: 'fork', pid: 100, child: pick([200, 300]) }); break;
    }
  }
  ev.push({ kind: 'bpf', pid: 100, cmd: 'BPF_PROG_GET_NEXT_ID', attr: { start_id: 0 } }, { kind: 'bpf', pid: 100, cmd: 'BPF_MAP_GET_NEXT_ID', attr: { start_id: 0 } });
  return ev;
}

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8], LENGTH = 60;

describe('prog arrays on the live kernel', () => {
  it.skipIf(reason !== undefined)(reason ? `random traces (skipped: ${reason})` : 'random traces: every answer as the kernel gives it', async () => {
    let answered = 0, inserted = 0;
    for (const seed of SEEDS) {
      const events = randomTrace(seed, LENGTH);
      const run = await runOnKernel(events, { settleMs: 30 });
      let s = initialState(0);
      const diffs: string[] = [];
      events.forEach((raw, i) => {
        const e = assertEvent(raw, i);
        const r = kernelFold(s, e);
        s = r.state;
        const d = compareResults(run.results[i], r.result);
        if (d && diffs.length === 0) diffs.push(`seed ${seed} event ${i} ${JSON.stringify(e)}: ${d}`);
        if (e.kind === 'bpf' && e.cmd === 'BPF_MAP_UPDATE_ELEM' && run.results[i].ret === 0) inserted++;
        answered++;
      });
      expect(diffs).toEqual([]);
    }
    expect(answered).toBe(SEEDS.length * (LENGTH + 8));
    expect(inserted).toBeGreaterThan(10); // the traces do fill arrays (16 inserts with these seeds)
  }, 120_000);
});
