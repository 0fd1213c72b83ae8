// Folding a datapath write set: the map writes programs made while the datapath ran on a frozen
// snapshot, applied in order (the order reproduces the kernel's hash bucket order).
import type { S } from '../core/draft.ts';
import type { WriteOp } from '../datapath.ts';
import type { ArrayData, BloomData, HashData } from '../state.ts';
import { arrayUpdate } from './array.ts';
import { hashDelete, hashReplaceInPlace, hashUpdate } from './hash.ts';
import { bloomPush } from './bloom.ts';
import { child } from '../draft/index.ts';

export function applyWrites(s: S, writes: readonly WriteOp[]): void {
  for (const w of writes) {
    const map = child(child(s, 'maps'), w.map_id);
    if (!map) continue; // a map freed since the snapshot cannot be: the snapshot is this state
    const d = map.data;
    if ('delete' in w) { if (d.kind === 'hash') hashDelete(d as HashData, w.key); continue; }
    switch (d.kind) {
      case 'array': arrayUpdate(map, d as ArrayData, w.key, w.value, 0); break;
      case 'bloom': bloomPush(map, d as BloomData, w.value, 0); break;
      case 'hash':
        if (w.in_place) hashReplaceInPlace(d as HashData, w.key, w.value);
        else hashUpdate(map, d as HashData, w.key, w.value, 0);
        break;
    }
  }
}
