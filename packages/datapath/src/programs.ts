// Compiled programs, cached: a program is compiled once per (id, tag, helper table) and reused
// by every run, batch and test run after that. Programs are immutable once loaded, so the cache
// never needs invalidating; it holds at most MAX_CACHED programs (oldest dropped first).
import type { SnapshotProg } from './snapshot.ts';
import { compileInsns, type ProgFn } from './compile/codegen.ts';
import { runtime } from './compile/runtime.ts';
import type { HelperTable } from './helpers/table.ts';

const MAX_CACHED = 4096;
const cache = new Map<string, ProgFn>();

// Frozen prog objects of a snapshot are the same object from batch to batch: a WeakMap hit
// avoids building the key string on every packet.
const byObject = new WeakMap<SnapshotProg, { helpers: HelperTable; fn: ProgFn }>();

export function compiledProgram(p: SnapshotProg, helpers: HelperTable): ProgFn {
  const hit = byObject.get(p);
  if (hit !== undefined && hit.helpers === helpers) return hit.fn;
  const fn = compiledByKey(p, helpers);
  byObject.set(p, { helpers, fn });
  return fn;
}

function compiledByKey(p: SnapshotProg, helpers: HelperTable): ProgFn {
  const key = `${helpers.name}:${p.id}:${p.tag}:${p.map_ids.join(',')}`;
  let fn = cache.get(key);
  if (fn === undefined) {
    fn = compileInsns(p.insns, p.map_ids, helpers, runtime);
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
    cache.set(key, fn);
  }
  return fn;
}
