import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ATTR_SCHEMAS, bpf_attach_type, bpf_cmd, bpf_map_type, toHex, type Field, type ModelledCmd, type Schema } from '@bpfsim/events';
import { encodeAttr, encodeInsns } from '../src/attr/encode.ts';
import { ATTR_LAYOUT, ATTR_SIZE } from '../src/attr/layout.ts';
import { readAttr } from '../src/attr/read.ts';
import type { EncodeContext } from '../src/attr/buffers.ts';

const noMaps: EncodeContext = { mapOf: () => undefined, possibleCpus: () => 4 };
const withMap = (map_type: number, key_size: number, value_size: number): EncodeContext =>
  ({ mapOf: (fd) => (fd === 3 ? { map_type, key_size, value_size } : undefined), possibleCpus: () => 4 });

function fieldPaths(schema: Schema, prefix = ''): [string, Field][] {
  return Object.entries(schema).flatMap(([name, f]) =>
    typeof f.kind === 'object' && 'struct' in f.kind ? fieldPaths(f.kind.struct, `${prefix}${name}.`) : [[`${prefix}${name}`, f] as [string, Field]]);
}

describe('union bpf_attr layout', () => {
  it('has an offset for every field of every modelled command', () => {
    for (const cmd of Object.keys(ATTR_SCHEMAS) as ModelledCmd[]) {
      for (const [path] of fieldPaths(ATTR_SCHEMAS[cmd])) expect(ATTR_LAYOUT[cmd][path], `${cmd}.${path}`).toBeDefined();
    }
  });

  it('keeps every member inside sizeof(union bpf_attr) and overlaps only union siblings', () => {
    const width = { u32: 4, s32: 4, u64: 8, s64: 8, ptr: 8, name16: 16 } as const;
    for (const cmd of Object.keys(ATTR_LAYOUT) as ModelledCmd[]) {
      const slots = Object.entries(ATTR_LAYOUT[cmd]);
      for (const [a, sa] of slots) {
        expect(sa.off + width[sa.type]).toBeLessThanOrEqual(ATTR_SIZE);
        expect(sa.off % Math.min(width[sa.type], 8) === 0 || sa.type === 'name16', `${cmd}.${a} aligned`).toBe(true);
        for (const [b, sb] of slots) {
          if (a >= b) continue;
          const overlap = sa.off < sb.off + width[sb.type] && sb.off < sa.off + width[sa.type];
          if (overlap) expect([sa.off, width[sa.type]], `${cmd}: ${a} overlaps ${b}`).toEqual([sb.off, width[sb.type]]);
        }
      }
    }
  });
});

