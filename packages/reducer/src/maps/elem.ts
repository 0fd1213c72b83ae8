// The element commands: map_lookup_elem(), map_update_elem(), map_delete_elem(), map_get_next_key(),
// map_lookup_and_delete_elem() and map_freeze() of kernel/bpf/syscall.c, checks in the kernel's order.
import { bpf_map_type, BPF_F_LOCK, type AttrOf, type ErrnoName, type Result } from '@bpfsim/events';
import type { S } from '../core/draft.ts';
import { resolveFd } from '../core/fds.ts';
import { child, peek, view } from '../draft/index.ts';
import { fail, ok } from '../result.ts';
import type { ArrayData, BloomData, BpfMap, FdEntry, HashData } from '../state.ts';
import { arrayLookup, arrayNextKey, arrayUpdate } from './array.ts';
import { hashDelete, hashLookup, hashNextKey, hashUpdate } from './hash.ts';
import { bloomPeek, bloomPush } from './bloom.ts';
import { progArrayDelete, progArrayLookup, progArrayUpdate } from './prog-array.ts';

type Opened = { map: S['maps'][number]; entry: FdEntry; err?: undefined } | { err: ErrnoName; map?: undefined; entry?: undefined };

/** The map behind `fd`: read-only (no draft) unless the caller is to `write` it. */
function openMap(s: S, pid: number, fd: number, write = false): Opened {
  const r = resolveFd(s, pid, fd, 'map');
  if (r.err) return { err: r.err };
  return { map: write ? child(child(s, 'maps'), r.entry.id) : peek(peek(s, 'maps'), r.entry.id), entry: r.entry };
}

/** map_get_sys_perms(): the fd's mode, without write access once the map is frozen. */
const canRead = (m: BpfMap, e: FdEntry) => e.mode !== 'wo';
const canWrite = (m: BpfMap, e: FdEntry) => e.mode !== 'ro' && !m.frozen;

/**
 * __bpf_copy_key(): key_size bytes from user space. A NULL pointer or a buffer shorter than the
 * key faults (-EFAULT); for key_size 0 the pointer must be NULL (-EINVAL).
 */
function copyIn(buf: string | undefined, size: number): string | null | 'EFAULT' | 'EINVAL' {
  if (size === 0) return buf === undefined ? null : 'EINVAL';
  if (buf === undefined || buf.length < size * 2) return 'EFAULT';
  return buf.slice(0, size * 2);
}
const isErr = (v: unknown): v is 'EFAULT' | 'EINVAL' => v === 'EFAULT' || v === 'EINVAL';

export function mapLookup(s: S, pid: number, a: AttrOf<'BPF_MAP_LOOKUP_ELEM'>): Result {
  const flags = a.flags ?? 0;
  if (flags & ~BPF_F_LOCK) return fail('EINVAL');
  const o = openMap(s, pid, a.map_fd);
  if (o.err) return fail(o.err);
  const { map, entry } = o;
  const mv = view(map); // (its primitive fields, read without the Proxy)
  if (!canRead(mv, entry)) return fail('EPERM');
  if (flags & BPF_F_LOCK) return fail('EINVAL');
  const key = copyIn(a.key, mv.key_size);
  if (isErr(key)) return fail(key);
  const kind = view(peek(map, 'data')).kind;
  switch (kind) {
    case 'bloom': {
      const value = copyIn(a.value, mv.value_size);
      if (isErr(value)) return fail(value);
      return bloomPeek(map, value!) ? ok(0) : fail('ENOENT');
    }
    default: {
      const v = kind === 'array' ? arrayLookup(map, key!) : kind === 'prog_array' ? progArrayLookup(map, key!) : hashLookup(map, key!);
      if (v === undefined) return fail('ENOENT');
      // copy_to_user(uvalue, value, value_size): a buffer given shorter than the value faults.
      if (a.value !== undefined && a.value.length < mv.value_size * 2) return fail('EFAULT');
      return ok(0, { value: v });
    }
  }
}

