// What the live kernel (Linux 6.18) answered to the C probes written for this model, pinned as
// scenarios. With BPFSIM_TCX_EXPORT set these are also exported and recorded on the kernel
// (fixtures/kernel/tcx-selftests/), where tcx-agreement.test.ts checks the model against them.
import { describe, expect, it } from 'vitest';
import { BPF_F_AFTER, BPF_F_ALLOW_MULTI, BPF_F_BEFORE, BPF_F_ID, BPF_F_LINK, BPF_F_REPLACE, bpf_attach_type as A, errno } from '@bpfsim/events';
import { Sim, TCX_EGRESS, TCX_INGRESS } from './sim.ts';
import { tcxRunOrder } from '../../src/tcx/index.ts';

const { EAGAIN, EINVAL, ENODEV, EEXIST, ESTALE, ENOENT, EBUSY, EPERM, ENOLINK, EBADF, ERANGE, ENOSPC } = errno;

function veth() {
  const sim = new Sim();
  const ifx = sim.netdevAdd('v0', 'v1');
  const peer = sim.state.netdevs[ifx].peer;
  return { sim, ifx, peer };
}

describe('revision', () => {
  it('a device without programs reports revision 1 and count 0; every change adds one; an emptied attach point starts over', () => {
    const { sim, ifx } = veth();
    const p1 = sim.load();
    const p2 = sim.load();
    expect(sim.query(ifx, TCX_INGRESS, 4)).toEqual({ ret: 0, count: 0, revision: 1, attach_flags: 0, prog_ids: [], link_ids: [] });
    expect(sim.attach(p1, ifx, TCX_INGRESS)).toBe(0);
    expect(sim.query(ifx, TCX_INGRESS).revision).toBe(2);
    // Failures leave it alone.
    expect(sim.attach(p1, ifx, TCX_INGRESS)).toBe(-EEXIST);
    expect(sim.query(ifx, TCX_INGRESS).revision).toBe(2);
    expect(sim.attach(p2, ifx, TCX_INGRESS, { flags: BPF_F_REPLACE, replace_prog_fd: p1 })).toBe(0);
    expect(sim.query(ifx, TCX_INGRESS).revision).toBe(3);
    expect(sim.detach(p2, ifx, TCX_INGRESS)).toBe(0);
    expect(sim.query(ifx, TCX_INGRESS)).toEqual({ ret: 0, count: 0, revision: 1, attach_flags: 0 });
    expect(sim.attach(p1, ifx, TCX_INGRESS, { expected_revision: 1 })).toBe(0);
    expect(sim.query(ifx, TCX_INGRESS, 4)).toEqual({ ret: 0, count: 1, revision: 2, attach_flags: 0, prog_ids: [sim.idOf(p1)], link_ids: [0] });
    // Each direction has its own.
    expect(sim.query(ifx, TCX_EGRESS).revision).toBe(1);
  });
});

