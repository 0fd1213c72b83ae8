// bpftool-style output of map types: the names bpftool prints (libbpf_bpf_map_type_str), and a prog
// array's owner as bpftool 7.1 printed it on Linux 6.18 for an array owned by a SCHED_CLS program:
//   550: prog_array  flags 0x0
//   	key 4B  value 4B  max_entries 4  memlock 344B
//   	owner_prog_type sched_cls  owner jited
// (the model does not print memlock).
import { describe, expect, it } from 'vitest';
import { assertEvent } from '@bpfsim/events';
import { fold, initialState } from '@bpfsim/reducer';
import { mapShow } from '../src/format/bpftool.ts';

describe('bpftool map show', () => {
  it('names a prog array prog_array', () => {
    let s = initialState(0);
    const create = { kind: 'bpf', pid: 100, cmd: 'BPF_MAP_CREATE', attr: { map_type: 'BPF_MAP_TYPE_PROG_ARRAY', key_size: 4, value_size: 4, max_entries: 8, map_name: 'jmp_table' } };
    const r = fold(s, assertEvent(create, 0));
    expect(r.result.ret).toBe(3);
    s = r.state;
    expect(mapShow(s)).toBe('1: prog_array  name jmp_table  flags 0x0\n\tkey 4B  value 4B  max_entries 8');
  });

  it('shows the owner once a program is inserted', () => {
    const events = [
      { kind: 'bpf', pid: 100, cmd: 'BPF_MAP_CREATE', attr: { map_type: 'BPF_MAP_TYPE_PROG_ARRAY', key_size: 4, value_size: 4, max_entries: 4 } },
      { kind: 'bpf', pid: 100, cmd: 'BPF_PROG_LOAD', attr: { prog_type: 'BPF_PROG_TYPE_SCHED_CLS', license: 'GPL', insns: [{ code: 0xb7, dst_reg: 0, src_reg: 0, off: 0, imm: 0 }, { code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0 }] } },
      { kind: 'bpf', pid: 100, cmd: 'BPF_MAP_UPDATE_ELEM', attr: { map_fd: 3, key: '00000000', value: '04000000' } },
    ];
    let s = initialState(0);
    for (const [i, e] of events.entries()) {
      const r = fold(s, assertEvent(e, i));
      expect(r.result.ret).toBeGreaterThanOrEqual(0);
      s = r.state;
    }
    expect(mapShow(s)).toBe('1: prog_array  flags 0x0\n\tkey 4B  value 4B  max_entries 4\n\towner_prog_type sched_cls  owner jited');
  });
});
