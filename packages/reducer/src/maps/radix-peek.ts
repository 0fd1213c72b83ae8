// Reading a radix tree (packages/state/src/radix.ts) inside the fold without drafting its path:
// radixGet through a draft would make a draft of every node it passes (see peek).
import { radixSlot, type RadixNode } from '@bpfsim/state';
import { peek } from '../draft/index.ts';

export function radixPeek<T>(root: RadixNode<T>, depth: number, index: number): T | undefined {
  let node: RadixNode<T> | T | undefined = root;
  for (let level = 0; level < depth && node !== undefined; level++) node = peek(node as RadixNode<T>, radixSlot(index, level, depth));
  return node as T | undefined;
}
