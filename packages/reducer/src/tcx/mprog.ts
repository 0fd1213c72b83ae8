// bpf_mprog (kernel/bpf/mprog.c, include/linux/bpf_mprog.h): the pure control-path operations on
// one attach point's entry. Nothing here reads the kernel state: the caller passes the entry, the
// tuples it already holds, and a resolver for the relative object (bpf_mprog_tuple_relative), which
// runs at exactly the point of the kernel's order of checks where it can fail.
import { BPF_F_AFTER, BPF_F_BEFORE, BPF_F_REPLACE, type ErrnoName } from '@bpfsim/events';
import type { MprogItem } from '../state.ts';

/** bpf_mprog_max(): ARRAY_SIZE(fp_items) - 1, the last slot being the fast path's NULL terminator. */
export const MPROG_MAX = 63;
/** A fresh bundle's revision (bpf_mprog_bundle_init), also what a query reports when there is none. */
export const MPROG_INITIAL_REVISION = 1;

/** struct bpf_tuple: a program and the link owning it, by id; 0 stands for NULL. */
export interface Tuple { readonly prog: number; readonly link: number }
export const NULL_TUPLE: Tuple = Object.freeze({ prog: 0, link: 0 });

/** What an entry looks like to bpf_mprog: its revision and its slots in run order. */
export interface EntryView { readonly revision: number; readonly items: readonly MprogItem[] }

/** Resolves the relative object of the request (bpf_mprog_tuple_relative), or names its errno. */
export type RelativeResolver = () => Tuple | ErrnoName;

/**
 * A successful change: the new slots, and the program whose attach reference the kernel drops
 * once the new entry is live (bpf_mprog_mark_for_release / bpf_mprog_replace), or 0.
 */
export interface Change { readonly items: readonly MprogItem[]; readonly released: number }
export type Outcome = { readonly ok: true; readonly change: Change } | { readonly ok: false; readonly err: ErrnoName };

const fail = (err: ErrnoName): Outcome => ({ ok: false, err });
const done = (items: readonly MprogItem[], released = 0): Outcome => ({ ok: true, change: { items, released } });

// Positions are returned as the kernel does: an index, or a negative errno. Only these occur.
const ENOENT = -2;
const EBUSY = -16;
const ERANGE = -34;
const ERRNO_OF: Readonly<Record<number, ErrnoName>> = { [ENOENT]: 'ENOENT', [EBUSY]: 'EBUSY', [ERANGE]: 'ERANGE' };
const errOf = (pos: number): ErrnoName => ERRNO_OF[pos];

export function exists(items: readonly MprogItem[], prog: number): boolean {
  return items.some((it) => it.prog_id === prog);
}

/** bpf_mprog_pos_exact(): the slot running tuple.prog, which must be owned by tuple.link. */
function posExact(items: readonly MprogItem[], t: Tuple): number {
  for (let i = 0; i < items.length; i++) {
    if (t.prog === items[i].prog_id) return t.link === items[i].link_id ? i : EBUSY;
  }
  return ENOENT;
}

const matches = (it: MprogItem, t: Tuple) => t.prog === it.prog_id && (!t.link || t.link === it.link_id);

/** bpf_mprog_pos_before(): the slot before the relative one; -1 (the front) without a relative. */
function posBefore(items: readonly MprogItem[], t: Tuple): number {
  for (let i = 0; i < items.length; i++) if (matches(items[i], t)) return i - 1;
  return t.prog ? ENOENT : -1;
}

/** bpf_mprog_pos_after(): the slot after the relative one; the end without a relative. */
function posAfter(items: readonly MprogItem[], t: Tuple): number {
  for (let i = 0; i < items.length; i++) if (matches(items[i], t)) return i + 1;
  return t.prog ? ENOENT : items.length;
}

/**
 * The target index both bpf_mprog_attach() and bpf_mprog_detach() compute once the exact slot
 * (if any) is known: every rule given must agree on one position, else -ERANGE; a relative object
 * that is not attached gives -ENOENT. Returns [idx, flags] or an errno.
 */
function targetIndex(items: readonly MprogItem[], idx: number, flags: number, rel: Tuple): [number, number] | ErrnoName {
  if (flags & BPF_F_BEFORE) {
    const t = posBefore(items, rel);
    if (t < -1 || (idx >= -1 && t !== idx)) return t < -1 ? errOf(t) : 'ERANGE';
    idx = t;
  }
  if (flags & BPF_F_AFTER) {
    const t = posAfter(items, rel);
    if (t < -1 || (idx >= -1 && t !== idx)) return t < 0 ? errOf(t) : 'ERANGE';
    idx = t;
  }
  if (idx < -1) {
    // Neither an exact slot nor a direction: append, but only for a request without any flag
    // (unknown flag bits included) or relative object.
    if (rel.prog || flags) return 'EINVAL';
    idx = items.length;
    flags = BPF_F_AFTER;
  }
  if (idx >= MPROG_MAX) return 'ERANGE';
  return [idx, flags];
}

