import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { validateEvent, assertEvent, EventError } from '../src/index.ts';

const err = (e: unknown) => { const v = validateEvent(e); return v.ok ? undefined : v.error; };
const create = { map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 8, max_entries: 1 };

describe('validateEvent', () => {
  it('accepts well-formed events of every kind', () => {
    for (const e of [
      { kind: 'bpf', pid: 1, cmd: 'BPF_MAP_CREATE', attr: create },
      { kind: 'bpf', pid: 1, cmd: 'BPF_PROG_GET_NEXT_ID' },
      { kind: 'bpf', pid: 1, cmd: 'BPF_LINK_CREATE', attr: { prog_fd: 3, target_ifindex: 2, attach_type: 'BPF_TCX_INGRESS', tcx: { relative_id: 4, expected_revision: 2 } } },
      { kind: 'close', pid: 1, fd: 3 }, { kind: 'dup', pid: 1, fd: 3 }, { kind: 'fork', pid: 1, child: 2 }, { kind: 'exit', pid: 1 },
      { kind: 'mkdir', pid: 1, pathname: '/sys/fs/bpf/d' }, { kind: 'unlink', pid: 1, pathname: '/sys/fs/bpf/d', dir: true },
      { kind: 'netdev_add', name: 'veth0', peer: 'veth1' }, { kind: 'netdev_del', name: 'veth0' },
    ]) expect(err(e), JSON.stringify(e)).toBeUndefined();
  });

  it('names the field path and what is wrong', () => {
    expect(err(null)).toEqual({ path: '', message: 'expected an event object, got null' });
    expect(err({ kind: 'frob' })?.path).toBe('kind');
    expect(err({ kind: 'bpf', pid: 1, cmd: 'BPF_FROB' })).toEqual({ path: 'cmd', message: 'unknown bpf_cmd "BPF_FROB"' });
    expect(err({ kind: 'bpf', pid: 1, cmd: 'BPF_BTF_LOAD' })?.message).toMatch(/does not model yet/);
    expect(err({ kind: 'bpf', pid: 1, cmd: 'BPF_MAP_CREATE', attr: { ...create, key_size: undefined } })).toEqual({ path: 'attr.key_size', message: 'missing' });
    expect(err({ kind: 'bpf', pid: 1, cmd: 'BPF_MAP_CREATE', attr: { ...create, key_size: 2 ** 32 } })?.message).toMatch(/does not fit in u32/);
    expect(err({ kind: 'bpf', pid: 1, cmd: 'BPF_MAP_CREATE', attr: { ...create, map_type: 'BPF_MAP_TYPE_NOPE' } })?.path).toBe('attr.map_type');
    expect(err({ kind: 'bpf', pid: 1, cmd: 'BPF_MAP_CREATE', attr: { ...create, frob: 1 } })?.message).toMatch(/^not a field this command reads/);
    expect(err({ kind: 'bpf', pid: 1, cmd: 'BPF_MAP_UPDATE_ELEM', attr: { map_fd: 3, key: 'abc' } })?.path).toBe('attr.key');
    expect(err({ kind: 'bpf', pid: 1, cmd: 'BPF_PROG_LOAD', attr: { prog_type: 3, insns: [{ code: 0x95, dst_reg: 16, src_reg: 0, off: 0, imm: 0 }] } })?.path).toBe('attr.insns[0].dst_reg');
    expect(err({ kind: 'bpf', pid: 1, cmd: 'BPF_PROG_ATTACH', attr: { target_fd: 1, target_ifindex: 2, attach_type: 46 } })?.message).toMatch(/share one union member/);
    // a second union after a first one given once, and the first given twice after the second
    expect(err({ kind: 'bpf', pid: 1, cmd: 'BPF_PROG_ATTACH', attr: { target_ifindex: 2, attach_type: 46, relative_fd: 3, relative_id: 4 } }))
      .toEqual({ path: 'attr.relative_id', message: 'relative_fd and relative_id share one union member; give one' });
    expect(err({ kind: 'bpf', pid: 1, cmd: 'BPF_PROG_ATTACH', attr: { target_ifindex: 2, relative_id: 4, attach_type: 46, target_fd: 1 } }))
      .toEqual({ path: 'attr.target_fd', message: 'target_ifindex and target_fd share one union member; give one' });
    expect(err({ kind: 'bpf', pid: 1, cmd: 'BPF_PROG_ATTACH', attr: { target_ifindex: 2, relative_id: 4, attach_type: 46 } })).toBeUndefined();
    expect(err({ kind: 'bpf', pid: 1, cmd: 'BPF_LINK_CREATE', attr: { prog_fd: 3, attach_type: 46, tcx: { relative_fd: 'x' } } })?.path).toBe('attr.tcx.relative_fd');
    expect(err({ kind: 'close', pid: 0, fd: 3 })?.message).toMatch(/pid 0/);
    expect(err({ kind: 'mkdir', pid: 1, pathname: '/tmp/x' })?.message).toMatch(/not under \/sys\/fs\/bpf/);
    expect(err({ kind: 'netdev_add', name: 'a/b' })?.path).toBe('name');
    expect(err({ kind: 'netdev_add', name: 'x'.repeat(16) })?.path).toBe('name');
  });

  it('names a key, kind or cmd spelled like a member of Object.prototype as unknown, without throwing', () => {
    for (const n of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      // JSON.parse makes "__proto__" an own key, as a decoded trace record or a JSON event would.
      const at = (json: string) => err(JSON.parse(json));
      expect(at(`{"kind":"bpf","pid":1,"cmd":"BPF_MAP_CREATE","attr":{"map_type":"BPF_MAP_TYPE_HASH","key_size":4,"value_size":8,"max_entries":1,"${n}":1}}`)?.path).toBe(`attr.${n}`);
      expect(at(`{"kind":"bpf","pid":1,"cmd":"BPF_LINK_CREATE","attr":{"prog_fd":3,"target_ifindex":2,"attach_type":"BPF_TCX_INGRESS","tcx":{"${n}":1}}}`)?.path).toBe(`attr.tcx.${n}`);
      expect(at(`{"kind":"close","pid":1,"fd":3,"${n}":1}`)?.path).toBe(n);
      expect(at(`{"kind":"packets","packets":[{"ifindex":1,"direction":"ingress","data":"00","skb":{"${n}":1}}]}`)?.path).toBe(`packets[0].skb.${n}`);
      expect(at(`{"kind":"${n}","pid":1}`)?.path).toBe('kind');
      expect(at(`{"kind":"bpf","pid":1,"cmd":"${n}"}`)?.path).toBe('cmd');
    }
  });

  it('leaves values the kernel rejects to the kernel', () => {
    expect(err({ kind: 'bpf', pid: 1, cmd: 'BPF_MAP_CREATE', attr: { ...create, map_type: 999, map_flags: 0xffffffff } })).toBeUndefined();
    expect(err({ kind: 'bpf', pid: 1, cmd: 'BPF_PROG_LOAD', attr: { prog_type: 12345, insns: [] } })).toBeUndefined();
  });

  it('assertEvent throws an EventError naming the event index', () => {
    expect(() => assertEvent({ kind: 'close', pid: 1 }, 7)).toThrow(new EventError(7, { path: 'fd', message: 'missing (an integer, s32)' }));
  });

  it('its fast paths agree with what they replace: bytes as the regex /^(?:[0-9a-f]{2})*$/, only own keys checked, in order', () => {
    const update = (key: string) => ({ kind: 'bpf', pid: 1, cmd: 'BPF_MAP_UPDATE_ELEM', attr: { map_fd: 3, key, value: '00' } });
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEFgx \u00e9'.split('')), maxLength: 12 }), (key) => {
      expect(validateEvent(update(key)).ok).toBe(/^(?:[0-9a-f]{2})*$/.test(key));
    }), { numRuns: 2000 });
    // Inherited keys are not the event's: ignored, as Object.keys ignores them.
    const attr = Object.assign(Object.create({ frob: 1 }), { map_fd: 3, key: '00' });
    expect(err({ kind: 'bpf', pid: 1, cmd: 'BPF_MAP_LOOKUP_ELEM', attr })).toBeUndefined();
    expect(err(Object.assign(Object.create({ frob: 1 }), { kind: 'close', pid: 1, fd: 3 }))).toBeUndefined();
    expect(err(Object.assign(Object.create({ frob: 1 }), { kind: 'bpf', pid: 1, cmd: 'BPF_PROG_GET_NEXT_ID' }))).toBeUndefined();
    // The first own stranger, in key order, is the one named.
    expect(err({ kind: 'bpf', pid: 1, cmd: 'BPF_MAP_LOOKUP_ELEM', attr: { map_fd: 3, zz: 1, aa: 2 } })?.path).toBe('attr.zz');
    expect(err({ kind: 'close', pid: 1, zz: 1, fd: 3, aa: 2 })?.path).toBe('zz');
  });
});
