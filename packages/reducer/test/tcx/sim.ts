// A small driver for tcx scenarios: events folded one by one, with the kernel's names for the
// calls the selftests make through libbpf (bpf_prog_attach_opts() and friends).
import {
  BPF_F_ID, bpf_attach_type, type BpfEventOf, type Event, type Insn, type ModelledCmd, type Result,
} from '@bpfsim/events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, expect } from 'vitest';
import { fold, initialState, type KernelState } from '../../src/index.ts';

// With BPFSIM_TCX_EXPORT=DIR, every Sim a test made is written to DIR as an oracle scenario
// ({ name, events }) after the test, so that the same calls can be recorded on the live kernel
// (see README.md). A Sim made with record: false is not exported.
const EXPORT_DIR = process.env.BPFSIM_TCX_EXPORT;
const made: Sim[] = [];
if (EXPORT_DIR) {
  afterEach(() => {
    const { currentTestName, testPath } = expect.getState();
    const base = `${basename(testPath ?? 'tcx', '.test.ts')}--${currentTestName ?? 'test'}`.replace(/[^A-Za-z0-9._-]+/g, '_');
    mkdirSync(EXPORT_DIR, { recursive: true });
    made.forEach((sim, i) => {
      const name = made.length > 1 ? `${base}-${i + 1}` : base;
      writeFileSync(join(EXPORT_DIR, `${name}.json`), JSON.stringify({ name, events: sim.log.map((l) => l.event) }) + '\n');
    });
    made.length = 0;
  });
}

export const TCX_INGRESS = bpf_attach_type.BPF_TCX_INGRESS;
export const TCX_EGRESS = bpf_attach_type.BPF_TCX_EGRESS;
export const LOOPBACK = 1;

/** r0 = TCX_NEXT; exit */
export const TCX_NEXT_PROG: readonly Insn[] = [
  { code: 0xb7, dst_reg: 0, src_reg: 0, off: 0, imm: -1 },
  { code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0 },
];

export interface Opts {
  flags?: number;
  relative_fd?: number;
  relative_id?: number;
  expected_revision?: number;
  replace_prog_fd?: number;
}

export interface Query { ret: number; count: number; revision: number; prog_ids?: number[]; link_ids?: number[]; prog_attach_flags?: number[]; link_attach_flags?: number[] }

export class Sim {
  state: KernelState;
  readonly log: { event: Event; result: Result }[] = [];
  constructor(public pid = 1, opts: { record?: boolean } = {}) {
    this.state = initialState(0);
    if (EXPORT_DIR && opts.record !== false) made.push(this);
  }

  step(e: Event): Result {
    const { state, result } = fold(this.state, e);
    this.state = state;
    this.log.push({ event: e, result });
    return result;
  }

  bpf<C extends ModelledCmd>(cmd: C, attr: BpfEventOf<C>['attr'], pid = this.pid): Result {
    return this.step({ kind: 'bpf', pid, cmd, attr } as unknown as Event);
  }

  /** BPF_PROG_LOAD of a SCHED_CLS program (or another type); returns the fd. */
  load(prog_type: number | string = 'BPF_PROG_TYPE_SCHED_CLS', expected_attach_type?: number, pid = this.pid): number {
    const r = this.bpf('BPF_PROG_LOAD', { prog_type: prog_type as never, insns: TCX_NEXT_PROG, license: 'GPL', ...(expected_attach_type === undefined ? {} : { expected_attach_type }) }, pid);
    if (r.ret < 0) throw new Error(`prog load failed: ${r.ret}`);
    return r.ret;
  }

  /** The id of the object behind fd (prog or link). */
  idOf(fd: number, pid = this.pid): number {
    const e = this.state.procs[pid].fds[fd];
    if (!e) throw new Error(`fd ${fd} not open`);
    return e.id;
  }

