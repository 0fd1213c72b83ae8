// The control-path cases of tools/testing/selftests/bpf/prog_tests/tc_links.c (Linux 6.18), as
// bpfsim events. Where the selftest only asserts that a link_create fails, the errno pinned here
// is the live kernel's (the same calls made raw with bpf(2) on Linux 6.18).
import { describe, expect, it } from 'vitest';
import { BPF_F_AFTER, BPF_F_BEFORE, BPF_F_ID, BPF_F_LINK, BPF_F_REPLACE, errno } from '@bpfsim/events';
import { LOOPBACK, Sim, TCX_EGRESS, TCX_INGRESS } from './sim.ts';
import { tcxRunOrder } from '../../src/tcx/index.ts';

const { ERANGE, ENOENT, EINVAL, ESTALE, EEXIST, ENODEV } = errno;
const TARGETS = [['ingress', TCX_INGRESS], ['egress', TCX_EGRESS]] as const;

function skel(n: number, eat?: number) {
  const sim = new Sim();
  const fd: number[] = [];
  const id: number[] = [];
  for (let i = 0; i < n; i++) { fd.push(sim.load('BPF_PROG_TYPE_SCHED_CLS', eat)); id.push(sim.idOf(fd[i])); }
  return { sim, fd, id };
}

function destroy(sim: Sim) {
  for (const fd of Object.keys(sim.state.procs[sim.pid].fds).map(Number)) if (fd > 2) sim.close(fd);
}

/** The query the tests make: prog_ids and link_ids of `cap` entries, 0-padded as the test reads them. */
function q(sim: Sim, target: number, cap: number) {
  const r = sim.query(LOOPBACK, target, cap, ['prog_ids', 'link_ids']);
  const pad = (a: number[] | undefined) => { const x = [...(a ?? [])]; while (x.length < cap) x.push(0); return x; };
  return { ret: r.ret, count: r.count, revision: r.revision, prog_ids: pad(r.prog_ids), link_ids: pad(r.link_ids) };
}

describe('tc_links_basic', () => {
  it('one link per direction', () => {
    const { sim, fd: [f1, f2], id: [pid1, pid2] } = skel(2);
    expect(sim.count(TCX_INGRESS)).toBe(0);
    expect(sim.count(TCX_EGRESS)).toBe(0);
    const l1 = sim.linkCreate(f1, LOOPBACK, TCX_INGRESS);
    expect(l1).toBeGreaterThan(0);
    const lid1 = sim.idOf(l1);
    expect(sim.count(TCX_INGRESS)).toBe(1);
    expect(sim.count(TCX_EGRESS)).toBe(0);
    expect(q(sim, TCX_INGRESS, 2)).toEqual({ ret: 0, count: 1, revision: 2, prog_ids: [pid1, 0], link_ids: [lid1, 0] });
    const l2 = sim.linkCreate(f2, LOOPBACK, TCX_EGRESS);
    const lid2 = sim.idOf(l2);
    expect(lid1).not.toBe(lid2);
    expect(sim.count(TCX_INGRESS)).toBe(1);
    expect(sim.count(TCX_EGRESS)).toBe(1);
    expect(q(sim, TCX_EGRESS, 2)).toEqual({ ret: 0, count: 1, revision: 2, prog_ids: [pid2, 0], link_ids: [lid2, 0] });
    destroy(sim);
    expect(sim.count(TCX_INGRESS)).toBe(0);
    expect(sim.count(TCX_EGRESS)).toBe(0);
  });
});

