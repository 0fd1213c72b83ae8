// Radix storage for large key spaces (array indexes, hash buckets, bloom words): nodes of at
// most 64 keys, so that writing one element copies a few small nodes instead of one big object.
import type { RadixNode } from './mapdata.ts';

const BITS = 6;
const MASK = (1 << BITS) - 1;

/** Levels needed for indexes below `capacity`. */
export function radixDepth(capacity: number): number {
  if (capacity <= 64) return 1;
  if (capacity <= 4096) return 2;
  if (capacity <= 262144) return 3;
  let depth = 4;
  while (capacity > 2 ** (BITS * depth)) depth++;
  return depth;
}

/** The slot of `index` at `level`; indexes are u32 (array indexes, hash buckets, bloom words), so a shift does. */
export function radixSlot(index: number, level: number, depth: number): number {
  const shift = BITS * (depth - 1 - level);
  return index <= 0xffffffff ? (index >>> shift) & MASK : Math.floor(index / 2 ** shift) & MASK;
}


/**
 * How radixGet, radixSet and radixScan reach into nodes: plain property access by default. A caller whose
 * nodes are drafts (the reducer) passes its draft engine's own accessors, which spare the Proxy's
 * slow paths (integer keys take V8's runtime path, ~0.1 us a read; Object.keys ~2 us).
 */
export interface RadixAccess {
  /** node[slot], to descend and write below it (in a draft: the child's draft). */
  readonly into: (node: object, slot: number) => unknown;
  /** node[key], only to read (a radix slot, or a field of the node holding the tree). */
  readonly read: (node: object, key: number | string) => unknown;
  /** Object.keys(node). */
  readonly keys: (node: object) => string[];
  /** node[slot] = value, and delete node[slot]. */
  readonly write: (node: object, slot: number, value: unknown) => void;
  readonly remove: (node: object, slot: number) => void;
}

export const PLAIN_ACCESS: RadixAccess = {
  into: (node, slot) => (node as Record<number, unknown>)[slot],
  read: (node, key) => (node as Record<number | string, unknown>)[key],
  keys: Object.keys,
  write: (node, slot, value) => { (node as Record<number, unknown>)[slot] = value; },
  remove: (node, slot) => { delete (node as Record<number, unknown>)[slot]; },
};

export function radixGet<T>(root: RadixNode<T>, depth: number, index: number, access: RadixAccess = PLAIN_ACCESS): T | undefined {
  let node: RadixNode<T> | T | undefined = root;
  for (let level = 0; level < depth && node !== undefined; level++) node = access.read(node as RadixNode<T>, radixSlot(index, level, depth)) as RadixNode<T> | T | undefined;
  return node as T | undefined;
}

/** Sets (or with `undefined` deletes) an element; `root` is a draft (see RadixAccess). Empty nodes are pruned. */
export function radixSet<T>(root: RadixNode<T>, depth: number, index: number, value: T | undefined, access: RadixAccess = PLAIN_ACCESS): void {
  const path: RadixNode<T>[] = [root];
  let node = root as Record<number, unknown>;
  for (let level = 0; level < depth - 1; level++) {
    const s = radixSlot(index, level, depth);
    let next = access.into(node, s);
    if (next === undefined) {
      if (value === undefined) return;
      access.write(node, s, {});
      next = access.into(node, s);
    }
    node = next as Record<number, unknown>;
    path.push(node as RadixNode<T>);
  }
  const last = radixSlot(index, depth - 1, depth);
  if (value !== undefined) { access.write(node, last, value); return; }
  access.remove(node, last);
  for (let level = depth - 1; level > 0; level--) {
    if (access.keys(path[level]).length > 0) break;
    access.remove(path[level - 1], radixSlot(index, level - 1, depth));
  }
}

/** Visits the elements in ascending index order; stops when `visit` returns true. */
export function radixScan<T>(root: RadixNode<T>, depth: number, from: number, visit: (index: number, value: T) => boolean | void, access: RadixAccess = PLAIN_ACCESS): boolean {
  const walk = (node: RadixNode<T>, level: number, base: number): boolean => {
    const span = 2 ** (BITS * (depth - 1 - level));
    for (const k of access.keys(node)) {
      const s = Number(k);
      const lo = base + s * span;
      if (lo + span <= from) continue;
      const child = access.read(node, s) as RadixNode<T> | T;
      if (level === depth - 1) { if (visit(lo, child as T)) return true; }
      else if (walk(child as RadixNode<T>, level + 1, lo)) return true;
    }
    return false;
  };
  return walk(root, 0, 0);
}