describe('program types and attach types', () => {
  it('only SCHED_CLS programs go on tcx, and SCHED_CLS programs only on tcx (or netkit, not built here)', () => {
    const { sim, ifx } = veth();
    const cls = sim.load();
    const xdp = sim.load('BPF_PROG_TYPE_XDP');
    const act = sim.load('BPF_PROG_TYPE_SCHED_ACT');
    expect(sim.attach(xdp, ifx, TCX_INGRESS)).toBe(-EINVAL);
    expect(sim.attach(act, ifx, TCX_INGRESS)).toBe(-EINVAL);
    expect(sim.linkCreate(xdp, ifx, TCX_INGRESS)).toBe(-EINVAL);
    expect(sim.linkCreate(act, ifx, TCX_INGRESS)).toBe(-EINVAL);
    expect(sim.linkCreate(cls, ifx, A.BPF_XDP)).toBe(-EINVAL);
    expect(sim.linkCreate(cls, ifx, A.BPF_NETKIT_PRIMARY)).toBe(-EINVAL);
    expect(sim.linkCreate(cls, 999, A.BPF_NETKIT_PRIMARY)).toBe(-EINVAL);
    expect(sim.attach(cls, ifx, A.BPF_NETKIT_PRIMARY)).toBe(-EINVAL);
    expect(sim.attach(cls, 999, A.BPF_NETKIT_PRIMARY)).toBe(-EINVAL);
    expect(sim.detach(cls, ifx, A.BPF_NETKIT_PRIMARY)).toBe(-EINVAL);
    expect(sim.query(999, A.BPF_NETKIT_PRIMARY).ret).toBe(-EINVAL);
    expect(sim.attach(cls, ifx, 0)).toBe(-EINVAL);
    expect(sim.attach(cls, ifx, 200)).toBe(-EINVAL);
    expect(sim.linkCreate(cls, ifx, 200)).toBe(-EINVAL);
    expect(sim.detach(cls, ifx, 200)).toBe(-EINVAL);
    expect(sim.query(ifx, 200).ret).toBe(-EINVAL);
    expect(sim.query(ifx, A.BPF_XDP).ret).toBe(-EINVAL);
    // A cgroup attach type looks for a cgroup behind target_fd: there is none.
    expect(sim.query(ifx, A.BPF_CGROUP_INET_INGRESS).ret).toBe(-EBADF);
    // The program's expected_attach_type does not tie it to a direction.
    const eg = sim.load('BPF_PROG_TYPE_SCHED_CLS', TCX_EGRESS);
    expect(sim.attach(eg, ifx, TCX_INGRESS)).toBe(0);
    expect(sim.linkCreate(cls, ifx, TCX_INGRESS)).toBeGreaterThan(0);
  });
});

