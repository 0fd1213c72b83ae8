// Radix trees (packages/state/src/radix.ts) inside the fold, through the draft engine's accessors
// rather than the Proxy: a read through a draft would make a draft of every node it passes (see
// peek), and Object.keys or an integer-keyed read on a draft takes the Proxy's slow paths.
import { radixSlot, type RadixAccess, type RadixNode } from '@bpfsim/state';
import { assign, child, keys, peek, peekPath, remove } from '../draft/index.ts';

/** The radix functions' access to draft nodes: reads make no drafts, writes draft only their path. */
export const DRAFT_ACCESS: RadixAccess = {
  into: (node, slot) => child(node as Record<number, unknown>, slot),
  read: (node, key) => peek(node as Record<number | string, unknown>, key),
  keys,
  write: (node, slot, value) => assign(node as Record<number, unknown>, slot, value),
  remove: (node, slot) => remove(node as Record<number, unknown>, slot),
};

const slots: number[] = [];
/** radixGet(root, depth, index, DRAFT_ACCESS) in one peekPath: plain reads below the drafts. */
export function draftRadixGet<T>(root: RadixNode<T>, depth: number, index: number): T | undefined {
  for (let level = 0; level < depth; level++) slots[level] = radixSlot(index, level, depth);
  return peekPath(root, slots, depth);
}