describe.each(TARGETS)('tc_links (%s)', (_name, target) => {
  it('before', () => {
    const { sim, fd: [f1, f2, f3, f4], id: [pid1, pid2, pid3, pid4] } = skel(4, target);
    const l1 = sim.linkCreate(f1, LOOPBACK, target); const lid1 = sim.idOf(l1);
    expect(sim.count(target)).toBe(1);
    const l2 = sim.linkCreate(f2, LOOPBACK, target); const lid2 = sim.idOf(l2);
    expect(q(sim, target, 5)).toEqual({ ret: 0, count: 2, revision: 3, prog_ids: [pid1, pid2, 0, 0, 0], link_ids: [lid1, lid2, 0, 0, 0] });
    const l3 = sim.linkCreate(f3, LOOPBACK, target, { flags: BPF_F_BEFORE, relative_fd: f2 }); const lid3 = sim.idOf(l3);
    const l4 = sim.linkCreate(f4, LOOPBACK, target, { flags: BPF_F_BEFORE | BPF_F_LINK, relative_id: lid1 }); const lid4 = sim.idOf(l4);
    expect(sim.count(target)).toBe(4);
    expect(q(sim, target, 5)).toEqual({ ret: 0, count: 4, revision: 5, prog_ids: [pid4, pid1, pid3, pid2, 0], link_ids: [lid4, lid1, lid3, lid2, 0] });
    expect(tcxRunOrder(sim.state, LOOPBACK, target === TCX_INGRESS ? 'ingress' : 'egress')).toEqual([pid4, pid1, pid3, pid2]);
    destroy(sim);
    expect(sim.count(target)).toBe(0);
  });

  it('after', () => {
    const { sim, fd: [f1, f2, f3, f4], id: [pid1, pid2, pid3, pid4] } = skel(4, target);
    const lid1 = sim.idOf(sim.linkCreate(f1, LOOPBACK, target));
    const l2 = sim.linkCreate(f2, LOOPBACK, target); const lid2 = sim.idOf(l2);
    expect(q(sim, target, 5)).toEqual({ ret: 0, count: 2, revision: 3, prog_ids: [pid1, pid2, 0, 0, 0], link_ids: [lid1, lid2, 0, 0, 0] });
    const lid3 = sim.idOf(sim.linkCreate(f3, LOOPBACK, target, { flags: BPF_F_AFTER, relative_fd: f1 }));
    const lid4 = sim.idOf(sim.linkCreate(f4, LOOPBACK, target, { flags: BPF_F_AFTER | BPF_F_LINK, relative_fd: l2 }));
    expect(q(sim, target, 5)).toEqual({ ret: 0, count: 4, revision: 5, prog_ids: [pid1, pid3, pid2, pid4, 0], link_ids: [lid1, lid3, lid2, lid4, 0] });
    destroy(sim);
    expect(sim.count(target)).toBe(0);
  });

  it('revision', () => {
    const { sim, fd: [f1, f2], id: [pid1, pid2] } = skel(2, target);
    const lid1 = sim.idOf(sim.linkCreate(f1, LOOPBACK, target, { expected_revision: 1 }));
    expect(sim.count(target)).toBe(1);
    expect(sim.linkCreate(f2, LOOPBACK, target, { expected_revision: 1 })).toBe(-ESTALE);
    expect(sim.count(target)).toBe(1);
    const lid2 = sim.idOf(sim.linkCreate(f2, LOOPBACK, target, { expected_revision: 2 }));
    expect(q(sim, target, 3)).toEqual({ ret: 0, count: 2, revision: 3, prog_ids: [pid1, pid2, 0], link_ids: [lid1, lid2, 0] });
    destroy(sim);
    expect(sim.count(target)).toBe(0);
  });

  it('chain_classic (without a clsact qdisc)', () => {
    const { sim, fd: [f1, f2] } = skel(3, target);
    const l1 = sim.linkCreate(f1, LOOPBACK, target);
    const l2 = sim.linkCreate(f2, LOOPBACK, target);
    expect(l1).toBeGreaterThan(0);
    expect(sim.count(target)).toBe(2);
    expect(sim.linkDetach(l2)).toBe(0);
    expect(sim.count(target)).toBe(1);
    destroy(sim);
    expect(sim.count(target)).toBe(0);
  });

  it('replace', () => {
    const { sim, fd: [f1, f2, f3], id: [pid1, pid2, pid3] } = skel(3, target);
    const l1 = sim.linkCreate(f1, LOOPBACK, target, { expected_revision: 1 }); const lid1 = sim.idOf(l1);
    const l2 = sim.linkCreate(f2, LOOPBACK, target, { flags: BPF_F_BEFORE, relative_id: pid1, expected_revision: 2 }); const lid2 = sim.idOf(l2);
    expect(q(sim, target, 4)).toEqual({ ret: 0, count: 2, revision: 3, prog_ids: [pid2, pid1, 0, 0], link_ids: [lid2, lid1, 0, 0] });
    // A new link cannot take over another's slot.
    expect(sim.linkCreate(f3, LOOPBACK, target, { flags: BPF_F_REPLACE, relative_fd: f2, expected_revision: 3 })).toBe(-ENOENT);
    expect(sim.linkCreate(f3, LOOPBACK, target, { flags: BPF_F_REPLACE | BPF_F_LINK, relative_fd: l2, expected_revision: 3 })).toBe(-ENOENT);
    expect(sim.linkCreate(f3, LOOPBACK, target, { flags: BPF_F_REPLACE | BPF_F_LINK | BPF_F_AFTER, relative_id: lid2 })).toBe(-ENOENT);
    expect(sim.count(target)).toBe(2);
    expect(sim.linkUpdate(l2, f3)).toBe(0);
    expect(sim.count(target)).toBe(2);
    expect(q(sim, target, 4)).toEqual({ ret: 0, count: 2, revision: 4, prog_ids: [pid3, pid1, 0, 0], link_ids: [lid2, lid1, 0, 0] });
    expect(sim.linkDetach(l2)).toBe(0);
    expect(sim.count(target)).toBe(1);
    expect(q(sim, target, 4)).toEqual({ ret: 0, count: 1, revision: 5, prog_ids: [pid1, 0, 0, 0], link_ids: [lid1, 0, 0, 0] });
    // Updating a link to the program it already runs changes nothing, not even the revision.
    expect(sim.linkUpdate(l1, f1)).toBe(0);
    expect(q(sim, target, 4)).toEqual({ ret: 0, count: 1, revision: 5, prog_ids: [pid1, 0, 0, 0], link_ids: [lid1, 0, 0, 0] });
    destroy(sim);
    expect(sim.count(target)).toBe(0);
  });

  it('invalid', () => {
    const { sim, fd: [f1, f2], id: [pid1, pid2] } = skel(2, target);
    const lc = (fd: number, o: Parameters<Sim['linkCreate']>[3], ifindex = LOOPBACK) => sim.linkCreate(fd, ifindex, target, o);
    expect(lc(f1, { flags: BPF_F_BEFORE | BPF_F_AFTER })).toBe(-ERANGE);
    expect(lc(f1, { flags: BPF_F_BEFORE | BPF_F_ID })).toBe(-ENOENT);
    expect(lc(f1, { flags: BPF_F_AFTER | BPF_F_ID })).toBe(-ENOENT);
    expect(lc(f1, { flags: BPF_F_ID })).toBe(-ENOENT);
    expect(lc(f1, { flags: BPF_F_LINK, relative_fd: f2 })).toBe(-EINVAL);
    expect(lc(f1, { flags: BPF_F_LINK })).toBe(-EINVAL);
    expect(lc(f1, { relative_fd: f2 })).toBe(-EINVAL);
    expect(lc(f1, { flags: BPF_F_BEFORE | BPF_F_AFTER, relative_fd: f2 })).toBe(-ENOENT);
    expect(lc(f1, { flags: BPF_F_BEFORE, relative_fd: f1 })).toBe(-ENOENT);
    expect(lc(f1, { flags: BPF_F_ID, relative_id: pid2 })).toBe(-EINVAL);
    expect(lc(f1, { flags: BPF_F_ID, relative_id: 42 })).toBe(-ENOENT);
    expect(lc(f1, { flags: BPF_F_BEFORE, relative_fd: f1 })).toBe(-ENOENT);
    expect(lc(f1, { flags: BPF_F_BEFORE | BPF_F_LINK, relative_fd: f1 })).toBe(-EINVAL);
    expect(lc(f1, { flags: BPF_F_AFTER, relative_fd: f1 })).toBe(-ENOENT);
    // libbpf refuses ifindex 0 itself; the kernel finds no such device.
    expect(lc(f1, {}, 0)).toBe(-ENODEV);
    expect(lc(f1, { flags: BPF_F_AFTER | BPF_F_LINK, relative_fd: f1 })).toBe(-EINVAL);
    expect(sim.count(target)).toBe(0);
    const l1 = lc(f1, {});
    expect(l1).toBeGreaterThan(0);
    const lid1 = sim.idOf(l1);
    expect(sim.count(target)).toBe(1);
    expect(lc(f2, { flags: BPF_F_AFTER | BPF_F_LINK, relative_fd: f1 })).toBe(-EINVAL);
    expect(lc(f2, { flags: BPF_F_BEFORE | BPF_F_LINK | BPF_F_ID, relative_id: 0xffffffff })).toBe(-ENOENT);
    expect(lc(f1, { flags: BPF_F_BEFORE | BPF_F_LINK | BPF_F_ID, relative_id: lid1 })).toBe(-EEXIST);
    expect(lc(f1, { flags: BPF_F_BEFORE | BPF_F_ID, relative_id: pid1 })).toBe(-EEXIST);
    expect(sim.count(target)).toBe(1);
    expect(lc(f2, { flags: BPF_F_BEFORE | BPF_F_LINK | BPF_F_ID, relative_id: lid1 })).toBeGreaterThan(0);
    expect(sim.count(target)).toBe(2);
    destroy(sim);
    expect(sim.count(target)).toBe(0);
  });

  it('prepend', () => {
    const { sim, fd: [f1, f2, f3, f4], id: [pid1, pid2, pid3, pid4] } = skel(4, target);
    const lid1 = sim.idOf(sim.linkCreate(f1, LOOPBACK, target));
    const lid2 = sim.idOf(sim.linkCreate(f2, LOOPBACK, target, { flags: BPF_F_BEFORE }));
    expect(q(sim, target, 5)).toEqual({ ret: 0, count: 2, revision: 3, prog_ids: [pid2, pid1, 0, 0, 0], link_ids: [lid2, lid1, 0, 0, 0] });
    const lid3 = sim.idOf(sim.linkCreate(f3, LOOPBACK, target, { flags: BPF_F_BEFORE }));
    const lid4 = sim.idOf(sim.linkCreate(f4, LOOPBACK, target, { flags: BPF_F_BEFORE }));
    expect(q(sim, target, 5)).toEqual({ ret: 0, count: 4, revision: 5, prog_ids: [pid4, pid3, pid2, pid1, 0], link_ids: [lid4, lid3, lid2, lid1, 0] });
    destroy(sim);
    expect(sim.count(target)).toBe(0);
  });

  it('append', () => {
    const { sim, fd: [f1, f2, f3, f4], id: [pid1, pid2, pid3, pid4] } = skel(4, target);
    const lid1 = sim.idOf(sim.linkCreate(f1, LOOPBACK, target));
    const lid2 = sim.idOf(sim.linkCreate(f2, LOOPBACK, target, { flags: BPF_F_AFTER }));
    expect(q(sim, target, 5)).toEqual({ ret: 0, count: 2, revision: 3, prog_ids: [pid1, pid2, 0, 0, 0], link_ids: [lid1, lid2, 0, 0, 0] });
    const lid3 = sim.idOf(sim.linkCreate(f3, LOOPBACK, target, { flags: BPF_F_AFTER }));
    const lid4 = sim.idOf(sim.linkCreate(f4, LOOPBACK, target, { flags: BPF_F_AFTER }));
    expect(q(sim, target, 5)).toEqual({ ret: 0, count: 4, revision: 5, prog_ids: [pid1, pid2, pid3, pid4, 0], link_ids: [lid1, lid2, lid3, lid4, 0] });
    destroy(sim);
    expect(sim.count(target)).toBe(0);
  });

  it('dev_cleanup', () => {
    const { sim, fd } = skel(4, target);
    const ifindex = sim.netdevAdd('tcx_opts1', 'tcx_opts2');
    const links = fd.map((f, i) => {
      const l = sim.linkCreate(f, ifindex, target);
      expect(l).toBeGreaterThan(0);
      expect(sim.count(target, ifindex)).toBe(i + 1);
      return l;
    });
    expect(sim.netdevDel('tcx_opts1')).toBe(0);
    for (const l of links) expect(sim.linkInfo(l).ifindex).toBe(0);
    for (const l of links) expect(sim.linkInfo(l).attach_type).toBe(target);
    destroy(sim);
    expect(Object.keys(sim.state.links)).toEqual([]);
    expect(Object.keys(sim.state.progs)).toEqual([]);
  });

  it('chain_mixed (the tcx part)', () => {
    const { sim, fd: [f4, , f6], id: [pid4] } = skel(3, target);
    const l6 = sim.linkCreate(f6, LOOPBACK, target);
    expect(sim.count(target)).toBe(1);
    expect(sim.linkUpdate(l6, f4)).toBe(0);
    expect(sim.count(target)).toBe(1);
    expect(sim.query(LOOPBACK, target, 1, ['prog_ids']).prog_ids).toEqual([pid4]);
    expect(sim.linkDetach(l6)).toBe(0);
    expect(sim.count(target)).toBe(0);
    destroy(sim);
  });
});