export function mapUpdate(s: S, pid: number, a: AttrOf<'BPF_MAP_UPDATE_ELEM'>): Result {
  const o = openMap(s, pid, a.map_fd, true);
  if (o.err) return fail(o.err);
  const { map, entry } = o;
  const mv = view(map); // (its primitive fields, read without the Proxy)
  if (!canWrite(mv, entry)) return fail('EPERM');
  const flags = a.flags ?? 0;
  if (flags & BPF_F_LOCK) return fail('EINVAL');
  const key = copyIn(a.key, mv.key_size);
  if (isErr(key)) return fail(key);
  const value = copyIn(a.value, mv.value_size);
  if (isErr(value)) return fail(value);
  const data = child(map, 'data');
  let err;
  switch (view(data).kind) {
    case 'array': err = arrayUpdate(mv, data as ArrayData, key!, value!, flags); break;
    case 'hash': err = hashUpdate(mv, data as HashData, key!, value!, flags); break;
    case 'bloom': err = bloomPush(map, data as BloomData, value!, flags); break;
    case 'prog_array': err = progArrayUpdate(s, pid, map, key!, value!, flags); break;
  }
  return err ? fail(err) : ok(0);
}

export function mapDelete(s: S, pid: number, a: AttrOf<'BPF_MAP_DELETE_ELEM'>): Result {
  // CHECK_ATTR(BPF_MAP_DELETE_ELEM): nothing may follow `key`.
  if (a.value !== undefined || a.flags) return fail('EINVAL');
  const o = openMap(s, pid, a.map_fd, true);
  if (o.err) return fail(o.err);
  const map = o.map, mv = view(map);
  if (!canWrite(mv, o.entry)) return fail('EPERM');
  const key = copyIn(a.key, mv.key_size);
  if (isErr(key)) return fail(key);
  const data = child(map, 'data');
  switch (view(data).kind) {
    case 'array': return fail('EINVAL');
    case 'bloom': return fail('EOPNOTSUPP');
    case 'prog_array': {
      const err = progArrayDelete(s, map, key!);
      return err ? fail(err) : ok(0);
    }
    case 'hash': {
      const err = hashDelete(data as HashData, key!);
      return err ? fail(err) : ok(0);
    }
  }
}

export function mapLookupAndDelete(s: S, pid: number, a: AttrOf<'BPF_MAP_LOOKUP_AND_DELETE_ELEM'>): Result {
  const flags = a.flags ?? 0;
  if (flags & ~BPF_F_LOCK) return fail('EINVAL');
  const o = openMap(s, pid, a.map_fd, true);
  if (o.err) return fail(o.err);
  const map = o.map;
  if (!canRead(map, o.entry) || !canWrite(map, o.entry)) return fail('EPERM');
  if (flags & BPF_F_LOCK) return fail('EINVAL');
  const key = copyIn(a.key, map.key_size);
  if (isErr(key)) return fail(key);
  if (map.map_type !== bpf_map_type.BPF_MAP_TYPE_HASH) return fail('ENOTSUPP');
  const value = hashLookup(map, key!);
  if (value === undefined) return fail('ENOENT');
  hashDelete(map.data as HashData, key!);
  return ok(0, { value });
}

export function mapGetNextKey(s: S, pid: number, a: AttrOf<'BPF_MAP_GET_NEXT_KEY'>): Result {
  const o = openMap(s, pid, a.map_fd);
  if (o.err) return fail(o.err);
  const { map, entry } = o;
  const mv = view(map); // (its primitive fields, read without the Proxy)
  if (!canRead(mv, entry)) return fail('EPERM');
  let key: string | null = null;
  if (a.key !== undefined) {
    const k = copyIn(a.key, mv.key_size);
    if (isErr(k)) return fail(k);
    key = k;
  }
  let next: string;
  switch (view(peek(map, 'data')).kind) {
    case 'bloom': return fail('EOPNOTSUPP');
    case 'array': case 'prog_array': next = arrayNextKey(map, key); break;
    case 'hash': next = hashNextKey(map, key); break;
  }
  if (next === 'ENOENT') return fail('ENOENT');
  if (!a.next_key) return fail('EFAULT');
  return ok(0, { next_key: next });
}

export function mapFreeze(s: S, pid: number, a: AttrOf<'BPF_MAP_FREEZE'>): Result {
  const o = openMap(s, pid, a.map_fd, true);
  if (o.err) return fail(o.err);
  const map = o.map;
  if (!canWrite(map, o.entry)) return fail('EPERM');
  map.frozen = true;
  return ok(0);
}
