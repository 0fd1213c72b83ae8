// The production hash-map storage (src/maps/hash.ts on @bpfsim/state's HashData radix buckets)
// against the live kernel: BPF_F_ZERO_SEED hash maps, the answers of update/delete, GET_NEXT_KEY
// walks and single GET_NEXT_KEY steps recorded by packages/oracle-probes-algo (htab_order.json).
// Every operation runs inside the reducer's produce, as the reducer runs it.
import { describe, expect, it } from 'vitest';
import { bpf_map_type } from '@bpfsim/events';
import { htabBucket } from '@bpfsim/state';
import { produce } from '../../src/draft/index.ts';
import { hashData, hashDelete, hashLookup, hashNextKey, hashReplaceInPlace, hashUpdate } from '../../src/maps/hash.ts';
import type { BpfMap, HashData } from '../../src/state.ts';
import { fixture } from '../algo/fixtures.ts';

type KeyRef = number | string; // index into the case's key table, or hex of a key not in it
type Op =
  | { op: 'update'; key: KeyRef; ret: string }
  | { op: 'delete'; key: KeyRef; ret: string }
  | { op: 'walk'; keys: KeyRef[]; end: string }
  | { op: 'next'; key: KeyRef | null; ret: string; next: KeyRef | null };
interface Case { map_type: number; key_size: number; value_size: number; max_entries: number; map_flags: number; keys: string[]; ops: Op[] }

const data = fixture<{ cases: Case[] }>('htab_order.json');

const BPF_ANY = 0;
const BPF_F_ZERO_SEED = 1 << 6;

function hashMap(c: Case): BpfMap {
  const attr = { map_type: bpf_map_type.BPF_MAP_TYPE_HASH, key_size: c.key_size, value_size: c.value_size, max_entries: c.max_entries, map_flags: c.map_flags, map_extra: 0 };
  return {
    id: 1, refs: 1, map_type: c.map_type, key_size: c.key_size, value_size: c.value_size, max_entries: c.max_entries,
    map_flags: c.map_flags, map_extra: 0, name: '', frozen: false, data: hashData(attr as Parameters<typeof hashData>[0], 0),
  };
}

/** The keys a full GET_NEXT_KEY walk from a NULL key visits, and how it ends. */
function walk(m: BpfMap): { keys: string[]; end: string } {
  const keys: string[] = [];
  let k = hashNextKey(m, null);
  while (k !== 'ENOENT') {
    keys.push(k);
    if (keys.length > m.max_entries) throw new Error('GET_NEXT_KEY walk does not end');
    k = hashNextKey(m, k);
  }
  return { keys, end: k };
}

describe('hash map storage against the live kernel (BPF_F_ZERO_SEED hash maps, GET_NEXT_KEY walks)', () => {
  it('covers every recorded case', () => {
    expect(data.cases.length).toBe(37);
    expect(data.cases.every((c) => (c.map_flags & BPF_F_ZERO_SEED) !== 0)).toBe(true);
  });
  for (const c of data.cases) {
    const typeName = c.map_type === 5 ? 'PERCPU_HASH' : c.map_type === 9 ? 'LRU_HASH' : 'HASH';
    it(`${typeName} key_size ${c.key_size}, max_entries ${c.max_entries}, flags ${c.map_flags}`, () => {
      const hex = (r: KeyRef) => (typeof r === 'number' ? c.keys[r] : r);
      let m = hashMap(c);
      let step = 0;
      const value = () => (step++ & 0xff).toString(16).padStart(2, '0').repeat(c.value_size);
      for (const op of c.ops) {
        if (op.op === 'update') {
          const k = hex(op.key), v = value();
          let ret = 'OK';
          m = produce(m, (d) => {
            const map = d as BpfMap, hd = map.data as HashData;
            // A per-CPU map copies the value of an existing key in place (the key keeps its place
            // in its bucket); HASH and LRU_HASH link a new element at the head of the bucket.
            if (c.map_type === bpf_map_type.BPF_MAP_TYPE_PERCPU_HASH && hashLookup(map, k) !== undefined) hashReplaceInPlace(hd, k, v);
            else ret = hashUpdate(map, hd, k, v, BPF_ANY) ?? 'OK';
          });
          expect(ret).toBe(op.ret);
          if (ret === 'OK') expect(hashLookup(m, k)).toBe(v);
        } else if (op.op === 'delete') {
          const k = hex(op.key);
          let ret = 'OK';
          m = produce(m, (d) => { ret = hashDelete((d as BpfMap).data as HashData, k) ?? 'OK'; });
          expect(ret).toBe(op.ret);
          expect(hashLookup(m, k)).toBe(undefined);
        } else if (op.op === 'walk') {
          const w = walk(m);
          expect(w.keys).toEqual(op.keys.map(hex));
          expect(w.end).toBe(op.end);
          expect((m.data as HashData).count).toBe(op.keys.length);
        } else {
          const k = op.key === null ? null : hex(op.key);
          const next = hashNextKey(m, k);
          expect(next === 'ENOENT' ? 'ENOENT' : 'OK').toBe(op.ret);
          expect(next === 'ENOENT' ? null : next).toBe(op.next === null ? null : hex(op.next));
        }
      }
      expect(Object.isFrozen(m.data)).toBe(true);
    });
  }
});

describe('hash map storage under produce', () => {
  const upd = (m: BpfMap, k: string, v: string) => {
    let ret: string | undefined;
    const next = produce(m, (d) => { ret = hashUpdate(d as BpfMap, (d as BpfMap).data as HashData, k, v, BPF_ANY); });
    return { next, ret };
  };
  it('leaves the base state alone, returns it unchanged on E2BIG, relinks an updated key at its bucket head', () => {
    const c = { map_type: 1, key_size: 1, value_size: 1, max_entries: 1, map_flags: BPF_F_ZERO_SEED, keys: [], ops: [] };
    const one = hashMap(c);
    const a = upd(one, '01', 'aa');
    expect(a.ret).toBe(undefined);
    const b = upd(a.next, '02', 'bb');
    expect(b.ret).toBe('E2BIG');
    expect(b.next).toBe(a.next);
    expect(walk(one).keys).toEqual([]);
    expect(walk(a.next).keys).toEqual(['01']);

    const four = hashMap({ ...c, max_entries: 4 });
    const inBucket0 = Array.from({ length: 256 }, (_, x) => x.toString(16).padStart(2, '0'))
      .filter((k) => htabBucket(k, 4, 0) === 0).slice(0, 3);
    expect(inBucket0.length).toBe(3);
    let m = four;
    for (const k of inBucket0) m = upd(m, k, '00').next;
    expect(walk(m).keys).toEqual([...inBucket0].reverse()); // newest first
    const before = m;
    m = upd(m, inBucket0[0], '11').next;
    expect(walk(m).keys).toEqual([inBucket0[0], inBucket0[2], inBucket0[1]]);
    expect(walk(before).keys).toEqual([...inBucket0].reverse());
    expect(hashLookup(before, inBucket0[0])).toBe('00');
    expect(hashNextKey(four, null)).toBe('ENOENT');
  });
});
