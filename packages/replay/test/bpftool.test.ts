// bpftool-style output of map types: the names bpftool prints (libbpf_bpf_map_type_str).
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
});
