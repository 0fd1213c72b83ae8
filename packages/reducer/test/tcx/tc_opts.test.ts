// The control-path cases of tools/testing/selftests/bpf/prog_tests/tc_opts.c (Linux 6.18), as
// bpfsim events: the same calls in the same order, with the same expected values. Pings and
// classic tc (clsact) parts are left out: bpfsim has no datapath traffic and no qdiscs.
import { describe, expect, it } from 'vitest';
import { BPF_F_AFTER, BPF_F_BEFORE, BPF_F_ID, BPF_F_REPLACE, errno } from '@bpfsim/events';
import { LOOPBACK, Sim, TCX_EGRESS, TCX_INGRESS } from './sim.ts';
import { tcxRunOrder } from '../../src/tcx/index.ts';

const { EEXIST, ERANGE, ENOENT, EINVAL, ESTALE, EBUSY, ENOSPC } = errno;
const TARGETS = [['ingress', TCX_INGRESS], ['egress', TCX_EGRESS]] as const;

/** A skeleton: n SCHED_CLS programs loaded (fds and ids), optionally with expected_attach_type. */
function skel(n: number, eat?: number) {
  const sim = new Sim();
  const fd: number[] = [];
  const id: number[] = [];
  for (let i = 0; i < n; i++) { fd.push(sim.load('BPF_PROG_TYPE_SCHED_CLS', eat)); id.push(sim.idOf(fd[i])); }
  return { sim, fd, id };
}

/** test_tc_link__destroy(): every fd the test process holds is closed. */
function destroy(sim: Sim) {
  for (const fd of Object.keys(sim.state.procs[sim.pid].fds).map(Number)) if (fd > 2) sim.close(fd);
}

/** bpf_prog_query_opts() with prog_ids of `cap` entries; the ids as the test reads them (0-padded to cap). */
function ids(sim: Sim, target: number, cap: number, ifindex = LOOPBACK) {
  const q = sim.query(ifindex, target, cap, ['prog_ids']);
  const prog_ids = [...(q.prog_ids ?? [])];
  while (prog_ids.length < cap) prog_ids.push(0);
  return { ret: q.ret, count: q.count, revision: q.revision, prog_ids };
}

describe('tc_opts_basic', () => {
  it('attaches one program per direction and detaches them', () => {
    const { sim, fd: [fd1, fd2], id: [id1, id2] } = skel(2);
    expect(id1).not.toBe(id2);
    expect(sim.count(TCX_INGRESS)).toBe(0);
    expect(sim.count(TCX_EGRESS)).toBe(0);
    expect(sim.attach(fd1, LOOPBACK, TCX_INGRESS)).toBe(0);
    expect(sim.count(TCX_INGRESS)).toBe(1);
    expect(sim.count(TCX_EGRESS)).toBe(0);
    expect(ids(sim, TCX_INGRESS, 2)).toEqual({ ret: 0, count: 1, revision: 2, prog_ids: [id1, 0] });
    expect(sim.attach(fd2, LOOPBACK, TCX_EGRESS)).toBe(0);
    expect(sim.count(TCX_INGRESS)).toBe(1);
    expect(sim.count(TCX_EGRESS)).toBe(1);
    expect(ids(sim, TCX_EGRESS, 2)).toEqual({ ret: 0, count: 1, revision: 2, prog_ids: [id2, 0] });
    expect(tcxRunOrder(sim.state, LOOPBACK, 'ingress')).toEqual([id1]);
    expect(tcxRunOrder(sim.state, LOOPBACK, 'egress')).toEqual([id2]);
    expect(sim.detach(fd2, LOOPBACK, TCX_EGRESS)).toBe(0);
    expect(sim.count(TCX_INGRESS)).toBe(1);
    expect(sim.count(TCX_EGRESS)).toBe(0);
    expect(sim.detach(fd1, LOOPBACK, TCX_INGRESS)).toBe(0);
    expect(sim.count(TCX_INGRESS)).toBe(0);
    expect(sim.count(TCX_EGRESS)).toBe(0);
  });
});

