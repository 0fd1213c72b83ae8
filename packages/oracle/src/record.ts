// Recording kernel fixtures: each scenario runs in its own fresh namespaces.
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Result } from '@bpfsim/events';
import { runOnKernel } from './run.ts';

export interface Scenario {
  readonly name: string;
  readonly events: readonly unknown[];
  /** Recorded with the kernel's deferred work settled after each event that drops a reference (ms waited; see session.ts). */
  readonly settleMs?: number;
}
export interface Fixture extends Scenario {
  readonly kernel: string;
  readonly recordedBy: string;
  readonly results: readonly Result[];
}

export const RECORDED_BY = 'packages/oracle/src/cli/record.ts';
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function asScenario(v: unknown, where: string): Scenario {
  const o = v as Partial<Scenario> | null;
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new Error(`${where}: expected { "name": ..., "events": [...] }`);
  if (typeof o.name !== 'string' || !NAME.test(o.name)) throw new Error(`${where}: name must be a plain file name (letters, digits, . _ -), got ${JSON.stringify(o.name)}`);
  if (!Array.isArray(o.events)) throw new Error(`${where} (${o.name}): events must be an array`);
  if (o.settleMs !== undefined && !(Number.isInteger(o.settleMs) && o.settleMs > 0 && o.settleMs <= 10_000)) throw new Error(`${where} (${o.name}): settleMs must be a whole number of milliseconds from 1 to 10000`);
  return o.settleMs === undefined ? { name: o.name, events: o.events } : { name: o.name, events: o.events, settleMs: o.settleMs };
}

/** Every scenario in the *.json files of `dir` (each holds one scenario or an array of them), by name. */
export function loadScenarios(dir: string): Scenario[] {
  const out: Scenario[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const path = join(dir, file);
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new Error(`${path}: not JSON: ${(e as Error).message}`);
    }
    const list = Array.isArray(data) ? data : [data];
    list.forEach((s, i) => out.push(asScenario(s, Array.isArray(data) ? `${path}[${i}]` : path)));
  }
  const seen = new Set<string>();
  for (const s of out) {
    if (seen.has(s.name)) throw new Error(`two scenarios in ${dir} are named ${s.name}`);
    seen.add(s.name);
  }
  return out;
}

export async function recordScenario(s: Scenario): Promise<Fixture> {
  const run = await runOnKernel(s.events, { settleMs: s.settleMs });
  return { name: s.name, kernel: run.kernel, recordedBy: RECORDED_BY, ...(s.settleMs ? { settleMs: s.settleMs } : {}), events: s.events, results: run.results };
}

/** JSON with one event and one result per line, so fixture diffs stay readable. */
export function formatFixture(f: Fixture): string {
  const list = (xs: readonly unknown[]) => (xs.length ? `[\n${xs.map((x) => `  ${JSON.stringify(x)}`).join(',\n')}\n ]` : '[]');
  return `{\n "name": ${JSON.stringify(f.name)},\n "kernel": ${JSON.stringify(f.kernel)},\n "recordedBy": ${JSON.stringify(f.recordedBy)},\n${f.settleMs ? ` "settleMs": ${f.settleMs},\n` : ''}` +
    ` "events": ${list(f.events)},\n "results": ${list(f.results)}\n}\n`;
}

export function writeFixture(outDir: string, f: Fixture): string {
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, `${f.name}.json`);
  writeFileSync(path, formatFixture(f));
  return path;
}