describe('encodeAttr', () => {
  it('round-trips the scalar members of BPF_MAP_CREATE', () => {
    const u32 = fc.integer({ min: 0, max: 0xffffffff });
    fc.assert(fc.property(
      fc.record({ map_type: u32, key_size: u32, value_size: u32, max_entries: u32, map_flags: u32, numa_node: u32,
        map_extra: fc.maxSafeNat(), map_token_fd: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
        map_name: fc.stringMatching(/^[a-z_]{0,15}$/) }),
      (attr) => {
        const e = encodeAttr('BPF_MAP_CREATE', attr, noMaps);
        expect(e.cmd).toBe(bpf_cmd.BPF_MAP_CREATE);
        expect(e.attr.length).toBe(ATTR_SIZE);
        expect(e.bufs).toEqual([]);
        const back = readAttr('BPF_MAP_CREATE', e.attr);
        for (const [k, v] of Object.entries(attr)) expect(back[k], k).toBe(v);
      },
    ));
  });

  it('writes enum names as their kernel numbers and leaves absent fields zero', () => {
    const e = encodeAttr('BPF_PROG_ATTACH', { target_ifindex: 7, attach_bpf_fd: 4, attach_type: 'BPF_TCX_INGRESS', attach_flags: 0x28, relative_id: 9 }, noMaps);
    const back = readAttr('BPF_PROG_ATTACH', e.attr);
    expect(back).toMatchObject({ target_ifindex: 7, attach_bpf_fd: 4, attach_type: bpf_attach_type.BPF_TCX_INGRESS, attach_flags: 0x28, relative_id: 9, replace_bpf_fd: 0, expected_revision: 0 });
    expect(e.attr.subarray(32).every((b) => b === 0)).toBe(true);
  });

  it('places nested struct members (link_create.tcx)', () => {
    const e = encodeAttr('BPF_LINK_CREATE', { prog_fd: 3, target_ifindex: 2, attach_type: 'BPF_TCX_EGRESS', flags: 8, tcx: { relative_fd: 5, expected_revision: 2 ** 40 } }, noMaps);
    expect(readAttr('BPF_LINK_CREATE', e.attr)).toMatchObject({ prog_fd: 3, target_ifindex: 2, attach_type: bpf_attach_type.BPF_TCX_EGRESS, flags: 8, 'tcx.relative_fd': 5, 'tcx.expected_revision': 2 ** 40 });
  });

  it('stores names inline, cutting anything past char[16] (no NUL then fits, as from C)', () => {
    const long = encodeAttr('BPF_PROG_LOAD', { prog_type: 3, insns: [], prog_name: 'a_very_long_name_' }, noMaps);
    expect(Buffer.from(long.attr.subarray(48, 64)).toString()).toBe('a_very_long_name');
    expect(long.attr[64]).toBe(0);
    const short = encodeAttr('BPF_MAP_CREATE', { map_type: 1, key_size: 4, value_size: 4, max_entries: 1, map_name: 'm1' }, noMaps);
    expect(readAttr('BPF_MAP_CREATE', short.attr).map_name).toBe('m1');
  });

  it('points at insns, license and pathname, and fills insn_cnt unless given', () => {
    const insns = [{ code: 0xb7, dst_reg: 0, src_reg: 0, off: 0, imm: 0 }, { code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0 }];
    const e = encodeAttr('BPF_PROG_LOAD', { prog_type: 'BPF_PROG_TYPE_SCHED_CLS', insns, license: 'GPL' }, noMaps);
    expect(readAttr('BPF_PROG_LOAD', e.attr).insn_cnt).toBe(2);
    expect(e.bufs.map((b) => [b.field, b.ptrOff, toHex(b.input), b.cap, b.retLen])).toEqual([
      ['insns', 8, 'b700000000000000' + '9500000000000000', 16, 0],
      ['license', 16, '47504c00', 4, 0],
    ]);
    const explicit = encodeAttr('BPF_PROG_LOAD', { prog_type: 3, insns, insn_cnt: 7 }, noMaps);
    expect(readAttr('BPF_PROG_LOAD', explicit.attr).insn_cnt).toBe(7);
    const pin = encodeAttr('BPF_OBJ_PIN', { pathname: '/sys/fs/bpf/m', bpf_fd: 3 }, noMaps);
    expect(pin.bufs[0]).toMatchObject({ field: 'pathname', ptrOff: 0, cap: 14 });
  });

  it('encodes struct bpf_insn: registers in one byte, off and imm little-endian and signed', () => {
    expect(toHex(encodeInsns([{ code: 0x18, dst_reg: 1, src_reg: 2, off: -2, imm: -1 }]))).toBe('1821feffffffffff');
  });

  it('sizes output buffers from the attr and the map behind map_fd', () => {
    const q = encodeAttr('BPF_PROG_QUERY', { target_ifindex: 2, attach_type: 'BPF_TCX_INGRESS', count: 3, prog_ids: true, link_ids: true, prog_attach_flags: false }, noMaps);
    expect(q.bufs.map((b) => [b.field, b.ptrOff, b.cap, b.retLen])).toEqual([['prog_ids', 16, 12, 12], ['link_ids', 40, 12, 12]]);
    const k = encodeAttr('BPF_MAP_GET_NEXT_KEY', { map_fd: 3, next_key: true }, withMap(bpf_map_type.BPF_MAP_TYPE_HASH, 6, 8));
    expect(k.bufs).toMatchObject([{ field: 'next_key', ptrOff: 16, cap: 6, retLen: 6 }]);
    const log = encodeAttr('BPF_PROG_LOAD', { prog_type: 3, insns: [], log_level: 1, log_size: 4096, log_buf: true }, noMaps);
    expect(log.bufs.find((b) => b.field === 'log_buf')).toMatchObject({ ptrOff: 32, cap: 4096, cstr: true });
    const t = encodeAttr('BPF_PROG_TEST_RUN', { prog_fd: 3, data_in: '00'.repeat(14), data_size_out: 64, data_out: true }, noMaps);
    expect(readAttr('BPF_PROG_TEST_RUN', t.attr)).toMatchObject({ data_size_in: 14, data_size_out: 64 });
  });

  it('gives a lookup without value a buffer the size the kernel copies out, except on a bloom filter', () => {
    const hash = encodeAttr('BPF_MAP_LOOKUP_ELEM', { map_fd: 3, key: '01000000' }, withMap(bpf_map_type.BPF_MAP_TYPE_HASH, 4, 12));
    expect(hash.bufs.map((b) => [b.field, b.cap, b.output, b.retLen])).toEqual([['key', 4, false, 0], ['value', 12, true, 12]]);
    const percpu = encodeAttr('BPF_MAP_LOOKUP_ELEM', { map_fd: 3, key: '01000000' }, withMap(bpf_map_type.BPF_MAP_TYPE_PERCPU_ARRAY, 4, 12));
    expect(percpu.bufs[1].cap).toBe(16 * 4);
    const bloom = encodeAttr('BPF_MAP_LOOKUP_ELEM', { map_fd: 3 }, withMap(bpf_map_type.BPF_MAP_TYPE_BLOOM_FILTER, 0, 4));
    expect(bloom.bufs).toEqual([]);
    const peek = encodeAttr('BPF_MAP_LOOKUP_ELEM', { map_fd: 3, value: '01020304' }, withMap(bpf_map_type.BPF_MAP_TYPE_BLOOM_FILTER, 0, 4));
    expect(peek.bufs).toMatchObject([{ field: 'value', cap: 4, output: false, retLen: 0 }]);
    const given = encodeAttr('BPF_MAP_LOOKUP_ELEM', { map_fd: 3, key: '01000000', value: '' }, withMap(bpf_map_type.BPF_MAP_TYPE_HASH, 4, 12));
    expect(given.bufs[1]).toMatchObject({ field: 'value', cap: 0, output: true });
    const update = encodeAttr('BPF_MAP_UPDATE_ELEM', { map_fd: 3, key: '01000000', value: 'aa' }, withMap(bpf_map_type.BPF_MAP_TYPE_HASH, 4, 12));
    expect(update.bufs[1]).toMatchObject({ field: 'value', cap: 1, retLen: 0 });
  });

  it('names the field it cannot encode', () => {
    expect(() => encodeAttr('BPF_MAP_CREATE', { map_type: 'BPF_MAP_TYPE_NOPE' } as never, noMaps)).toThrow(expect.objectContaining({ path: 'attr.map_type' }));
    expect(() => encodeAttr('BPF_MAP_FREEZE', { map_fd: 3, bogus: 1 } as never, noMaps)).toThrow(expect.objectContaining({ path: 'attr.bogus' }));
  });
});
