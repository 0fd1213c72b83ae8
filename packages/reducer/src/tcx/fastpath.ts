// The fast path: what the datapath reads for one attach point. The kernel keeps two
// bpf_mprog_entry arrays per bundle and swaps them on every change, so a packet sees either the
// old or the new run order, never a mix. The reducer derives the new array whenever the control
// path changes and stores it, frozen, next to it (MprogEntry.fp).
import type { KernelState, MprogItem } from '../state.ts';
import { entryOf, type Direction } from './direction.ts';

/** bpf_mprog_fp of a control path: the prog ids in run order (frozen by immer once committed). */
export function fastPath(items: readonly MprogItem[]): number[] {
  return items.map((it) => it.prog_id);
}

const NONE: readonly number[] = Object.freeze([]);

/** The prog ids the datapath of `ifindex` runs in `dir`, in order (empty when nothing is attached). */
export function tcxRunOrder(state: KernelState, ifindex: number, dir: Direction): readonly number[] {
  const dev = state.netdevs[ifindex];
  return dev ? entryOf(dev, dir)?.fp ?? NONE : NONE;
}