describe('links', () => {
  it('a failed link_create takes a link id once bpf_link_prime() has run, and the next link skips it', () => {
    // bpf_link_prime() allocates the id (idr_alloc_cyclic) before tcx_link_prog_attach(); a failed
    // attach gives it back, but the idr's cursor has moved on. Failures before it take none.
    const { sim, ifx } = veth();
    const [p1, p2, p3, p4] = [sim.load(), sim.load(), sim.load(), sim.load()];
    const l1 = sim.linkCreate(p1, ifx, TCX_EGRESS);
    const lid1 = sim.linkInfo(l1).id;
    expect(lid1).toBe(1);
    // Before bpf_link_prime(): no device, a program of the wrong type, a bad program fd.
    expect(sim.linkCreate(p2, 999, TCX_INGRESS)).toBe(-ENODEV);
    expect(sim.linkCreate(sim.load('BPF_PROG_TYPE_XDP'), ifx, TCX_INGRESS)).toBe(-EINVAL);
    expect(sim.linkCreate(99, ifx, TCX_INGRESS)).toBe(-EBADF);
    // After it: bpf_mprog_attach() refusing uses an id up.
    expect(sim.linkCreate(p2, ifx, TCX_INGRESS, { expected_revision: 7 })).toBe(-ESTALE); // id 2
    const l2 = sim.linkCreate(p2, ifx, TCX_EGRESS);
    expect(sim.idOf(l2)).toBe(lid1 + 2);
    expect(sim.linkCreate(p2, ifx, TCX_EGRESS)).toBe(-EEXIST); // id 4
    expect(sim.linkCreate(p1, ifx, TCX_EGRESS)).toBe(-EEXIST); // id 5
    const l3 = sim.linkCreate(p3, ifx, TCX_EGRESS);
    expect(sim.linkInfo(l3)).toEqual({ type: 11, id: lid1 + 5, prog_id: sim.idOf(p3), ifindex: ifx, attach_type: TCX_EGRESS });
    // The link being made is in the idr with its id not yet settled: bpf_link_by_id() says -EAGAIN.
    expect(sim.linkCreate(p4, ifx, TCX_EGRESS, { flags: BPF_F_BEFORE | BPF_F_LINK | BPF_F_ID, relative_id: lid1 + 6 })).toBe(-EAGAIN);
    // The id a failure used up names nothing afterwards.
    expect(sim.linkCreate(p4, ifx, TCX_EGRESS, { flags: BPF_F_BEFORE | BPF_F_LINK | BPF_F_ID, relative_id: lid1 + 6 })).toBe(-ENOENT); // id 8
    expect(sim.bpf('BPF_LINK_GET_FD_BY_ID', { link_id: lid1 + 1 }).ret).toBe(-ENOENT);
    expect(sim.bpf('BPF_LINK_GET_NEXT_ID', { start_id: lid1 }).out?.next_id).toBe(lid1 + 2);
    expect(sim.bpf('BPF_LINK_GET_NEXT_ID', { start_id: lid1 + 2 }).out?.next_id).toBe(lid1 + 5);
    const l4 = sim.linkCreate(p4, ifx, TCX_EGRESS, { flags: BPF_F_BEFORE | BPF_F_LINK | BPF_F_ID, relative_id: lid1 + 5 });
    expect(sim.idOf(l4)).toBe(lid1 + 8);
    expect(sim.query(ifx, TCX_EGRESS, 4)).toMatchObject({ ret: 0, count: 4, link_ids: [lid1, lid1 + 2, lid1 + 8, lid1 + 5] });
  });

  it('unknown link_create flag bits are refused only where no direction is given', () => {
    const { sim, ifx } = veth();
    const [p1, p2, p3] = [sim.load(), sim.load(), sim.load()];
    expect(sim.linkCreate(p1, ifx, TCX_INGRESS, { flags: 1 << 20 })).toBe(-EINVAL);
    expect(sim.linkCreate(p1, ifx, TCX_INGRESS, { flags: BPF_F_REPLACE })).toBe(-ENOENT);
    expect(sim.linkCreate(p1, ifx, TCX_INGRESS, { flags: BPF_F_REPLACE | BPF_F_ID })).toBe(-ENOENT);
    expect(sim.linkCreate(p1, ifx, TCX_INGRESS, { flags: BPF_F_BEFORE | (1 << 20) })).toBeGreaterThan(0);
    expect(sim.linkCreate(p2, ifx, TCX_INGRESS, { flags: (BPF_F_LINK | BPF_F_AFTER | BPF_F_ID | 0x80000000) >>> 0 })).toBe(-ENOENT);
    expect(sim.linkCreate(p3, ifx, TCX_INGRESS, { flags: (BPF_F_AFTER | 0x80000000) >>> 0 })).toBeGreaterThan(0);
    expect(sim.query(ifx, TCX_INGRESS, 4, ['prog_ids']).prog_ids).toEqual([sim.idOf(p1), sim.idOf(p3)]);
  });

  it('update: same program, busy program, wrong type, wrong old program, detached link', () => {
    const { sim, ifx } = veth();
    const [p1, p2, p3] = [sim.load(), sim.load(), sim.load()];
    const xdp = sim.load('BPF_PROG_TYPE_XDP');
    const act = sim.load('BPF_PROG_TYPE_SCHED_ACT');
    expect(sim.attach(p1, ifx, TCX_INGRESS)).toBe(0);
    const l2 = sim.linkCreate(p2, ifx, TCX_INGRESS);
    const l3 = sim.linkCreate(p3, ifx, TCX_INGRESS);
    const lid2 = sim.idOf(l2), lid3 = sim.idOf(l3);
    const [i1, i2, i3] = [p1, p2, p3].map((f) => sim.idOf(f));
    expect(sim.query(ifx, TCX_INGRESS, 4)).toEqual({ ret: 0, count: 3, revision: 4, attach_flags: 0, prog_ids: [i1, i2, i3], link_ids: [0, lid2, lid3] });
    expect(sim.linkUpdate(l3, p3)).toBe(0);
    expect(sim.query(ifx, TCX_INGRESS).revision).toBe(4);
    expect(sim.linkUpdate(l3, p1)).toBe(-EEXIST);
    expect(sim.linkUpdate(l3, xdp)).toBe(-EINVAL);
    expect(sim.linkUpdate(l3, act)).toBe(-EINVAL);
    const p4 = sim.load();
    const i4 = sim.idOf(p4);
    expect(sim.linkUpdate(l3, p4, p1)).toBe(-EPERM);
    expect(sim.bpf('BPF_LINK_UPDATE', { link_fd: l3, new_prog_fd: p4, old_prog_fd: p1 }).ret).toBe(-EINVAL);
    expect(sim.bpf('BPF_LINK_UPDATE', { link_fd: l3, new_prog_fd: p4, flags: 2 }).ret).toBe(-EINVAL);
    expect(sim.bpf('BPF_LINK_UPDATE', { link_fd: p1, new_prog_fd: p4 }).ret).toBe(-EINVAL);
    expect(sim.bpf('BPF_LINK_UPDATE', { link_fd: 99, new_prog_fd: p4 }).ret).toBe(-EBADF);
    expect(sim.bpf('BPF_LINK_UPDATE', { link_fd: l3, new_prog_fd: 99 }).ret).toBe(-EBADF);
    expect(sim.linkUpdate(l3, xdp, 99)).toBe(-EBADF);
    expect(sim.linkUpdate(l3, p4, p3)).toBe(0);
    expect(sim.query(ifx, TCX_INGRESS, 4)).toEqual({ ret: 0, count: 3, revision: 5, attach_flags: 0, prog_ids: [i1, i2, i4], link_ids: [0, lid2, lid3] });
    expect(sim.linkInfo(l3).prog_id).toBe(i4);
    // A link's slot is not the prog API's to remove.
    expect(sim.detach(p4, ifx, TCX_INGRESS)).toBe(-EBUSY);
    expect(sim.detach(0, ifx, TCX_INGRESS)).toBe(-EBUSY);
    expect(sim.detach(0, ifx, TCX_INGRESS, { flags: BPF_F_BEFORE })).toBe(0);
    expect(sim.query(ifx, TCX_INGRESS, 4)).toEqual({ ret: 0, count: 2, revision: 6, attach_flags: 0, prog_ids: [i2, i4], link_ids: [lid2, lid3] });
    expect(sim.linkDetach(l3)).toBe(0);
    expect(sim.query(ifx, TCX_INGRESS, 4)).toEqual({ ret: 0, count: 1, revision: 7, attach_flags: 0, prog_ids: [i2], link_ids: [lid2] });
    expect(sim.linkInfo(l3)).toEqual({ type: 11, id: lid3, prog_id: i4, ifindex: 0, attach_type: TCX_INGRESS });
    expect(sim.linkDetach(l3)).toBe(0);
    expect(sim.linkUpdate(l3, p1)).toBe(-ENOLINK);
    expect(sim.linkDetach(p1)).toBe(-EINVAL);
    expect(sim.linkDetach(99)).toBe(-EBADF);
  });

  it('a pinned link stays attached when its last fd closes', () => {
    const { sim, ifx } = veth();
    const p = sim.load();
    const l = sim.linkCreate(p, ifx, TCX_EGRESS);
    expect(sim.bpf('BPF_OBJ_PIN', { pathname: '/sys/fs/bpf/tcxl', bpf_fd: l }).ret).toBe(0);
    expect(sim.close(l)).toBe(0);
    expect(sim.query(ifx, TCX_EGRESS, 2)).toEqual({ ret: 0, count: 1, revision: 2, attach_flags: 0, prog_ids: [sim.idOf(p)], link_ids: [1] });
  });

  it('unlinking the pin then releases it (model only: the kernel releases unpinned links from a workqueue)', () => {
    const sim = new Sim(1, { record: false });
    const ifx = sim.netdevAdd('v0', 'v1');
    const l = sim.linkCreate(sim.load(), ifx, TCX_EGRESS);
    sim.bpf('BPF_OBJ_PIN', { pathname: '/sys/fs/bpf/tcxl', bpf_fd: l });
    sim.close(l);
    expect(sim.step({ kind: 'unlink', pid: 1, pathname: '/sys/fs/bpf/tcxl' }).ret).toBe(0);
    expect(sim.query(ifx, TCX_EGRESS)).toEqual({ ret: 0, count: 0, revision: 1, attach_flags: 0 });
    expect(Object.keys(sim.state.links)).toEqual([]);
  });
});