describe.each(TARGETS)('tc_opts (%s)', (_name, target) => {
  it('before', () => {
    const { sim, fd: [fd1, fd2, fd3, fd4], id: [id1, id2, id3, id4] } = skel(4);
    expect(sim.attach(fd1, LOOPBACK, target)).toBe(0);
    expect(sim.count(target)).toBe(1);
    expect(sim.attach(fd2, LOOPBACK, target)).toBe(0);
    expect(sim.count(target)).toBe(2);
    expect(ids(sim, target, 5)).toEqual({ ret: 0, count: 2, revision: 3, prog_ids: [id1, id2, 0, 0, 0] });
    expect(sim.attach(fd3, LOOPBACK, target, { flags: BPF_F_BEFORE, relative_fd: fd2 })).toBe(0);
    expect(ids(sim, target, 5)).toEqual({ ret: 0, count: 3, revision: 4, prog_ids: [id1, id3, id2, 0, 0] });
    expect(sim.attach(fd4, LOOPBACK, target, { flags: BPF_F_BEFORE, relative_id: id1 })).toBe(0);
    expect(sim.count(target)).toBe(4);
    expect(ids(sim, target, 5)).toEqual({ ret: 0, count: 4, revision: 5, prog_ids: [id4, id1, id3, id2, 0] });
    expect(sim.detach(fd4, LOOPBACK, target)).toBe(0);
    expect(sim.count(target)).toBe(3);
    expect(sim.detach(fd3, LOOPBACK, target)).toBe(0);
    expect(sim.count(target)).toBe(2);
    expect(sim.detach(fd2, LOOPBACK, target)).toBe(0);
    expect(sim.count(target)).toBe(1);
    expect(sim.detach(fd1, LOOPBACK, target)).toBe(0);
    expect(sim.count(target)).toBe(0);
  });

  it('after', () => {
    const { sim, fd: [fd1, fd2, fd3, fd4], id: [id1, id2, id3, id4] } = skel(4);
    expect(sim.attach(fd1, LOOPBACK, target)).toBe(0);
    expect(sim.attach(fd2, LOOPBACK, target)).toBe(0);
    expect(ids(sim, target, 5)).toEqual({ ret: 0, count: 2, revision: 3, prog_ids: [id1, id2, 0, 0, 0] });
    expect(sim.attach(fd3, LOOPBACK, target, { flags: BPF_F_AFTER, relative_fd: fd1 })).toBe(0);
    expect(ids(sim, target, 5)).toEqual({ ret: 0, count: 3, revision: 4, prog_ids: [id1, id3, id2, 0, 0] });
    expect(sim.attach(fd4, LOOPBACK, target, { flags: BPF_F_AFTER, relative_id: id2 })).toBe(0);
    expect(ids(sim, target, 5)).toEqual({ ret: 0, count: 4, revision: 5, prog_ids: [id1, id3, id2, id4, 0] });
    expect(sim.detach(fd4, LOOPBACK, target)).toBe(0);
    expect(ids(sim, target, 5)).toEqual({ ret: 0, count: 3, revision: 6, prog_ids: [id1, id3, id2, 0, 0] });
    expect(sim.detach(fd3, LOOPBACK, target)).toBe(0);
    expect(ids(sim, target, 5)).toEqual({ ret: 0, count: 2, revision: 7, prog_ids: [id1, id2, 0, 0, 0] });
    expect(sim.detach(fd2, LOOPBACK, target)).toBe(0);
    expect(ids(sim, target, 5)).toEqual({ ret: 0, count: 1, revision: 8, prog_ids: [id1, 0, 0, 0, 0] });
    expect(sim.detach(fd1, LOOPBACK, target)).toBe(0);
    expect(sim.count(target)).toBe(0);
  });

  it('revision', () => {
    const { sim, fd: [fd1, fd2], id: [id1, id2] } = skel(2);
    expect(sim.attach(fd1, LOOPBACK, target, { expected_revision: 1 })).toBe(0);
    expect(sim.count(target)).toBe(1);
    expect(sim.attach(fd2, LOOPBACK, target, { expected_revision: 1 })).toBe(-ESTALE);
    expect(sim.count(target)).toBe(1);
    expect(sim.attach(fd2, LOOPBACK, target, { expected_revision: 2 })).toBe(0);
    expect(ids(sim, target, 3)).toEqual({ ret: 0, count: 2, revision: 3, prog_ids: [id1, id2, 0] });
    expect(sim.detach(fd2, LOOPBACK, target, { expected_revision: 2 })).toBe(-ESTALE);
    expect(sim.count(target)).toBe(2);
    expect(sim.detach(fd2, LOOPBACK, target, { expected_revision: 3 })).toBe(0);
    expect(sim.count(target)).toBe(1);
    expect(sim.detach(fd1, LOOPBACK, target)).toBe(0);
    expect(sim.count(target)).toBe(0);
  });

  it('chain_classic (without a clsact qdisc)', () => {
    const { sim, fd: [fd1, fd2] } = skel(3);
    expect(sim.attach(fd1, LOOPBACK, target)).toBe(0);
    expect(sim.attach(fd2, LOOPBACK, target)).toBe(0);
    expect(sim.count(target)).toBe(2);
    expect(sim.detach(fd2, LOOPBACK, target)).toBe(0);
    expect(sim.count(target)).toBe(1);
    expect(sim.detach(fd1, LOOPBACK, target)).toBe(0);
    expect(sim.count(target)).toBe(0);
    destroy(sim);
    expect(sim.count(target)).toBe(0);
  });

  it('replace', () => {
    const { sim, fd: [fd1, fd2, fd3], id: [id1, id2, id3] } = skel(3);
    expect(sim.attach(fd1, LOOPBACK, target, { expected_revision: 1 })).toBe(0);
    expect(sim.attach(fd2, LOOPBACK, target, { flags: BPF_F_BEFORE, relative_id: id1, expected_revision: 2 })).toBe(0);
    let detach_fd = fd2;
    const q = sim.query(LOOPBACK, target, 4, ['prog_ids', 'prog_attach_flags']);
    expect(q).toEqual({ ret: 0, count: 2, revision: 3, attach_flags: 0, prog_ids: [id2, id1], prog_attach_flags: [0, 0] });
    expect(sim.attach(fd3, LOOPBACK, target, { flags: BPF_F_REPLACE, replace_prog_fd: fd2, expected_revision: 3 })).toBe(0);
    detach_fd = fd3;
    expect(ids(sim, target, 4)).toEqual({ ret: 0, count: 2, revision: 4, prog_ids: [id3, id1, 0, 0] });
    expect(sim.attach(fd2, LOOPBACK, target, { flags: BPF_F_REPLACE | BPF_F_BEFORE, replace_prog_fd: fd3, relative_fd: fd1, expected_revision: 4 })).toBe(0);
    detach_fd = fd2;
    expect(ids(sim, target, 4)).toEqual({ ret: 0, count: 2, revision: 5, prog_ids: [id2, id1, 0, 0] });
    expect(sim.attach(fd2, LOOPBACK, target, { flags: BPF_F_REPLACE, replace_prog_fd: fd2 })).toBe(-EEXIST);
    expect(sim.count(target)).toBe(2);
    expect(sim.attach(fd3, LOOPBACK, target, { flags: BPF_F_REPLACE | BPF_F_AFTER, replace_prog_fd: fd2, relative_fd: fd1, expected_revision: 5 })).toBe(-ERANGE);
    expect(sim.count(target)).toBe(2);
    expect(sim.attach(fd3, LOOPBACK, target, { flags: BPF_F_BEFORE | BPF_F_AFTER | BPF_F_REPLACE, replace_prog_fd: fd2, relative_fd: fd1, expected_revision: 5 })).toBe(-ERANGE);
    expect(sim.count(target)).toBe(2);
    expect(sim.detach(detach_fd, LOOPBACK, target, { flags: BPF_F_BEFORE, relative_id: id1, expected_revision: 5 })).toBe(0);
    expect(sim.count(target)).toBe(1);
    expect(sim.detach(fd1, LOOPBACK, target)).toBe(0);
    expect(sim.count(target)).toBe(0);
  });

  it('invalid', () => {
    const { sim, fd: [fd1, fd2], id: [, id2] } = skel(2);
    const at = (o: Parameters<Sim['attach']>[3]) => sim.attach(fd1, LOOPBACK, target, o);
    expect(at({ flags: BPF_F_BEFORE | BPF_F_AFTER })).toBe(-ERANGE);
    expect(at({ flags: BPF_F_BEFORE | BPF_F_ID })).toBe(-ENOENT);
    expect(at({ flags: BPF_F_AFTER | BPF_F_ID })).toBe(-ENOENT);
    expect(at({ relative_fd: fd2 })).toBe(-EINVAL);
    expect(at({ flags: BPF_F_BEFORE | BPF_F_AFTER, relative_fd: fd2 })).toBe(-ENOENT);
    expect(at({ flags: BPF_F_ID, relative_id: id2 })).toBe(-EINVAL);
    expect(at({ flags: BPF_F_BEFORE, relative_fd: fd1 })).toBe(-ENOENT);
    expect(at({ flags: BPF_F_AFTER, relative_fd: fd1 })).toBe(-ENOENT);
    expect(sim.count(target)).toBe(0);
    expect(at({})).toBe(0);
    expect(sim.count(target)).toBe(1);
    expect(at({})).toBe(-EEXIST);
    expect(at({ flags: BPF_F_BEFORE, relative_fd: fd1 })).toBe(-EEXIST);
    expect(at({ flags: BPF_F_AFTER, relative_fd: fd1 })).toBe(-EEXIST);
    expect(at({ flags: BPF_F_REPLACE, relative_fd: fd1 })).toBe(-EINVAL);
    expect(at({ flags: BPF_F_REPLACE, replace_prog_fd: fd1 })).toBe(-EEXIST);
    expect(sim.count(target)).toBe(1);
    expect(sim.detach(fd1, LOOPBACK, target)).toBe(0);
    expect(sim.count(target)).toBe(0);
  });

  it('prepend', () => {
    const { sim, fd: [fd1, fd2, fd3, fd4], id: [id1, id2, id3, id4] } = skel(4);
    expect(sim.attach(fd1, LOOPBACK, target)).toBe(0);
    expect(sim.attach(fd2, LOOPBACK, target, { flags: BPF_F_BEFORE })).toBe(0);
    expect(ids(sim, target, 5)).toEqual({ ret: 0, count: 2, revision: 3, prog_ids: [id2, id1, 0, 0, 0] });
    expect(sim.attach(fd3, LOOPBACK, target, { flags: BPF_F_BEFORE })).toBe(0);
    expect(sim.attach(fd4, LOOPBACK, target, { flags: BPF_F_BEFORE })).toBe(0);
    expect(ids(sim, target, 5)).toEqual({ ret: 0, count: 4, revision: 5, prog_ids: [id4, id3, id2, id1, 0] });
    for (const [fd, left] of [[fd4, 3], [fd3, 2], [fd2, 1], [fd1, 0]]) {
      expect(sim.detach(fd, LOOPBACK, target)).toBe(0);
      expect(sim.count(target)).toBe(left);
    }
  });

  it('append', () => {
    const { sim, fd: [fd1, fd2, fd3, fd4], id: [id1, id2, id3, id4] } = skel(4);
    expect(sim.attach(fd1, LOOPBACK, target)).toBe(0);
    expect(sim.attach(fd2, LOOPBACK, target, { flags: BPF_F_AFTER })).toBe(0);
    expect(ids(sim, target, 5)).toEqual({ ret: 0, count: 2, revision: 3, prog_ids: [id1, id2, 0, 0, 0] });
    expect(sim.attach(fd3, LOOPBACK, target, { flags: BPF_F_AFTER })).toBe(0);
    expect(sim.attach(fd4, LOOPBACK, target, { flags: BPF_F_AFTER })).toBe(0);
    expect(ids(sim, target, 5)).toEqual({ ret: 0, count: 4, revision: 5, prog_ids: [id1, id2, id3, id4, 0] });
    for (const [fd, left] of [[fd4, 3], [fd3, 2], [fd2, 1], [fd1, 0]]) {
      expect(sim.detach(fd, LOOPBACK, target)).toBe(0);
      expect(sim.count(target)).toBe(left);
    }
  });

  it('dev_cleanup', () => {
    const { sim, fd } = skel(4);
    const ifindex = sim.netdevAdd('tcx_opts1', 'tcx_opts2');
    expect(ifindex).toBeGreaterThan(0);
    expect(sim.count(target, ifindex)).toBe(0);
    fd.forEach((f, i) => {
      expect(sim.attach(f, ifindex, target)).toBe(0);
      expect(sim.count(target, ifindex)).toBe(i + 1);
    });
    const refsBefore = fd.map((f) => sim.state.progs[sim.idOf(f)].refs);
    expect(sim.netdevDel('tcx_opts1')).toBe(0);
    // Both devices are gone, and with them the attach references.
    expect(sim.state.netdevs[ifindex]).toBeUndefined();
    expect(Object.values(sim.state.netdevs).map((d) => d.name)).not.toContain('tcx_opts2');
    expect(fd.map((f) => sim.state.progs[sim.idOf(f)].refs)).toEqual(refsBefore.map((r) => r - 1));
    expect(sim.query(ifindex, target).ret).toBe(-errno.ENODEV);
  });

  it('mixed', () => {
    const { sim, fd: [f1, f2, f3, f4], id: [pid1, pid2, pid3, pid4] } = skel(4, target);
    expect(sim.attach(f1, LOOPBACK, target)).toBe(0);
    let detach_fd = f1;
    const l2 = sim.linkCreate(f2, LOOPBACK, target);
    expect(l2).toBeGreaterThan(0);
    const lid2 = sim.idOf(l2);
    expect(sim.count(target)).toBe(2);
    expect(sim.attach(f2, LOOPBACK, target, { flags: BPF_F_REPLACE, replace_prog_fd: f1 })).toBe(-EEXIST);
    expect(sim.attach(f1, LOOPBACK, target, { flags: BPF_F_REPLACE, replace_prog_fd: f2 })).toBe(-EEXIST);
    expect(sim.attach(f3, LOOPBACK, target, { flags: BPF_F_REPLACE, replace_prog_fd: f2 })).toBe(-EBUSY);
    expect(sim.count(target)).toBe(2);
    expect(sim.attach(f3, LOOPBACK, target, { flags: BPF_F_REPLACE, replace_prog_fd: f1 })).toBe(0);
    detach_fd = f3;
    expect(sim.count(target)).toBe(2);
    const l4 = sim.linkCreate(f4, LOOPBACK, target);
    const lid4 = sim.idOf(l4);
    expect(sim.count(target)).toBe(3);
    expect(sim.attach(f2, LOOPBACK, target, { flags: BPF_F_REPLACE, replace_prog_fd: f4 })).toBe(-EEXIST);
    const q = sim.query(LOOPBACK, target, 4, ['prog_ids', 'prog_attach_flags', 'link_ids', 'link_attach_flags']);
    expect(q).toEqual({
      ret: 0, count: 3, revision: 5, attach_flags: 0,
      prog_ids: [pid3, pid2, pid4], prog_attach_flags: [0, 0, 0], link_ids: [0, lid2, lid4], link_attach_flags: [0, 0, 0],
    });
    expect(pid1).not.toBe(pid3);
    expect(sim.detach(detach_fd, LOOPBACK, target)).toBe(0);
    expect(sim.count(target)).toBe(2);
    destroy(sim);
    expect(sim.count(target)).toBe(0);
  });

  it('demixed', () => {
    const { sim, fd: [f1, f2] } = skel(2, target);
    expect(sim.attach(f1, LOOPBACK, target)).toBe(0);
    expect(sim.linkCreate(f2, LOOPBACK, target)).toBeGreaterThan(0);
    expect(sim.count(target)).toBe(2);
    expect(sim.detach(0, LOOPBACK, target, { flags: BPF_F_AFTER })).toBe(-EBUSY);
    expect(sim.count(target)).toBe(2);
    expect(sim.detach(0, LOOPBACK, target, { flags: BPF_F_BEFORE })).toBe(0);
    expect(sim.count(target)).toBe(1);
    destroy(sim);
    expect(sim.count(target)).toBe(0);
  });

  it('detach', () => {
    const { sim, fd: [fd1, fd2, fd3, fd4], id: [id1, id2, id3, id4] } = skel(4);
    for (const f of [fd1, fd2, fd3, fd4]) expect(sim.attach(f, LOOPBACK, target)).toBe(0);
    expect(ids(sim, target, 5)).toEqual({ ret: 0, count: 4, revision: 5, prog_ids: [id1, id2, id3, id4, 0] });
    expect(sim.detach(0, LOOPBACK, target, { flags: BPF_F_BEFORE })).toBe(0);
    expect(ids(sim, target, 5)).toEqual({ ret: 0, count: 3, revision: 6, prog_ids: [id2, id3, id4, 0, 0] });
    expect(sim.detach(0, LOOPBACK, target, { flags: BPF_F_AFTER })).toBe(0);
    expect(ids(sim, target, 5)).toEqual({ ret: 0, count: 2, revision: 7, prog_ids: [id2, id3, 0, 0, 0] });
    expect(sim.detach(fd3, LOOPBACK, target)).toBe(0);
    expect(sim.count(target)).toBe(1);
    expect(sim.detach(fd2, LOOPBACK, target)).toBe(0);
    expect(sim.count(target)).toBe(0);
    expect(sim.detach(0, LOOPBACK, target, { flags: BPF_F_BEFORE })).toBe(-ENOENT);
    expect(sim.detach(0, LOOPBACK, target, { flags: BPF_F_AFTER })).toBe(-ENOENT);
  });

  it('detach_before', () => {
    const { sim, fd: [fd1, fd2, fd3, fd4], id: [id1, id2, id3, id4] } = skel(4);
    for (const f of [fd1, fd2, fd3, fd4]) expect(sim.attach(f, LOOPBACK, target)).toBe(0);
    expect(ids(sim, target, 5)).toEqual({ ret: 0, count: 4, revision: 5, prog_ids: [id1, id2, id3, id4, 0] });
    expect(sim.detach(fd1, LOOPBACK, target, { flags: BPF_F_BEFORE, relative_fd: fd2 })).toBe(0);
    expect(ids(sim, target, 5)).toEqual({ ret: 0, count: 3, revision: 6, prog_ids: [id2, id3, id4, 0, 0] });
    expect(sim.detach(fd1, LOOPBACK, target, { flags: BPF_F_BEFORE, relative_fd: fd2 })).toBe(-ENOENT);
    expect(sim.detach(fd2, LOOPBACK, target, { flags: BPF_F_BEFORE, relative_fd: fd4 })).toBe(-ERANGE);
    expect(sim.detach(fd2, LOOPBACK, target, { flags: BPF_F_BEFORE, relative_fd: fd1 })).toBe(-ENOENT);
    expect(sim.count(target)).toBe(3);
    expect(sim.detach(fd2, LOOPBACK, target, { flags: BPF_F_BEFORE, relative_fd: fd3 })).toBe(0);
    expect(ids(sim, target, 5)).toEqual({ ret: 0, count: 2, revision: 7, prog_ids: [id3, id4, 0, 0, 0] });
    expect(sim.detach(0, LOOPBACK, target, { flags: BPF_F_BEFORE, relative_fd: fd4 })).toBe(0);
    expect(ids(sim, target, 5)).toEqual({ ret: 0, count: 1, revision: 8, prog_ids: [id4, 0, 0, 0, 0] });
    expect(sim.detach(0, LOOPBACK, target, { flags: BPF_F_BEFORE })).toBe(0);
    expect(sim.count(target)).toBe(0);
  });

  it('detach_after', () => {
    const { sim, fd: [fd1, fd2, fd3, fd4], id: [id1, id2, id3, id4] } = skel(4);
    for (const f of [fd1, fd2, fd3, fd4]) expect(sim.attach(f, LOOPBACK, target)).toBe(0);
    expect(sim.detach(fd2, LOOPBACK, target, { flags: BPF_F_AFTER, relative_fd: fd1 })).toBe(0);
    expect(ids(sim, target, 5)).toEqual({ ret: 0, count: 3, revision: 6, prog_ids: [id1, id3, id4, 0, 0] });
    expect(sim.detach(fd2, LOOPBACK, target, { flags: BPF_F_AFTER, relative_fd: fd1 })).toBe(-ENOENT);
    expect(sim.detach(fd1, LOOPBACK, target, { flags: BPF_F_AFTER, relative_fd: fd4 })).toBe(-ERANGE);
    expect(sim.detach(fd1, LOOPBACK, target, { flags: BPF_F_AFTER, relative_fd: fd3 })).toBe(-ERANGE);
    expect(sim.detach(fd1, LOOPBACK, target, { flags: BPF_F_AFTER, relative_fd: fd1 })).toBe(-ERANGE);
    expect(sim.count(target)).toBe(3);
    expect(sim.detach(fd3, LOOPBACK, target, { flags: BPF_F_AFTER, relative_fd: fd1 })).toBe(0);
    expect(ids(sim, target, 5)).toEqual({ ret: 0, count: 2, revision: 7, prog_ids: [id1, id4, 0, 0, 0] });
    expect(sim.detach(0, LOOPBACK, target, { flags: BPF_F_AFTER, relative_fd: fd1 })).toBe(0);
    expect(ids(sim, target, 5)).toEqual({ ret: 0, count: 1, revision: 8, prog_ids: [id1, 0, 0, 0, 0] });
    expect(sim.detach(0, LOOPBACK, target, { flags: BPF_F_AFTER })).toBe(0);
    expect(sim.count(target)).toBe(0);
  });

  it('delete_empty', () => {
    const sim = new Sim();
    expect(sim.count(target)).toBe(0);
    expect(sim.detach(0, LOOPBACK, target)).toBe(-ENOENT);
    expect(sim.count(target)).toBe(0);
  });

  it('chain_mixed (the tcx part)', () => {
    const { sim, fd: [fd1, , fd3] } = skel(3);
    expect(sim.attach(fd3, LOOPBACK, target)).toBe(0);
    expect(sim.count(target)).toBe(1);
    expect(sim.attach(fd1, LOOPBACK, target, { flags: BPF_F_REPLACE, replace_prog_fd: fd3 })).toBe(0);
    expect(sim.count(target)).toBe(1);
    expect(sim.detach(fd1, LOOPBACK, target)).toBe(0);
    expect(sim.count(target)).toBe(0);
  });

  it('query', () => {
    const { sim, fd: [fd1, fd2, fd3, fd4], id: [id1, id2, id3, id4] } = skel(4);
    [fd1, fd2, fd3, fd4].forEach((f, i) => expect(sim.attach(f, LOOPBACK, target, { expected_revision: i + 1 })).toBe(0));
    // Test 1/2: without and with prog_ids.
    expect(sim.query(LOOPBACK, target, 0, [])).toEqual({ ret: 0, count: 4, revision: 5, attach_flags: 0 });
    expect(sim.query(LOOPBACK, target, 10, ['prog_ids'])).toEqual({ ret: 0, count: 4, revision: 5, attach_flags: 0, prog_ids: [id1, id2, id3, id4] });
    // Test 3: a smaller prog_ids array gets what fits, the full count, and -ENOSPC.
    expect(sim.query(LOOPBACK, target, 2, ['prog_ids'])).toEqual({ ret: -ENOSPC, count: 4, revision: 5, attach_flags: 0, prog_ids: [id1, id2] });
    // Test 5: count > 0 without prog_ids.
    expect(sim.query(LOOPBACK, target, 40, [])).toEqual({ ret: 0, count: 4, revision: 5, attach_flags: 0 });
    // Test 6: prog_ids with count 0.
    expect(sim.query(LOOPBACK, target, 0, ['prog_ids'])).toEqual({ ret: 0, count: 4, revision: 5, attach_flags: 0, prog_ids: [] });
    // Test 7: invalid query_flags.
    expect(sim.bpf('BPF_PROG_QUERY', { target_ifindex: LOOPBACK, attach_type: target, query_flags: 1 }).ret).toBe(-EINVAL);
    for (const [f, left] of [[fd4, 3], [fd3, 2], [fd2, 1], [fd1, 0]]) {
      expect(sim.detach(f, LOOPBACK, target)).toBe(0);
      expect(sim.count(target)).toBe(left);
    }
  });

  it('query_attach', () => {
    const { sim, fd: [fd1], id: [id1] } = skel(1);
    const q0 = sim.query(LOOPBACK, target);
    expect(q0).toEqual({ ret: 0, count: 0, revision: 1, attach_flags: 0 });
    expect(sim.attach(fd1, LOOPBACK, target, { expected_revision: q0.revision })).toBe(0);
    expect(ids(sim, target, 2)).toEqual({ ret: 0, count: 1, revision: 2, prog_ids: [id1, 0] });
    expect(sim.detach(fd1, LOOPBACK, target)).toBe(0);
    expect(sim.count(target)).toBe(0);
  });
});

