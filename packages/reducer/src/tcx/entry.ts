// Fetching an attach point's entry and committing a change to it: tcx_entry_fetch_or_create(),
// tcx_entry_update() and bpf_mprog_commit().
import type { MprogItem, Netdev } from '../state.ts';
import type { S } from '../core/draft.ts';
import { MPROG_INITIAL_REVISION, type EntryView } from './mprog.ts';
import { fastPath } from './fastpath.ts';
import { ENTRY_KEY, entryOf, type Direction } from './direction.ts';
import { child } from '../draft/index.ts';

/** tcx_entry_fetch_or_create(): the live entry, or what a freshly allocated one looks like. */
export function entryOrFresh(dev: Netdev, dir: Direction): EntryView {
  return entryOf(dev, dir) ?? { revision: MPROG_INITIAL_REVISION, items: [] };
}

/**
 * Makes `items` the attach point's chain: the revision goes up by one, the fast path is derived
 * anew, and an entry left empty is freed (tcx_entry_is_active() is false without a clsact qdisc,
 * which bpfsim does not model), so the next one starts again at revision 1.
 */
export function commitEntry(s: S, ifindex: number, dir: Direction, before: EntryView, items: readonly MprogItem[]): void {
  const dev = child(child(s, 'netdevs'), ifindex);
  if (items.length === 0) {
    delete dev[ENTRY_KEY[dir]];
    return;
  }
  // `items` is built fresh by bpf_mprog (mprog.ts) and held by nothing else: stored as it is.
  dev[ENTRY_KEY[dir]] = { revision: before.revision + 1, items: items as MprogItem[], fp: fastPath(items) };
}