/**
 * bpf_mprog_attach(): add `ntuple` (a program, owned by a link or not), or with BPF_F_REPLACE put
 * it in the slot of `oldProg` (owned by ntuple.link, like the new one). `revision` 0 means any.
 */
export function mprogAttach(
  entry: EntryView, ntuple: Tuple, oldProg: number, flags: number, revision: number, relative: RelativeResolver,
): Outcome {
  const { items } = entry;
  if (revision && revision !== entry.revision) return fail('ESTALE');
  if (exists(items, ntuple.prog)) return fail('EEXIST');
  const rel = relative();
  if (typeof rel === 'string') return fail(rel);
  let idx = ERANGE;
  if (flags & BPF_F_REPLACE) {
    const t = posExact(items, { prog: oldProg, link: ntuple.link });
    if (t < 0) return fail(errOf(t));
    idx = t;
  } else if (items.length === MPROG_MAX) {
    return fail('ERANGE');
  }
  const target = targetIndex(items, idx, flags, rel);
  if (typeof target === 'string') return fail(target);
  [idx, flags] = target;
  const slot: MprogItem = { prog_id: ntuple.prog, link_id: ntuple.link };
  if (flags & BPF_F_REPLACE) {
    // bpf_mprog_replace(): same entry, one slot rewritten; a prog-owned slot's old program loses
    // its attach reference.
    const next = items.slice();
    const old = next[idx];
    next[idx] = slot;
    return done(next, ntuple.link ? 0 : old.prog_id);
  }
  // bpf_mprog_insert(): a "before" position names the slot ahead of the new one.
  if (idx !== items.length && flags & BPF_F_BEFORE) idx += 1;
  const next = items.slice();
  next.splice(idx, 0, slot);
  return done(next);
}

/**
 * bpf_mprog_detach(): remove `dtuple` (or, without a program, the slot the flags and relative
 * object select: the first, the last, or the one next to the relative). Slots owned by a link are
 * only removed by that link (-EBUSY otherwise).
 */
export function mprogDetach(
  entry: EntryView, dtuple: Tuple, flags: number, revision: number, relative: RelativeResolver,
): Outcome {
  const { items } = entry;
  if (flags & BPF_F_REPLACE) return fail('EINVAL');
  if (revision && revision !== entry.revision) return fail('ESTALE');
  const rel = relative();
  if (typeof rel === 'string') return fail(rel);
  let idx = ERANGE;
  if (dtuple.prog) {
    const t = posExact(items, dtuple);
    if (t < 0) return fail(errOf(t));
    idx = t;
  }
  const target = targetIndex(items, idx, flags, rel);
  if (typeof target === 'string') return fail(target);
  idx = target[0];
  // bpf_mprog_fetch(): the front and the back are the first and the last slot.
  if (idx === -1) idx = 0;
  else if (idx === items.length) idx = items.length - 1;
  const victim = items[idx];
  if (victim.link_id && !dtuple.link) return fail('EBUSY');
  const next = items.slice();
  next.splice(idx, 1);
  return done(next, victim.link_id ? 0 : victim.prog_id);
}

/** What bpf_mprog_query() writes back, given the capacity user space passed in `count`. */
export interface QueryOut {
  readonly ret: 0 | 'ENOSPC';
  readonly count: number;
  readonly revision: number;
  /** The slots copied out: min(count, capacity), or none when no prog_ids buffer was passed. */
  readonly copied: readonly MprogItem[];
}

/** bpf_mprog_query() on an entry (undefined: none allocated, as after the last detach). */
export function mprogQuery(entry: EntryView | undefined, capacity: number, progIdsPassed: boolean): QueryOut {
  const revision = entry ? entry.revision : MPROG_INITIAL_REVISION;
  const items = entry ? entry.items : [];
  const count = items.length;
  if (capacity === 0 || !progIdsPassed || !count) return { ret: 0, count, revision, copied: [] };
  if (capacity < count) return { ret: 'ENOSPC', count, revision, copied: items.slice(0, capacity) };
  return { ret: 0, count, revision, copied: items };
}
