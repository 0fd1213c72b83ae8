// The two tcx attach points of a device.
import { bpf_attach_type } from '@bpfsim/events';
import type { MprogEntry, Netdev } from '../state.ts';
import { peek } from '../draft/index.ts';

export type Direction = 'ingress' | 'egress';
export const DIRECTIONS: readonly Direction[] = ['ingress', 'egress'];

/** The Netdev field holding each direction's entry (dev->tcx_ingress / dev->tcx_egress). */
export const ENTRY_KEY = { ingress: 'tcx_ingress', egress: 'tcx_egress' } as const;

/** BPF_TCX_INGRESS is ingress; the kernel takes anything else that reached tcx as egress. */
export const directionOf = (attach_type: number): Direction =>
  (attach_type === bpf_attach_type.BPF_TCX_INGRESS ? 'ingress' : 'egress');

/** tcx_entry_fetch(). Entries are replaced whole, never changed in place: read without drafting. */
export function entryOf(dev: Netdev, dir: Direction): MprogEntry | undefined {
  return peek(dev, ENTRY_KEY[dir]);
}
