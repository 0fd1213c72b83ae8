// bpf_map_lookup_elem / update / delete (and bloom push / peek) on the overlay, with the kernel's
// flag checks and errnos (kernel/bpf/arraymap.c, hashtab.c, bloom_filter.c).
import { BPF_EXIST, BPF_F_LOCK, BPF_F_RDONLY_PROG, BPF_NOEXIST, bpf_map_type, errno } from '@bpfsim/events';
import { bytesToHex as toHex } from '../hex.ts';
import { arrayIndex, type MapShape } from '@bpfsim/state';
import type { Machine } from '../machine.ts';
import { BASE, PTR_TAG, memRegion, type Region } from '../memory/region.ts';
import type { Element, MapView } from './overlay.ts';
import { BloomOverlay } from './bloom.ts';

const T = bpf_map_type;

/** A pointer to the element's value (valid for this packet), as lo with m.rh = hi. */
export function elementPointer(m: Machine, v: MapView, e: Element, off = 0): number {
  if (e.epoch !== m.epoch) {
    const r = e.region !== undefined && e.region.u8 === e.buf ? e.region : newRegion(v, e);
    e.rid = m.addRegion(r);
    e.epoch = m.epoch;
  }
  m.rh = PTR_TAG | e.rid;
  return (BASE + off) | 0;
}

/** The element's value as a region (apart from elementPointer: keeps it small enough to inline). */
function newRegion(v: MapView, e: Element): Region {
  return (e.region = memRegion(`map ${v.map.id} value`, e.buf!, (v.map.map_flags & BPF_F_RDONLY_PROG) === 0));
}

/** The element a lookup finds, or undefined (NULL). Throws a string for map types a program may not look up. */
export function lookup(m: Machine, v: MapView, key: Uint8Array): Element | undefined {
  const map = v.map;
  switch (map.map_type) {
    case T.BPF_MAP_TYPE_ARRAY: {
      if ((key[0] | (key[1] << 8) | (key[2] << 16) | (key[3] << 24)) >>> 0 >= map.max_entries) return undefined;
      return m.overlay.element(v, toHex(key));
    }
    case T.BPF_MAP_TYPE_HASH: {
      const e = m.overlay.element(v, toHex(key));
      return e === undefined || e.buf === null ? undefined : e;
    }
  }
  throw `bpf_map_lookup_elem on map type ${map.map_type} is not modelled`;
}

/** lookup() of the 4-byte key at u8[o..o+4), cached by its value (as an int32) in v.byU32. */
export function lookupU32(m: Machine, v: MapView, u8: Uint8Array, o: number): Element | undefined {
  const k = u8[o] | (u8[o + 1] << 8) | (u8[o + 2] << 16) | (u8[o + 3] << 24); // as an int32: IntTable keys
  const e = v.byU32.get(k);
  if (e !== undefined) return e.buf === null && v.map.map_type === T.BPF_MAP_TYPE_HASH ? undefined : e;
  return lookupU32Miss(m, v, u8, o, k);
}

function lookupU32Miss(m: Machine, v: MapView, u8: Uint8Array, o: number, k: number): Element | undefined {
  const f = lookup(m, v, u8.subarray(o, o + 4));
  if (f !== undefined) v.byU32.set(k, f);
  return f;
}

/** 0 or -errno. */
export function update(m: Machine, v: MapView, key: Uint8Array, value: Uint8Array, flagsLo: number, flagsHi: number): number {
  const map = v.map;
  if (flagsHi !== 0 || ((flagsLo >>> 0) & ~BPF_F_LOCK) > BPF_EXIST) return -errno.EINVAL;
  const flags = flagsLo >>> 0;
  const op = flags & ~BPF_F_LOCK;
  const k = toHex(key);
  switch (map.map_type) {
    case T.BPF_MAP_TYPE_ARRAY: {
      if (arrayIndex(k) >= map.max_entries) return -errno.E2BIG;
      if (op === BPF_NOEXIST) return -errno.EEXIST;
      if (flags & BPF_F_LOCK) return -errno.EINVAL; // no bpf_spin_lock without BTF
      const e = m.overlay.element(v, k)!;
      e.buf!.set(value); // array elements are updated in place: pointers see the new value
      e.pos = m.overlay.nextSeq();
      return 0;
    }
    case T.BPF_MAP_TYPE_HASH: {
      if (flags & BPF_F_LOCK) return -errno.EINVAL;
      const e = m.overlay.element(v, k);
      const exists = e !== undefined && e.buf !== null;
      if (exists && op === BPF_NOEXIST) return -errno.EEXIST;
      if (!exists && op === BPF_EXIST) return -errno.ENOENT;
      if (!exists && v.count >= map.max_entries) return -errno.E2BIG;
      // A new element replaces the old one (pointers to the old one keep the old bytes).
      if (e === undefined) m.overlay.insert(v, k, value.slice());
      else { e.buf = value.slice(); e.epoch = -1; e.pos = m.overlay.nextSeq(); }
      if (!exists) v.count++;
      return 0;
    }
    case T.BPF_MAP_TYPE_BLOOM_FILTER:
      return push(m, v, value, flagsLo, flagsHi);
  }
  throw `bpf_map_update_elem on map type ${map.map_type} is not modelled`;
}

export function remove(m: Machine, v: MapView, key: Uint8Array): number {
  switch (v.map.map_type) {
    case T.BPF_MAP_TYPE_ARRAY: return -errno.EINVAL;
    case T.BPF_MAP_TYPE_HASH: {
      const e = m.overlay.element(v, toHex(key));
      if (e === undefined || e.buf === null) return -errno.ENOENT;
      e.buf = null;
      e.epoch = -1;
      e.pos = m.overlay.nextSeq();
      v.count--;
      return 0;
    }
  }
  throw `bpf_map_delete_elem on map type ${v.map.map_type} is not modelled`;
}

function bloomOf(v: MapView): BloomOverlay {
  if (v.map.map_type !== T.BPF_MAP_TYPE_BLOOM_FILTER) throw `map ${v.map.id} is not a bloom filter (push/peek of other map types are not modelled)`;
  return (v.bloom ??= new BloomOverlay(v.map as unknown as MapShape));
}

/** bloom_map_push_elem: only BPF_ANY. */
export function push(m: Machine, v: MapView, value: Uint8Array, flagsLo: number, flagsHi: number): number {
  const b = bloomOf(v);
  if (flagsLo !== 0 || flagsHi !== 0) return -errno.EINVAL;
  b.push(value, m.overlay.nextSeq());
  return 0;
}

/** bloom_map_peek_elem: 0 when every bit is set, else -ENOENT. */
export function peek(v: MapView, value: Uint8Array): number {
  return bloomOf(v).has(value) ? 0 : -errno.ENOENT;
}
