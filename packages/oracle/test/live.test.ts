// Live-kernel tests: each runs a small trace under runOnKernel and checks the kernel's answers.
import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BPF_F_AFTER, BPF_F_BEFORE, BPF_F_ID, BPF_F_LINK, EventError, bpf_attach_type, bpf_link_type, bpf_map_type, bpf_prog_type, errno, type Event } from '@bpfsim/events';
import { runOnKernel } from '../src/run.ts';
import { liveKernelUnavailable } from '../src/preflight.ts';
import { ensureHelper } from '../src/native/build.ts';
import { CHANNEL_FDS, Helper } from '../src/native/helper.ts';
import { encodeAttr } from '../src/attr/encode.ts';
import { openFds, possibleCpus } from '../src/procfs.ts';

const reason = liveKernelUnavailable();
const live = (name: string, fn: () => Promise<void>) =>
  it.skipIf(reason !== undefined)(reason ? `${name} (skipped: ${reason})` : name, fn, 60_000);

const P = 100;
const RET0 = [{ code: 0xb7, dst_reg: 0, src_reg: 0, off: 0, imm: 0 }, { code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0 }];
const bpf = (cmd: string, attr: Record<string, unknown>, pid = P) => ({ kind: 'bpf', pid, cmd, attr }) as unknown as Event;
const hashMap = bpf('BPF_MAP_CREATE', { map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 8, max_entries: 4, map_name: 'm' });
const loadCls = bpf('BPF_PROG_LOAD', { prog_type: 'BPF_PROG_TYPE_SCHED_CLS', insns: RET0, license: 'GPL', prog_name: 'ret0' });
const veth = { kind: 'netdev_add', name: 'a', peer: 'b' } as Event;

async function run(events: Event[]) {
  const r = await runOnKernel(events);
  return r.results;
}