describe('tc_opts_max', () => {
  const cases = [
    [TCX_INGRESS, 0, false], [TCX_EGRESS, 0, false],
    [TCX_INGRESS, BPF_F_BEFORE, false], [TCX_EGRESS, BPF_F_BEFORE, true],
    [TCX_INGRESS, BPF_F_AFTER, true], [TCX_EGRESS, BPF_F_AFTER, false],
  ] as const;
  it.each(cases)('target %i flags %i relative %s: the 64th program is -ERANGE', (target, flags, relative) => {
    const sim = new Sim();
    const ifindex = sim.netdevAdd('tcx_opts1', 'tcx_opts2');
    expect(sim.count(target, ifindex)).toBe(0);
    let last = -1;
    for (let i = 0; i < 63; i++) {
      const fd = sim.load();
      expect(sim.attach(fd, ifindex, target)).toBe(0);
      expect(sim.count(target, ifindex)).toBe(i + 1);
      if (i === 62 && relative) last = fd;
      else sim.close(fd);
    }
    const fd = sim.load();
    expect(sim.attach(fd, ifindex, target, { flags, relative_fd: last > 0 ? last : undefined })).toBe(-ERANGE);
    expect(sim.count(target, ifindex)).toBe(63);
    sim.close(fd);
    if (last > 0) sim.close(last);
    expect(sim.netdevDel('tcx_opts1')).toBe(0);
    // Every program lost its last reference with the device.
    expect(Object.keys(sim.state.progs)).toEqual([]);
  });

  it('links count against the limit too', () => {
    const { sim, fd } = skel(64, TCX_INGRESS);
    for (let i = 0; i < 63; i++) expect(sim.linkCreate(fd[i], LOOPBACK, TCX_INGRESS)).toBeGreaterThan(0);
    expect(sim.linkCreate(fd[63], LOOPBACK, TCX_INGRESS)).toBe(-ERANGE);
    expect(sim.count(TCX_INGRESS)).toBe(63);
  });
});
