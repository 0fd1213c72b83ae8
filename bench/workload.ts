// The mixed workload of bench/fold.ts, as events. bench/native/fold_kernel.c issues the same
// syscalls, in the same order, against the live kernel.
import type { Event } from '@bpfsim/events';

const PID = 100;
const I = (code: number, dst_reg = 0, src_reg = 0, off = 0, imm = 0) => ({ code, dst_reg, src_reg, off, imm });
const k = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff].map((b) => b.toString(16).padStart(2, '0')).join('');

/** One cycle: create a hash map, load a program using it, 50 updates, 40 lookups, 5 deletes,
 *  a get_next_key, a prog info, then close both (101 events; fds 3 and 4 are reused every cycle). */
export function cycle(c: number): Event[] {
  const ev: Event[] = [];
  const bpf = (cmd: string, attr: Record<string, unknown>) => ev.push({ kind: 'bpf', pid: PID, cmd, attr } as Event);
  bpf('BPF_MAP_CREATE', { map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 8, max_entries: 1024 });
  bpf('BPF_PROG_LOAD', { prog_type: 'BPF_PROG_TYPE_SCHED_CLS', insns: [I(0x18, 1, 1, 0, 3), I(0), I(0xb7, 0, 0, 0, c & 0xffff), I(0x95)], license: 'GPL' });
  for (let i = 0; i < 50; i++) bpf('BPF_MAP_UPDATE_ELEM', { map_fd: 3, key: k(i * 31), value: k(i) + k(c), flags: 0 });
  for (let i = 0; i < 40; i++) bpf('BPF_MAP_LOOKUP_ELEM', { map_fd: 3, key: k(i * 31) });
  for (let i = 0; i < 5; i++) bpf('BPF_MAP_DELETE_ELEM', { map_fd: 3, key: k(i * 31) });
  bpf('BPF_MAP_GET_NEXT_KEY', { map_fd: 3, next_key: true });
  bpf('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: 4, info_len: 232, info: true });
  ev.push({ kind: 'close', pid: PID, fd: 4 }, { kind: 'close', pid: PID, fd: 3 });
  return ev;
}
export const EVENTS_PER_CYCLE = cycle(0).length;