  /** libbpf's bpf_prog_attach_opts(): relative_id sets BPF_F_ID. */
  attach(fd: number, ifindex: number, type: number, o: Opts = {}, pid = this.pid): number {
    let flags = o.flags ?? 0;
    const attr: Record<string, number> = { target_ifindex: ifindex, attach_bpf_fd: fd, attach_type: type };
    if (o.relative_id) { attr.relative_id = o.relative_id; flags |= BPF_F_ID; } else if (o.relative_fd) attr.relative_fd = o.relative_fd;
    if (o.replace_prog_fd) attr.replace_bpf_fd = o.replace_prog_fd;
    if (o.expected_revision) attr.expected_revision = o.expected_revision;
    attr.attach_flags = flags >>> 0;
    return this.bpf('BPF_PROG_ATTACH', attr as never, pid).ret;
  }

  /** libbpf's bpf_prog_detach_opts(). */
  detach(fd: number, ifindex: number, type: number, o: Opts = {}, pid = this.pid): number {
    let flags = o.flags ?? 0;
    const attr: Record<string, number> = { target_ifindex: ifindex, attach_bpf_fd: fd, attach_type: type };
    if (o.relative_id) { attr.relative_id = o.relative_id; flags |= BPF_F_ID; } else if (o.relative_fd) attr.relative_fd = o.relative_fd;
    if (o.expected_revision) attr.expected_revision = o.expected_revision;
    attr.attach_flags = flags >>> 0;
    return this.bpf('BPF_PROG_DETACH', attr as never, pid).ret;
  }

  /** libbpf's bpf_link_create() for tcx (bpf_program__attach_tcx()): returns the fd or -errno. */
  linkCreate(fd: number, ifindex: number, type: number, o: Opts = {}, pid = this.pid): number {
    let flags = o.flags ?? 0;
    const tcx: Record<string, number> = {};
    if (o.relative_id) { tcx.relative_id = o.relative_id; flags |= BPF_F_ID; } else if (o.relative_fd) tcx.relative_fd = o.relative_fd;
    if (o.expected_revision) tcx.expected_revision = o.expected_revision;
    return this.bpf('BPF_LINK_CREATE', { prog_fd: fd, target_ifindex: ifindex, attach_type: type, flags: flags >>> 0, tcx } as never, pid).ret;
  }

  /** bpf_link_update(); with old_prog_fd, BPF_F_REPLACE. */
  linkUpdate(linkFd: number, newFd: number, oldFd?: number, pid = this.pid): number {
    return this.bpf('BPF_LINK_UPDATE', oldFd === undefined ? { link_fd: linkFd, new_prog_fd: newFd } : { link_fd: linkFd, new_prog_fd: newFd, flags: 4, old_prog_fd: oldFd }, pid).ret;
  }

  linkDetach(linkFd: number, pid = this.pid): number {
    return this.bpf('BPF_LINK_DETACH', { link_fd: linkFd }, pid).ret;
  }

  close(fd: number, pid = this.pid): number { return this.step({ kind: 'close', pid, fd }).ret; }

  /** BPF_PROG_QUERY with buffers of `cap` entries for the named arrays (none: count only). */
  query(ifindex: number, type: number, cap = 0, arrays: ('prog_ids' | 'link_ids' | 'prog_attach_flags' | 'link_attach_flags')[] = cap ? ['prog_ids', 'link_ids'] : [], pid = this.pid): Query {
    const attr: Record<string, unknown> = { target_ifindex: ifindex, attach_type: type, count: cap };
    for (const a of arrays) attr[a] = true;
    const r = this.bpf('BPF_PROG_QUERY', attr as never, pid);
    return { ret: r.ret, ...(r.out as object) } as Query;
  }

  /** The number of programs attached, as assert_mprog_count() reads it (and checks it succeeds). */
  count(type: number, ifindex = LOOPBACK): number {
    const q = this.query(ifindex, type);
    if (q.ret !== 0) throw new Error(`query failed: ${q.ret}`);
    return q.count;
  }

  linkInfo(fd: number, pid = this.pid): Record<string, number> {
    const r = this.bpf('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: fd, info_len: 64, info: true }, pid);
    if (r.ret !== 0) throw new Error(`info failed: ${r.ret}`);
    return (r.out as { info: Record<string, number> }).info;
  }

  netdevAdd(name: string, peer: string): number { return this.step({ kind: 'netdev_add', name, peer }).ret; }
  netdevDel(name: string): number { return this.step({ kind: 'netdev_del', name }).ret; }
}
