import { describe, expect, it } from 'vitest';
import { BPF_LINK_INFO, BPF_LINK_INFO_TCX, BPF_MAP_INFO, BPF_PROG_INFO, SIZEOF_BPF_LINK_INFO, SIZEOF_BPF_MAP_INFO, SIZEOF_BPF_PROG_INFO, bpf_link_type, errno } from '@bpfsim/events';
import { decodeOut } from '../src/attr/decode.ts';
import { decodeInfo, INFO_SIZE } from '../src/attr/info.ts';
import { ATTR_SIZE } from '../src/attr/layout.ts';
import { writeScalar } from '../src/attr/struct.ts';

const attrWith = (fields: [number, 'u32' | 'u64', number][]) => {
  const b = new Uint8Array(ATTR_SIZE);
  for (const [off, t, v] of fields) writeScalar(b, off, t, v);
  return b;
};
const u32s = (...xs: number[]) => {
  const b = new Uint8Array(xs.length * 4);
  xs.forEach((x, i) => writeScalar(b, i * 4, 'u32', x));
  return b;
};

describe('decodeOut', () => {
  it('PROG_QUERY: count, revision, attach_flags, and only the arrays passed, cut to count', () => {
    const attr = attrWith([[24, 'u32', 2], [56, 'u64', 5], [12, 'u32', 0]]);
    const bufs = new Map([['prog_ids', u32s(11, 12, 0, 0)], ['link_ids', u32s(0, 21, 0, 0)]]);
    expect(decodeOut('BPF_PROG_QUERY', { count: 4, prog_ids: true, link_ids: true }, { ret: 0, attr, bufs }))
      .toEqual({ count: 2, revision: 5, attach_flags: 0, prog_ids: [11, 12], link_ids: [0, 21] });
    // -ENOSPC still reports the total count and fills the arrays up to their capacity
    const small = new Map([['prog_ids', u32s(11)]]);
    expect(decodeOut('BPF_PROG_QUERY', { count: 1, prog_ids: true }, { ret: -errno.ENOSPC, attr, bufs: small }))
      .toEqual({ count: 2, revision: 5, attach_flags: 0, prog_ids: [11] });
    // without prog_ids the kernel copies no array at all
    expect(decodeOut('BPF_PROG_QUERY', { count: 4, link_ids: true }, { ret: 0, attr, bufs: new Map([['link_ids', u32s(1, 2, 3, 4)]]) }))
      .toEqual({ count: 2, revision: 5, attach_flags: 0 });
    expect(decodeOut('BPF_PROG_QUERY', {}, { ret: -errno.ENODEV, attr, bufs: new Map() })).toBeUndefined();
  });

  it('lookups, next keys, next ids, logs', () => {
    const none = new Uint8Array(ATTR_SIZE);
    expect(decodeOut('BPF_MAP_LOOKUP_ELEM', {}, { ret: 0, attr: none, bufs: new Map([['value', new Uint8Array([1, 2])]]) })).toEqual({ value: '0102' });
    expect(decodeOut('BPF_MAP_LOOKUP_ELEM', {}, { ret: -errno.ENOENT, attr: none, bufs: new Map([['value', new Uint8Array([1, 2])]]) })).toBeUndefined();
    expect(decodeOut('BPF_MAP_GET_NEXT_KEY', {}, { ret: 0, attr: none, bufs: new Map([['next_key', new Uint8Array([7, 0, 0, 0])]]) })).toEqual({ next_key: '07000000' });
    expect(decodeOut('BPF_MAP_GET_NEXT_ID', {}, { ret: 0, attr: attrWith([[4, 'u32', 42]]), bufs: new Map() })).toEqual({ next_id: 42 });
    const log = new TextEncoder().encode('processed 2 insns');
    expect(decodeOut('BPF_PROG_LOAD', {}, { ret: -errno.EACCES, attr: attrWith([[140, 'u32', 18]]), bufs: new Map([['log_buf', log]]) }))
      .toEqual({ log_buf: 'processed 2 insns', log_true_size: 18 });
    expect(decodeOut('BPF_PROG_LOAD', {}, { ret: 3, attr: none, bufs: new Map() })).toBeUndefined();
  });

  it('PROG_TEST_RUN: retval, sizes and the output bytes', () => {
    const attr = attrWith([[4, 'u32', 2], [12, 'u32', 3], [36, 'u32', 100]]);
    expect(decodeOut('BPF_PROG_TEST_RUN', {}, { ret: 0, attr, bufs: new Map([['data_out', new Uint8Array([1, 2, 3, 0, 0])]]) }))
      .toEqual({ retval: 2, duration: 100, data_size_out: 3, data_out: '010203' });
  });

  it('OBJ_GET_INFO_BY_FD: info_len, and the struct cut to it', () => {
    const info = new Uint8Array(INFO_SIZE.link);
    writeScalar(info, 0, 'u32', bpf_link_type.BPF_LINK_TYPE_TCX);
    writeScalar(info, 4, 'u32', 9);
    writeScalar(info, 8, 'u32', 8);
    writeScalar(info, 16, 'u32', 3);
    writeScalar(info, 20, 'u32', 46);
    const attr = attrWith([[4, 'u32', 64]]);
    expect(decodeOut('BPF_OBJ_GET_INFO_BY_FD', { info: true }, { ret: 0, attr, bufs: new Map([['info', info]]) }, 'link'))
      .toEqual({ info_len: 64, info: { type: 11, id: 9, prog_id: 8, ifindex: 3, attach_type: 46 } });
    const cut = attrWith([[4, 'u32', 8]]);
    expect(decodeOut('BPF_OBJ_GET_INFO_BY_FD', { info: true }, { ret: 0, attr: cut, bufs: new Map([['info', info]]) }, 'link'))
      .toEqual({ info_len: 8, info: { type: 11, id: 9 } });
  });
});

describe('decodeInfo', () => {
  it('reads the tag as hex, the name as text and gpl_compatible as one bit', () => {
    const b = new Uint8Array(INFO_SIZE.prog);
    b.set([0x59, 0xf4, 0xa9, 0x31, 0x74, 0x4d, 0xcd, 0xc6], 8);
    b.set(new TextEncoder().encode('p1'), 64);
    b[84] = 0xff;
    expect(decodeInfo('prog', b, INFO_SIZE.prog)).toMatchObject({ tag: '59f4a931744dcdc6', name: 'p1', gpl_compatible: 1 });
  });

  it('agrees with the info layouts of @bpfsim/events on every member both name', () => {
    const pairs = [['prog', BPF_PROG_INFO, SIZEOF_BPF_PROG_INFO], ['map', BPF_MAP_INFO, SIZEOF_BPF_MAP_INFO],
      ['link', [...BPF_LINK_INFO, ...BPF_LINK_INFO_TCX], SIZEOF_BPF_LINK_INFO]] as const;
    for (const [kind, layout, size] of pairs) {
      expect(INFO_SIZE[kind]).toBe(size);
      for (const f of layout) {
        // a struct non-zero only under this member shows that we read it there
        const b = new Uint8Array(size);
        b.fill(0xab, f.offset, f.offset + f.size);
        if (kind === 'link') b[0] = bpf_link_type.BPF_LINK_TYPE_TCX;
        const info = decodeInfo(kind, b, size);
        expect(info, `${kind}.${f.name}`).toHaveProperty(f.name);
        expect(info[f.name], `${kind}.${f.name}`).not.toBe(0);
      }
    }
  });
});
