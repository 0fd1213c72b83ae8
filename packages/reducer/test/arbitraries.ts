// fast-check arbitraries for events over a small universe (few pids, low fds, a handful of paths),
// so that random streams hit real objects often.
import fc from 'fast-check';
import type { Event } from '@bpfsim/events';

const pid = fc.constantFrom(100, 101, 102);
const fd = fc.integer({ min: 0, max: 9 });
const hex = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('hex'));
const I = (code: number, dst_reg = 0, src_reg = 0, off = 0, imm = 0) => ({ code, dst_reg, src_reg, off, imm });
const progs = fc.oneof(
  fc.constant([I(0xb7), I(0x95)]),
  fc.constant([I(0xb7, 0, 0, 0, 1), I(0x95)]),
  fd.map((f) => [I(0x18, 1, 1, 0, f), I(0), I(0xb7), I(0x95)]),
  fc.constant([I(0xb7)]),
  fc.constant([]),
);
// (names of Object.prototype members are names like any other in bpffs, and keys of the state's bpffs table)
const path = fc.constantFrom('/sys/fs/bpf/a', '/sys/fs/bpf/b', '/sys/fs/bpf/d', '/sys/fs/bpf/d/x', '/tmp/x', '/sys/fs/bpf/__proto__', '/sys/fs/bpf/constructor');
const bpffsPath = fc.constantFrom('/sys/fs/bpf/a', '/sys/fs/bpf/b', '/sys/fs/bpf/d', '/sys/fs/bpf/d/x', '/sys/fs/bpf/__proto__', '/sys/fs/bpf/constructor');
const mapType = fc.constantFrom('BPF_MAP_TYPE_HASH', 'BPF_MAP_TYPE_ARRAY', 'BPF_MAP_TYPE_BLOOM_FILTER', 77);

const bpf = (cmd: string, attr: fc.Arbitrary<Record<string, unknown>>) =>
  fc.record({ pid, attr }).map(({ pid, attr }) => ({ kind: 'bpf', pid, cmd, attr }) as unknown as Event);

export const eventArb: fc.Arbitrary<Event> = fc.oneof(
  bpf('BPF_MAP_CREATE', fc.record({ map_type: mapType, key_size: fc.constantFrom(0, 4), value_size: fc.constantFrom(0, 4, 8), max_entries: fc.constantFrom(0, 1, 4), map_flags: fc.constantFrom(0, 0x40, 0x8, 0x10, 0x18) })),
  bpf('BPF_MAP_UPDATE_ELEM', fc.record({ map_fd: fd, key: hex(4), value: hex(8), flags: fc.constantFrom(0, 1, 2, 3) })),
  bpf('BPF_MAP_LOOKUP_ELEM', fc.record({ map_fd: fd, key: hex(4) })),
  bpf('BPF_MAP_DELETE_ELEM', fc.record({ map_fd: fd, key: hex(4) })),
  bpf('BPF_MAP_GET_NEXT_KEY', fc.record({ map_fd: fd, key: hex(4), next_key: fc.constant(true) }, { requiredKeys: ['map_fd', 'next_key'] })),
  bpf('BPF_MAP_FREEZE', fc.record({ map_fd: fd })),
  bpf('BPF_PROG_LOAD', fc.record({ prog_type: fc.constantFrom('BPF_PROG_TYPE_SCHED_CLS', 'BPF_PROG_TYPE_XDP', 999), insns: progs, license: fc.constantFrom('GPL', 'MIT') }, { requiredKeys: ['prog_type', 'insns'] })),
  bpf('BPF_OBJ_PIN', fc.record({ bpf_fd: fd, pathname: path })),
  bpf('BPF_OBJ_GET', fc.record({ pathname: path, file_flags: fc.constantFrom(0, 8, 0x10) })),
  bpf('BPF_PROG_GET_FD_BY_ID', fc.record({ prog_id: fc.integer({ min: 0, max: 6 }) })),
  bpf('BPF_MAP_GET_FD_BY_ID', fc.record({ map_id: fc.integer({ min: 0, max: 6 }), open_flags: fc.constantFrom(0, 8) })),
  bpf('BPF_MAP_GET_NEXT_ID', fc.record({ start_id: fc.integer({ min: 0, max: 6 }) })),
  bpf('BPF_OBJ_GET_INFO_BY_FD', fc.record({ bpf_fd: fd, info_len: fc.constantFrom(0, 8, 200, 4096), info: fc.boolean() })),
  fc.record({ kind: fc.constant('close' as const), pid, fd }),
  fc.record({ kind: fc.constant('dup' as const), pid, fd }),
  fc.record({ kind: fc.constant('fork' as const), pid, child: pid }),
  fc.record({ kind: fc.constant('exit' as const), pid }),
  fc.record({ kind: fc.constant('mkdir' as const), pid, pathname: bpffsPath }),
  fc.record({ kind: fc.constant('unlink' as const), pid, pathname: bpffsPath, dir: fc.boolean() }),
  fc.record({ kind: fc.constant('netdev_add' as const), name: fc.constantFrom('a', 'b', 'c') }),
  fc.record({ kind: fc.constant('netdev_del' as const), name: fc.constantFrom('a', 'b', 'veth0', 'lo') }),
) as fc.Arbitrary<Event>;