describe('a device going away', () => {
  it('releases prog attachments, detaches links (which stay alive), and both ends go', () => {
    const { sim, ifx, peer } = veth();
    const [p1, p2, p3] = [sim.load(), sim.load(), sim.load()];
    expect(sim.attach(p1, ifx, TCX_INGRESS)).toBe(0);
    expect(sim.attach(p1, ifx, TCX_EGRESS)).toBe(0);
    const l2 = sim.linkCreate(p2, ifx, TCX_INGRESS);
    const l5 = sim.linkCreate(p3, peer, TCX_EGRESS);
    const refs = sim.state.progs[sim.idOf(p1)].refs;
    expect(sim.netdevDel('v0')).toBe(0);
    expect(sim.state.progs[sim.idOf(p1)].refs).toBe(refs - 2);
    expect(sim.linkInfo(l2)).toMatchObject({ ifindex: 0, attach_type: TCX_INGRESS, prog_id: sim.idOf(p2) });
    expect(sim.linkInfo(l5)).toMatchObject({ ifindex: 0, attach_type: TCX_EGRESS, prog_id: sim.idOf(p3) });
    expect(sim.linkDetach(l2)).toBe(0);
    expect(sim.linkDetach(l5)).toBe(0);
    expect(sim.linkUpdate(l2, p1)).toBe(-ENOLINK);
    expect(sim.query(ifx, TCX_INGRESS, 4).ret).toBe(-ENODEV);
    expect(sim.query(peer, TCX_EGRESS, 4).ret).toBe(-ENODEV);
    expect(sim.detach(p1, ifx, TCX_INGRESS)).toBe(-ENODEV);
    expect(sim.attach(p1, ifx, TCX_INGRESS)).toBe(-ENODEV);
    expect(sim.linkCreate(p1, ifx, TCX_INGRESS)).toBe(-ENODEV);
    expect(tcxRunOrder(sim.state, ifx, 'ingress')).toEqual([]);
    // Closing the program fd now frees it: nothing holds it any more.
    const id1 = sim.idOf(p1);
    sim.close(p1);
    expect(sim.state.progs[id1]).toBeUndefined();
  });
});

