// Compiled programs, cached: a program is compiled once per distinct code (see codeOf) and helper
// table, and reused by every run, batch and test run after that, and by every program loaded
// later with the same code (loaders and fuzzers load the same programs again and again, each time
// with a new id). Programs are immutable once loaded, so the cache never needs invalidating; it
// holds at most MAX_CACHED programs (oldest dropped first).
import type { SnapshotProg } from './snapshot.ts';
import { compileInsns, type ProgFn } from './compile/codegen.ts';
import { runtime } from './compile/runtime.ts';
import type { HelperTable } from './helpers/table.ts';
import { codeOf, codeHash, sameCode } from './compile/code-key.ts';

const MAX_CACHED = 4096;
const cache = new Map<string, { readonly code: Int32Array; readonly fn: ProgFn }>();

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
  const code = codeOf(p.insns);
  const key = `${helpers.name}:${p.map_ids.join(',')}:${codeHash(code)}`;
  const hit = cache.get(key);
  // A hash is not an identity: the code itself is compared before a compilation is shared.
  if (hit !== undefined && sameCode(hit.code, code)) return hit.fn;
  const fn = compileInsns(p.insns, p.map_ids, helpers, runtime);
  if (hit === undefined && cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
  cache.set(key, { code, fn });
  return fn;
}
