// libbpf's conventions over the facade: fds and 0 on success, -errno on failure, buffers filled in
// place. The errnos asserted here are the live kernel's (see fixtures/kernel/hash-map-ops.json,
// ids-and-by-id.json, pinning.json), reached through libbpf-shaped calls.
import { describe, expect, it } from 'vitest';
import { errno, insn } from '@bpfsim/events';
import { Kernel, libbpf } from '../src/index.ts';

const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const u64 = (n: number) => new Uint8Array(new BigUint64Array([BigInt(n)]).buffer);
const RET0 = [insn(0xb7), insn(0x95)];

describe('libbpf over the Kernel facade', () => {
  it('creates, updates, looks up and walks a hash map as libbpf returns it', () => {
    const k = new Kernel({ seed: 3 });
    const bpf = libbpf(k, 100);
    const fd = bpf.bpf_map_create('BPF_MAP_TYPE_HASH', 'counters', 4, 8, 4, { map_flags: 0x40 });
    expect(fd).toBe(3);
    expect(bpf.bpf_map_update_elem(fd, u32(1), u64(10), 1)).toBe(0);
    expect(bpf.bpf_map_update_elem(fd, u32(1), u64(11), 1)).toBe(-errno.EEXIST);
    expect(bpf.bpf_map_update_elem(fd, u32(2), u64(20), 2)).toBe(-errno.ENOENT);
    const value = new Uint8Array(8);
    expect(bpf.bpf_map_lookup_elem(fd, u32(1), value)).toBe(0);
    expect(value).toEqual(u64(10));
    expect(bpf.bpf_map_lookup_elem(fd, u32(9), value)).toBe(-errno.ENOENT);
    const next = new Uint8Array(4);
    expect(bpf.bpf_map_get_next_key(fd, null, next)).toBe(0);
    expect(next).toEqual(u32(1));
    expect(bpf.bpf_map_get_next_key(fd, u32(1), next)).toBe(-errno.ENOENT);
    expect(bpf.bpf_map_delete_elem(fd, u32(1))).toBe(0);
    expect(bpf.bpf_map_delete_elem(fd, u32(1))).toBe(-errno.ENOENT);
    expect(k.trace.map((t) => t.event.kind === 'bpf' && t.event.cmd)).toContain('BPF_MAP_GET_NEXT_KEY');
  });

  it('loads, pins, reopens by id and reads info', () => {
    const k = new Kernel();
    const bpf = libbpf(k, 100);
    const prog = bpf.bpf_prog_load('BPF_PROG_TYPE_SCHED_CLS', 'p', 'GPL', RET0, RET0.length);
    expect(prog).toBe(3);
    expect(bpf.bpf_prog_load('BPF_PROG_TYPE_SCHED_CLS', 'p', null, RET0, 2)).toBe(-errno.EFAULT);
    expect(bpf.bpf_obj_pin(prog, '/sys/fs/bpf/p')).toBe(0);
    expect(bpf.bpf_obj_pin(prog, '/sys/fs/bpf/p')).toBe(-errno.EEXIST);
    expect(bpf.close(prog)).toBe(0);
    const id = new Uint32Array(1);
    expect(bpf.bpf_prog_get_next_id(0, id)).toBe(0);
    expect(id[0]).toBe(1);
    expect(bpf.bpf_prog_get_next_id(1, id)).toBe(-errno.ENOENT);
    const again = bpf.bpf_prog_get_fd_by_id(1);
    expect(again).toBe(3);
    const info: Record<string, unknown> = {};
    const len = { len: 232 };
    expect(bpf.bpf_obj_get_info_by_fd(again, info, len)).toBe(0);
    expect(info).toMatchObject({ id: 1, type: 3, name: 'p', tag: '59f4a931744dcdc6', gpl_compatible: 1 });
    expect(bpf.bpf_obj_get('/sys/fs/bpf/p')).toBe(4);
    expect(bpf.bpf_obj_get('/sys/fs/bpf/none')).toBe(-errno.ENOENT);
  });

  it('passes negative C ints into __u32 fields as C does: the kernel refuses them as bad fds', () => {
    const k = new Kernel();
    const bpf = libbpf(k, 100);
    expect(bpf.bpf_map_update_elem(-1, u32(1), u64(1))).toBe(-errno.EBADF);
    expect(bpf.bpf_obj_pin(-2, '/sys/fs/bpf/x')).toBe(-errno.EINVAL);
    expect(k.trace[0].event).toMatchObject({ attr: { map_fd: 0xffffffff } });
  });

  it('converts a struct of the caller\'s (link_create\'s tcx) into a copy, leaving the caller\'s as it was', () => {
    const k = new Kernel();
    const bpf = libbpf(k, 100);
    const tcx = { relative_fd: -1 };
    bpf.bpf_link_create(-1, 1, 'BPF_TCX_INGRESS', { tcx });
    const attr = (k.trace[0].event as { attr: { prog_fd: number; tcx: object } }).attr;
    expect(attr).toMatchObject({ prog_fd: 0xffffffff, tcx: { relative_fd: 0xffffffff } });
    expect(attr.tcx).not.toBe(tcx);
    expect(tcx).toEqual({ relative_fd: -1 });
  });

  it('refuses a malformed call with an error naming the field, and records nothing', () => {
    const k = new Kernel();
    expect(() => k.apply({ kind: 'bpf', pid: 1, cmd: 'BPF_MAP_CREATE', attr: { map_type: 1, key_size: 4, value_size: 4 } })).toThrow('event 0: attr.max_entries: missing');
    expect(k.trace).toEqual([]);
  });
});
