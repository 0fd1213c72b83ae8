// The kernel's idr_alloc_cyclic(idr, ptr, 1, INT_MAX): ids count up from where the last one was
// handed out, skip ids in use, and wrap to 1.
import { TABLE_OF, type ObjKind } from '../state.ts';
import type { S } from './draft.ts';

export const INT_MAX = 0x7fffffff;

export function allocId(s: S, kind: Exclude<ObjKind, 'file'>): number {
  const table = s[TABLE_OF[kind]] as Record<number, unknown>;
  let id = s.nextId[kind];
  for (let tries = 0; tries < INT_MAX; tries++) {
    if (id >= INT_MAX) id = 1;
    if (table[id] === undefined) break;
    id++;
  }
  s.nextId[kind] = id + 1;
  return id;
}

/** The smallest live id above `start`, or undefined. Integer keys iterate in ascending order. */
export function nextLiveId(table: Readonly<Record<number, unknown>>, start: number): number | undefined {
  for (const k of Object.keys(table)) {
    const id = Number(k);
    if (id > start) return id;
  }
  return undefined;
}
