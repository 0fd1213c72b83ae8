// Radix trees (packages/state/src/radix.ts) inside the fold, through the draft engine's accessors
// rather than the Proxy: radixGet through a draft would make a draft of every node it passes (see
// peek), and Object.keys or an integer-keyed read on a draft takes the Proxy's slow paths.
import { radixSlot, type RadixAccess, type RadixNode } from '@bpfsim/state';
import { child, keys, peek } from '../draft/index.ts';

export function radixPeek<T>(root: RadixNode<T>, depth: number, index: number): T | undefined {
  let node: RadixNode<T> | T | undefined = root;
  for (let level = 0; level < depth && node !== undefined; level++) node = peek(node as RadixNode<T>, radixSlot(index, level, depth));
  return node as T | undefined;
}

/** radixSet's and radixScan's access to draft nodes. */
export const DRAFT_ACCESS: RadixAccess = {
  into: (node, slot) => child(node as Record<number, unknown>, slot),
  read: (node, slot) => peek(node as Record<number, unknown>, slot),
  keys,
};