describe('which errno wins', () => {
  it('attach: flags, then the program, then the device, then the replaced program, then bpf_mprog', () => {
    const { sim, ifx } = veth();
    const [p1, p2, p3] = [sim.load(), sim.load(), sim.load()];
    const xdp = sim.load('BPF_PROG_TYPE_XDP');
    const l1 = sim.linkCreate(p1, ifx, TCX_EGRESS);
    const l3 = sim.linkCreate(p3, ifx, TCX_INGRESS);
    expect(sim.attach(p2, ifx, TCX_INGRESS, { flags: BPF_F_ALLOW_MULTI })).toBe(-EINVAL);
    expect(sim.attach(99, ifx, TCX_INGRESS, { flags: BPF_F_ALLOW_MULTI })).toBe(-EINVAL);
    expect(sim.attach(p2, ifx, TCX_INGRESS, { flags: 1 << 6 })).toBe(-EINVAL);
    expect(sim.attach(99, 999, TCX_INGRESS)).toBe(-EBADF);
    expect(sim.attach(xdp, 999, TCX_INGRESS)).toBe(-EINVAL);
    expect(sim.attach(p2, 999, TCX_INGRESS, { expected_revision: 9 })).toBe(-ENODEV);
    expect(sim.attach(p2, ifx, TCX_INGRESS, { flags: BPF_F_REPLACE, replace_prog_fd: 99, expected_revision: 9 })).toBe(-EBADF);
    expect(sim.attach(p2, ifx, TCX_INGRESS, { flags: BPF_F_REPLACE, replace_prog_fd: xdp, expected_revision: 9 })).toBe(-EINVAL);
    expect(sim.bpf('BPF_PROG_ATTACH', { target_ifindex: ifx, attach_bpf_fd: p2, attach_type: TCX_INGRESS, replace_bpf_fd: 99, expected_revision: 9 }).ret).toBe(-ESTALE);
    expect(sim.attach(p3, ifx, TCX_INGRESS, { expected_revision: 9 })).toBe(-ESTALE);
    expect(sim.attach(p3, ifx, TCX_INGRESS, { flags: BPF_F_BEFORE, relative_fd: 99 })).toBe(-EEXIST);
    expect(sim.attach(p2, ifx, TCX_INGRESS, { flags: BPF_F_BEFORE, relative_fd: 99 })).toBe(-EBADF);
    expect(sim.attach(p2, ifx, TCX_INGRESS, { flags: BPF_F_BEFORE, relative_fd: xdp })).toBe(-EINVAL);
    expect(sim.attach(p2, ifx, TCX_INGRESS, { flags: BPF_F_BEFORE | BPF_F_LINK, relative_fd: p1 })).toBe(-EINVAL);
    expect(sim.attach(p2, ifx, TCX_INGRESS, { flags: BPF_F_BEFORE | BPF_F_LINK })).toBe(-EINVAL);
    expect(sim.attach(p2, ifx, TCX_INGRESS, { flags: BPF_F_BEFORE | BPF_F_LINK | BPF_F_ID })).toBe(-ENOENT);
    expect(sim.attach(p2, ifx, TCX_INGRESS, { flags: BPF_F_BEFORE | BPF_F_LINK, relative_fd: l1 })).toBe(-ENOENT);
    expect(sim.attach(p2, ifx, TCX_INGRESS, { flags: BPF_F_BEFORE | BPF_F_LINK, relative_fd: l3 })).toBe(0);
    expect(sim.query(ifx, TCX_INGRESS, 5)).toEqual({ ret: 0, count: 2, revision: 3, attach_flags: 0, prog_ids: [sim.idOf(p2), sim.idOf(p3)], link_ids: [0, sim.idOf(l3)] });
  });

  it('detach: flags, then the program, then the device, then the entry, then bpf_mprog', () => {
    const { sim, ifx } = veth();
    const [p1, p2, p3] = [sim.load(), sim.load(), sim.load()];
    const xdp = sim.load('BPF_PROG_TYPE_XDP');
    sim.linkCreate(p1, ifx, TCX_EGRESS);
    sim.linkCreate(p3, ifx, TCX_INGRESS);
    expect(sim.attach(p2, ifx, TCX_INGRESS)).toBe(0);
    expect(sim.detach(p2, ifx, TCX_INGRESS, { flags: BPF_F_REPLACE })).toBe(-EINVAL);
    expect(sim.detach(p2, ifx, TCX_EGRESS, { flags: BPF_F_REPLACE })).toBe(-EINVAL);
    expect(sim.detach(p2, ifx, TCX_INGRESS, { flags: BPF_F_ALLOW_MULTI })).toBe(-EINVAL);
    expect(sim.detach(xdp, ifx, TCX_INGRESS)).toBe(-EINVAL);
    expect(sim.detach(99, ifx, TCX_INGRESS)).toBe(-EBADF);
    expect(sim.detach(99, 999, TCX_INGRESS)).toBe(-EBADF);
    expect(sim.detach(p2, 999, TCX_INGRESS)).toBe(-ENODEV);
    expect(sim.detach(p2, ifx, TCX_INGRESS, { expected_revision: 99 })).toBe(-ESTALE);
    expect(sim.detach(0, ifx, TCX_INGRESS, { flags: BPF_F_BEFORE | BPF_F_ID })).toBe(-ENOENT);
    expect(sim.detach(0, ifx, TCX_INGRESS, { flags: BPF_F_ID })).toBe(-ENOENT);
    expect(sim.detach(0, ifx, TCX_INGRESS, { relative_fd: p2 })).toBe(-EINVAL);
    expect(sim.detach(p2, ifx, TCX_INGRESS, { flags: 1 << 6 })).toBe(-EINVAL);
    // Without an entry, nothing else is looked at.
    const { sim: s2, ifx: i2 } = veth();
    expect(s2.detach(0, i2, TCX_EGRESS, { flags: BPF_F_REPLACE })).toBe(-ENOENT);
    expect(s2.detach(0, i2, TCX_EGRESS, { expected_revision: 5 })).toBe(-ENOENT);
    expect(s2.detach(0, i2, TCX_EGRESS)).toBe(-ENOENT);
  });

  it('query', () => {
    const { sim, ifx } = veth();
    const [p1, p2] = [sim.load(), sim.load()];
    expect(sim.attach(p1, ifx, TCX_INGRESS)).toBe(0);
    const l2 = sim.linkCreate(p2, ifx, TCX_INGRESS);
    expect(sim.bpf('BPF_PROG_QUERY', { target_ifindex: ifx, attach_type: TCX_INGRESS, query_flags: 1 }).ret).toBe(-EINVAL);
    expect(sim.bpf('BPF_PROG_QUERY', { target_ifindex: ifx, attach_type: TCX_INGRESS, query_flags: 2 }).ret).toBe(-EINVAL);
    expect(sim.bpf('BPF_PROG_QUERY', { target_ifindex: 999, attach_type: TCX_INGRESS, query_flags: 1 }).ret).toBe(-ENODEV);
    expect(sim.bpf('BPF_PROG_QUERY', { target_ifindex: 999, attach_type: TCX_INGRESS, query_flags: 2 }).ret).toBe(-EINVAL);
    expect(sim.query(ifx, TCX_INGRESS, 1, ['prog_ids', 'prog_attach_flags', 'link_ids', 'link_attach_flags']))
      .toEqual({ ret: -ENOSPC, count: 2, revision: 3, attach_flags: 0, prog_ids: [sim.idOf(p1)], prog_attach_flags: [0], link_ids: [0], link_attach_flags: [0] });
    // Without prog_ids no array is written, whatever else is passed.
    expect(sim.query(ifx, TCX_INGRESS, 4, ['link_ids'])).toEqual({ ret: 0, count: 2, revision: 3, attach_flags: 0 });
    expect(sim.query(ifx, TCX_INGRESS, 4, ['prog_ids', 'link_ids'])).toEqual({ ret: 0, count: 2, revision: 3, attach_flags: 0, prog_ids: [sim.idOf(p1), sim.idOf(p2)], link_ids: [0, sim.idOf(l2)] });
  });

  it('a full attach point (63 programs)', () => {
    const { sim, ifx } = veth();
    const fds: number[] = [];
    for (let i = 0; i < 63; i++) { fds.push(sim.load()); expect(sim.attach(fds[i], ifx, TCX_INGRESS)).toBe(0); }
    const [q, q2] = [sim.load(), sim.load()];
    const full = sim.query(ifx, TCX_INGRESS, 1, ['prog_ids']);
    expect(full).toEqual({ ret: -ENOSPC, count: 63, revision: 64, attach_flags: 0, prog_ids: [sim.idOf(fds[0])] });
    expect(sim.attach(q, ifx, TCX_INGRESS)).toBe(-ERANGE);
    expect(sim.attach(q, ifx, TCX_INGRESS, { flags: BPF_F_BEFORE })).toBe(-ERANGE);
    expect(sim.attach(q, ifx, TCX_INGRESS, { flags: BPF_F_BEFORE, relative_fd: fds[5] })).toBe(-ERANGE);
    // Resolving the relative object comes first.
    expect(sim.attach(q, ifx, TCX_INGRESS, { flags: BPF_F_AFTER, relative_fd: 99 })).toBe(-EBADF);
    expect(sim.attach(q, ifx, TCX_INGRESS, { flags: BPF_F_AFTER, relative_id: 12345 })).toBe(-ENOENT);
    expect(sim.attach(q, ifx, TCX_INGRESS, { flags: BPF_F_AFTER, relative_fd: q2 })).toBe(-ERANGE);
    expect(sim.attach(q, ifx, TCX_INGRESS, { relative_fd: q2 })).toBe(-ERANGE);
    // Replacing needs no room.
    expect(sim.attach(q, ifx, TCX_INGRESS, { flags: BPF_F_REPLACE, replace_prog_fd: fds[3] })).toBe(0);
    expect(sim.attach(q2, ifx, TCX_INGRESS, { flags: BPF_F_REPLACE, replace_prog_fd: fds[3] })).toBe(-ENOENT);
    expect(sim.linkCreate(q2, ifx, TCX_INGRESS)).toBe(-ERANGE);
    expect(sim.query(ifx, TCX_INGRESS).revision).toBe(65);
    // bpf_mprog_detach() checks the target index against the limit too: the last slot of a full
    // entry, selected by position, is out of range.
    expect(sim.detach(0, ifx, TCX_INGRESS)).toBe(-ERANGE);
    expect(sim.detach(0, ifx, TCX_INGRESS, { flags: BPF_F_AFTER })).toBe(-ERANGE);
    expect(sim.detach(fds[62], ifx, TCX_INGRESS)).toBe(0);
    expect(sim.detach(q, ifx, TCX_INGRESS)).toBe(0);
    expect(sim.query(ifx, TCX_INGRESS).count).toBe(61);
    expect(sim.linkCreate(q2, ifx, TCX_INGRESS)).toBeGreaterThan(0);
  });

  it('other attach types: the generic checks', () => {
    const { sim, ifx } = veth();
    const p = sim.load();
    expect(sim.attach(99, ifx, A.BPF_CGROUP_INET_INGRESS, { flags: BPF_F_BEFORE })).toBe(-EBADF);
    expect(sim.attach(99, ifx, A.BPF_CGROUP_INET_INGRESS, { flags: 1 << 6 })).toBe(-EBADF);
    expect(sim.attach(99, ifx, A.BPF_CGROUP_INET_INGRESS, { relative_fd: 5 })).toBe(-EBADF);
    expect(sim.attach(99, ifx, A.BPF_XDP, { expected_revision: 5 })).toBe(-EINVAL);
    expect(sim.attach(99, ifx, A.BPF_XDP, { relative_fd: 5 })).toBe(-EINVAL);
    expect(sim.attach(99, ifx, A.BPF_XDP, { flags: 1 })).toBe(-EBADF);
    expect(sim.attach(99, ifx, A.BPF_XDP, { flags: BPF_F_BEFORE })).toBe(-EINVAL);
    expect(sim.detach(99, ifx, A.BPF_XDP)).toBe(-EINVAL);
    expect(sim.detach(99, ifx, A.BPF_XDP, { flags: 1 })).toBe(-EINVAL);
    expect(sim.detach(99, ifx, A.BPF_CGROUP_INET_INGRESS)).toBe(-EBADF);
    expect(sim.detach(99, ifx, A.BPF_CGROUP_INET_INGRESS, { expected_revision: 5 })).toBe(-EBADF);
    expect(sim.detach(p, ifx, A.BPF_CGROUP_INET_INGRESS)).toBe(-EBADF);
    expect(sim.detach(99, ifx, 200)).toBe(-EINVAL);
    expect(sim.attach(p, ifx, A.BPF_CGROUP_INET_INGRESS)).toBe(-EINVAL);
  });
});
