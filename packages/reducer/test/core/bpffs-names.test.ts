// bpffs paths are keys of the state's bpffs table: a pin or directory named like a member of
// Object.prototype ("constructor", "__proto__", ...) must be a name like any other, not an inherited
// property (which made a lookup find a function, or an assignment change the table's prototype).
import { describe, expect, it } from 'vitest';
import type { Event, Result } from '@bpfsim/events';
import { fold, initialState, type KernelState } from '../../src/index.ts';

const NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];
const bpf = (cmd: string, attr: Record<string, unknown>): Event => ({ kind: 'bpf', pid: 1, cmd, attr }) as Event;

function run(events: Event[]): { state: KernelState; results: Result[] } {
  let state = initialState(1);
  const results: Result[] = [];
  for (const e of events) { const f = fold(state, e); state = f.state; results.push(f.result); }
  return { state, results };
}

describe('bpffs names', () => {
  it('a pin, a directory and a lookup named like an Object.prototype member behave as any other name', () => {
    for (const n of NAMES) {
      const { state, results } = run([
        bpf('BPF_MAP_CREATE', { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 1 }),
        bpf('BPF_OBJ_GET', { pathname: `/sys/fs/bpf/${n}` }), // nothing there yet
        bpf('BPF_OBJ_PIN', { bpf_fd: 3, pathname: `/sys/fs/bpf/${n}` }),
        bpf('BPF_OBJ_PIN', { bpf_fd: 3, pathname: `/sys/fs/bpf/${n}` }), // it is there now
        bpf('BPF_OBJ_GET', { pathname: `/sys/fs/bpf/${n}` }),
        { kind: 'unlink', pid: 1, pathname: `/sys/fs/bpf/${n}/x` } as Event, // not a directory
        { kind: 'mkdir', pid: 1, pathname: `/sys/fs/bpf/d/${n}` } as Event, // no d
        { kind: 'mkdir', pid: 1, pathname: '/sys/fs/bpf/d' } as Event,
        { kind: 'mkdir', pid: 1, pathname: `/sys/fs/bpf/d/${n}` } as Event,
        { kind: 'unlink', pid: 1, pathname: `/sys/fs/bpf/valueOf${n}` } as Event,
      ]);
      expect(results.map((r) => r.ret), n).toEqual([3, -2, 0, -17, 4, -20, -2, 0, 0, -2]);
      expect(Object.getPrototypeOf(state.bpffs)).toBe(Object.prototype);
      expect(Object.keys(state.bpffs).sort()).toEqual(['d', `d/${n}`, n].sort());
      expect(state.bpffs[n]).toEqual({ kind: 'map', id: 1 });
      expect(state.maps[1].refs).toBe(3); // fds 3 and 4, the pin
      const after = run([{ kind: 'unlink', pid: 1, pathname: `/sys/fs/bpf/${n}` } as Event]);
      expect(after.results[0].ret, `unlink ${n} in an empty bpffs`).toBe(-2);
    }
  });

  it('unlinking such a pin drops it and its reference', () => {
    const events: Event[] = [bpf('BPF_MAP_CREATE', { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 1 })];
    for (const n of NAMES) events.push(bpf('BPF_OBJ_PIN', { bpf_fd: 3, pathname: `/sys/fs/bpf/${n}` }));
    for (const n of NAMES) events.push({ kind: 'unlink', pid: 1, pathname: `/sys/fs/bpf/${n}` } as Event);
    const { state, results } = run(events);
    expect(results.every((r) => r.ret >= 0)).toBe(true);
    expect(Object.keys(state.bpffs)).toEqual([]);
    expect(state.maps[1].refs).toBe(1);
    // A deleted "__proto__" reads as Object.prototype: finalizing the table once deep-froze it.
    expect(Object.isFrozen(Object.prototype)).toBe(false);
  });
});
