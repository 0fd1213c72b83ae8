// Folding a recorded kernel fixture through the model and comparing, result by result, with the
// oracle's own comparison (packages/oracle/src/compare.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Event, Result } from '@bpfsim/events';
import { fold, initialState } from '../../src/index.ts';
import { compareResults } from '../../../oracle/src/compare.ts';

export interface Fixture { readonly name: string; readonly kernel: string; readonly events: readonly Event[]; readonly results: readonly Result[] }

export function loadFixtures(dir: string): Fixture[] {
  let files: string[];
  try { files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort(); } catch { return []; }
  return files.map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Fixture);
}

export function modelResults(events: readonly Event[]): Result[] {
  let state = initialState(0);
  return events.map((e) => {
    const r = fold(state, e);
    state = r.state;
    return r.result;
  });
}

export interface Mismatch { readonly fixture: string; readonly index: number; readonly event: Event; readonly diff: string }

/** Every disagreement between the fixture's kernel results and the model's. */
export function compareFixture(f: Fixture): Mismatch[] {
  const results = modelResults(f.events);
  const out: Mismatch[] = [];
  f.results.forEach((k, i) => {
    const d = compareResults(k, results[i]);
    if (d) out.push({ fixture: f.name, index: i, event: f.events[i], diff: d });
  });
  return out;
}