describe('live kernel', () => {
  live('creates, updates, looks up and walks a hash map', async () => {
    const r = await run([
      hashMap,
      bpf('BPF_MAP_UPDATE_ELEM', { map_fd: 3, key: '01000000', value: '0102030405060708' }),
      bpf('BPF_MAP_LOOKUP_ELEM', { map_fd: 3, key: '01000000' }),
      bpf('BPF_MAP_LOOKUP_ELEM', { map_fd: 3, key: '02000000' }),
      bpf('BPF_MAP_LOOKUP_ELEM', { map_fd: 3, key: '01000000', value: '' }),
      bpf('BPF_MAP_GET_NEXT_KEY', { map_fd: 3, next_key: true }),
      bpf('BPF_MAP_GET_NEXT_KEY', { map_fd: 3, key: '01000000', next_key: true }),
      bpf('BPF_MAP_UPDATE_ELEM', { map_fd: 3, key: '01000000', value: '00', flags: 0 }),
      bpf('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: 3, info_len: 4096, info: true }),
    ]);
    expect(r.slice(0, 8)).toEqual([
      { ret: 3 }, { ret: 0 }, { ret: 0, out: { value: '0102030405060708' } }, { ret: -errno.ENOENT },
      { ret: -errno.EFAULT }, // a zero-length value buffer: copying the value out faults
      { ret: 0, out: { next_key: '01000000' } }, { ret: -errno.ENOENT },
      { ret: -errno.EFAULT }, // a 1-byte value where the map reads 8
    ]);
    expect(r[8].out).toMatchObject({ info_len: 104, info: { type: bpf_map_type.BPF_MAP_TYPE_HASH, id: 1, key_size: 4, value_size: 8, max_entries: 4, name: 'm' } });
  });

  live('attaches a SCHED_CLS program to tcx ingress, queries it, and links another', async () => {
    const r = await run([
      veth, loadCls, loadCls,
      bpf('BPF_PROG_ATTACH', { target_ifindex: 3, attach_bpf_fd: 3, attach_type: 'BPF_TCX_INGRESS' }),
      bpf('BPF_PROG_QUERY', { target_ifindex: 3, attach_type: 'BPF_TCX_INGRESS', count: 4, prog_ids: true, prog_attach_flags: true, link_ids: true, link_attach_flags: true }),
      bpf('BPF_LINK_CREATE', { prog_fd: 4, target_ifindex: 3, attach_type: 'BPF_TCX_INGRESS', flags: BPF_F_ID, tcx: { relative_id: 1 } }),
      bpf('BPF_LINK_CREATE', { prog_fd: 4, target_ifindex: 3, attach_type: 'BPF_TCX_INGRESS', flags: BPF_F_AFTER | BPF_F_ID, tcx: { relative_id: 1 } }),
      bpf('BPF_PROG_QUERY', { target_ifindex: 3, attach_type: 'BPF_TCX_INGRESS', count: 1, prog_ids: true, link_ids: true }),
      bpf('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: 5, info_len: 64, info: true }),
      bpf('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: 3, info_len: 4096, info: true }),
      bpf('BPF_PROG_QUERY', { target_ifindex: 2, attach_type: 'BPF_TCX_EGRESS', count: 4, prog_ids: true }),
      bpf('BPF_PROG_QUERY', { target_ifindex: 3, attach_type: 'BPF_TCX_INGRESS', count: 4, prog_ids: true, link_ids: true }),
    ]);
    expect(r[0]).toEqual({ ret: 3, out: { ifindex: 3, peer_ifindex: 2, peer: 'b' } });
    expect(r.slice(1, 4)).toEqual([{ ret: 3 }, { ret: 4 }, { ret: 0 }]);
    expect(r[4]).toEqual({ ret: 0, out: { count: 1, revision: 2, attach_flags: 0, prog_ids: [1], prog_attach_flags: [0], link_ids: [0], link_attach_flags: [0] } });
    // a relative id without BPF_F_BEFORE or BPF_F_AFTER is refused, by bpf_mprog_attach(): after
    // bpf_link_prime() has taken link id 1, which the next link skips
    expect(r[5]).toEqual({ ret: -errno.EINVAL });
    expect(r[6]).toEqual({ ret: 5 });
    // ENOSPC still reports the total count
    expect(r[7]).toEqual({ ret: -errno.ENOSPC, out: { count: 2, revision: 3, attach_flags: 0, prog_ids: [1], link_ids: [0] } });
    expect(r[8]).toEqual({ ret: 0, out: { info_len: 64, info: { type: bpf_link_type.BPF_LINK_TYPE_TCX, id: 2, prog_id: 2, ifindex: 3, attach_type: bpf_attach_type.BPF_TCX_INGRESS } } });
    expect(r[9].out).toMatchObject({ info_len: 232, info: { type: bpf_prog_type.BPF_PROG_TYPE_SCHED_CLS, id: 1, name: 'ret0', gpl_compatible: 1, tag: '59f4a931744dcdc6', xlated_prog_len: 16 } });
    expect(r[10]).toEqual({ ret: 0, out: { count: 0, revision: 1, attach_flags: 0, prog_ids: [] } });
    expect(r[11]).toEqual({ ret: 0, out: { count: 2, revision: 3, attach_flags: 0, prog_ids: [1, 2], link_ids: [0, 2] } });
  });

  live('translates relative link ids and walks link ids', async () => {
    const r = await run([
      veth, loadCls, loadCls,
      bpf('BPF_LINK_CREATE', { prog_fd: 3, target_ifindex: 3, attach_type: 'BPF_TCX_EGRESS' }),
      bpf('BPF_LINK_CREATE', { prog_fd: 4, target_ifindex: 3, attach_type: 'BPF_TCX_EGRESS', flags: BPF_F_ID | BPF_F_LINK | BPF_F_BEFORE, tcx: { relative_id: 1 } }),
      bpf('BPF_PROG_QUERY', { target_ifindex: 3, attach_type: 'BPF_TCX_EGRESS', count: 4, prog_ids: true, link_ids: true }),
      bpf('BPF_LINK_GET_NEXT_ID', { start_id: 0 }),
      bpf('BPF_LINK_GET_NEXT_ID', { start_id: 1 }),
      bpf('BPF_LINK_GET_NEXT_ID', { start_id: 2 }),
      bpf('BPF_LINK_GET_FD_BY_ID', { link_id: 2 }),
      bpf('BPF_LINK_GET_FD_BY_ID', { link_id: 3 }),
    ]);
    expect(r.slice(3, 5)).toEqual([{ ret: 5 }, { ret: 6 }]);
    expect(r[5]).toEqual({ ret: 0, out: { count: 2, revision: 3, attach_flags: 0, prog_ids: [2, 1], link_ids: [2, 1] } });
    expect(r.slice(6)).toEqual([{ ret: 0, out: { next_id: 1 } }, { ret: 0, out: { next_id: 2 } }, { ret: -errno.ENOENT }, { ret: 7 }, { ret: -errno.ENOENT }]);
  });

  live('forks: the child shares the fd table, and closing in the child leaves the parent alone', async () => {
    const r = await run([
      hashMap,
      bpf('BPF_MAP_UPDATE_ELEM', { map_fd: 3, key: '01000000', value: '0100000000000000' }),
      { kind: 'fork', pid: P, child: 200 },
      bpf('BPF_MAP_UPDATE_ELEM', { map_fd: 3, key: '02000000', value: '0200000000000000' }, 200),
      { kind: 'close', pid: 200, fd: 3 },
      bpf('BPF_MAP_LOOKUP_ELEM', { map_fd: 3, key: '02000000' }, 200),
      bpf('BPF_MAP_LOOKUP_ELEM', { map_fd: 3, key: '02000000' }),
      bpf('BPF_MAP_CREATE', { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 1 }, 200),
      { kind: 'exit', pid: 200 },
      bpf('BPF_MAP_GET_NEXT_ID', { start_id: 1 }),
      { kind: 'exit', pid: P },
      bpf('BPF_MAP_GET_NEXT_ID', { start_id: 0 }, 300),
      { kind: 'fork', pid: 300, child: 300 },
      { kind: 'exit', pid: 999 },
    ] as Event[]);
    expect(r).toEqual([
      { ret: 3 }, { ret: 0 }, { ret: 200 }, { ret: 0 }, { ret: 0 }, { ret: -errno.EBADF },
      { ret: 0, out: { value: '0200000000000000' } }, { ret: 3 }, { ret: 0 },
      { ret: -errno.ENOENT }, // map 2 died with the child
      { ret: 0 }, { ret: -errno.ENOENT },
      // the model's conventions for pids that are taken or not running
      { ret: -errno.EEXIST }, { ret: -errno.ESRCH },
    ]);
  });

  live('pins, gets, and unlinks in a private bpffs', async () => {
    const r = await run([
      hashMap,
      bpf('BPF_MAP_UPDATE_ELEM', { map_fd: 3, key: '01000000', value: '0700000000000000' }),
      { kind: 'mkdir', pid: P, pathname: '/sys/fs/bpf/d' },
      bpf('BPF_OBJ_PIN', { bpf_fd: 3, pathname: '/sys/fs/bpf/d/m' }),
      bpf('BPF_OBJ_PIN', { bpf_fd: 3, pathname: '/tmp/m' }),
      { kind: 'exit', pid: P },
      bpf('BPF_OBJ_GET', { pathname: '/sys/fs/bpf/d/m' }, 300),
      bpf('BPF_MAP_LOOKUP_ELEM', { map_fd: 3, key: '01000000' }, 300),
      { kind: 'unlink', pid: 300, pathname: '/sys/fs/bpf/d', dir: true },
      { kind: 'unlink', pid: 300, pathname: '/sys/fs/bpf/d/m' },
      { kind: 'unlink', pid: 300, pathname: '/sys/fs/bpf/d', dir: true },
      bpf('BPF_OBJ_GET', { pathname: '/sys/fs/bpf/d/m' }, 300),
    ] as Event[]);
    expect(r).toEqual([
      { ret: 3 }, { ret: 0 }, { ret: 0 }, { ret: 0 }, { ret: -errno.EPERM }, { ret: 0 },
      { ret: 3 }, { ret: 0, out: { value: '0700000000000000' } },
      { ret: -errno.ENOTEMPTY }, { ret: 0 }, { ret: 0 }, { ret: -errno.ENOENT },
    ]);
  });

  live('measures veth ifindexes and names in a fresh network namespace', async () => {
    const r = await run([
      { kind: 'netdev_add', name: 'x', peer: 'y' },
      { kind: 'netdev_add', name: 'z' },
      { kind: 'netdev_add', name: 'w' },
      { kind: 'netdev_del', name: 'y' },
      { kind: 'netdev_add', name: 'x', peer: 'y' },
      { kind: 'netdev_add', name: 'v' },
      { kind: 'netdev_add', name: 'z' },
      { kind: 'netdev_del', name: 'nope' },
      { kind: 'netdev_del', name: 'lo' },
    ] as Event[]);
    expect(r).toEqual([
      // lo is 1; the peer is registered first, so it gets the lower index
      { ret: 3, out: { ifindex: 3, peer_ifindex: 2, peer: 'y' } },
      { ret: 5, out: { ifindex: 5, peer_ifindex: 4, peer: 'veth0' } },
      { ret: 7, out: { ifindex: 7, peer_ifindex: 6, peer: 'veth1' } },
      { ret: 0 },
      // indexes are not reused after a delete
      { ret: 9, out: { ifindex: 9, peer_ifindex: 8, peer: 'y' } },
      { ret: 11, out: { ifindex: 11, peer_ifindex: 10, peer: 'veth2' } },
      { ret: -errno.EEXIST }, { ret: -errno.ENODEV }, { ret: -errno.EOPNOTSUPP },
    ]);
  });

  live('sees only its own objects through *_GET_NEXT_ID and *_GET_FD_BY_ID', async () => {
    const root = mkdtempSync(join(tmpdir(), 'bpfsim-oracle-host-'));
    const host = await Helper.spawn(ensureHelper(), root, 'host');
    try {
      const made = await host.bpf(encodeAttr('BPF_MAP_CREATE', { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 1 }, { mapOf: () => undefined, possibleCpus }));
      expect(made.ret).toBe(3);
      const r = await run([
        bpf('BPF_MAP_GET_NEXT_ID', { start_id: 0 }),
        hashMap, hashMap,
        bpf('BPF_MAP_GET_NEXT_ID', { start_id: 0 }),
        bpf('BPF_MAP_GET_NEXT_ID', { start_id: 1 }),
        bpf('BPF_MAP_GET_NEXT_ID', { start_id: 2 }),
        bpf('BPF_MAP_GET_FD_BY_ID', { map_id: 2 }),
        bpf('BPF_MAP_GET_FD_BY_ID', { map_id: 3 }),
        bpf('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: 5, info_len: 8, info: true }),
        bpf('BPF_MAP_GET_NEXT_ID', { start_id: 0x7ffffffe }),
        bpf('BPF_MAP_GET_NEXT_ID', { start_id: 0x7fffffff }),
      ]);
      expect(r).toEqual([
        { ret: -errno.ENOENT }, { ret: 3 }, { ret: 4 },
        { ret: 0, out: { next_id: 1 } }, { ret: 0, out: { next_id: 2 } }, { ret: -errno.ENOENT },
        { ret: 5 }, { ret: -errno.ENOENT },
        { ret: 0, out: { info_len: 8, info: { type: bpf_map_type.BPF_MAP_TYPE_HASH, id: 2 } } },
        { ret: -errno.ENOENT }, { ret: -errno.EINVAL }, // the kernel refuses start ids from INT_MAX up
      ]);
    } finally {
      await host.exit();
      rmSync(root, { recursive: true, force: true });
    }
  });

  live('gives a helper exactly 0, 1, 2, its channel, and what the trace makes; a forked one the same', async () => {
    const root = mkdtempSync(join(tmpdir(), 'bpfsim-oracle-fds-'));
    mkdirSync(join(root, 'fifo'));
    const h = await Helper.spawn(ensureHelper(), root, 'fds');
    try {
      expect(openFds(h.pid)).toEqual([0, 1, 2, ...CHANNEL_FDS]);
      expect(await h.dup(2)).toBe(3);
      expect(await h.close(0)).toBe(0);
      const child = await h.fork('fds child');
      expect(openFds(child.pid)).toEqual([1, 2, 3, ...CHANNEL_FDS]);
      expect(await child.dup(3)).toBe(0);
      expect(openFds(h.pid)).toEqual([1, 2, 3, ...CHANNEL_FDS]);
      await child.exit();
      expect(readdirSync(join(root, 'fifo'), { withFileTypes: true }).length).toBe(0);
    } finally {
      await h.exit();
      rmSync(root, { recursive: true, force: true });
    }
  });

  live('reports a bad event by index and field, and leaves no helper behind', async () => {
    await expect(runOnKernel([hashMap, { kind: 'close', pid: P, fd: CHANNEL_FDS[0] } as Event]))
      .rejects.toMatchObject({ index: 1, error: { path: 'fd' } });
    await expect(runOnKernel([hashMap, bpf('BPF_MAP_CREATE', { map_type: 'BPF_MAP_TYPE_HASH', key_size: 'four' })]))
      .rejects.toThrow(EventError);
    const helper = ensureHelper();
    const running = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try { return readlinkSync(`/proc/${p}/exe`) === helper; } catch { return false; }
    });
    expect(running).toEqual([]);
  });
});

describe('input errors (no kernel needed)', () => {
  it('names the event index and the field', async () => {
    await expect(runOnKernel([hashMap, bpf('BPF_MAP_LOOKUP_ELEM', { map_fd: 3, key: 'xyz' })]))
      .rejects.toThrow(/^event 1: attr\.key: expected bytes as lowercase hex/);
  });
});
