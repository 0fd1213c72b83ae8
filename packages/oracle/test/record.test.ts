import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatFixture, loadScenarios, RECORDED_BY } from '../src/record.ts';

const dirs: string[] = [];
const dir = (files: Record<string, unknown>) => {
  const d = mkdtempSync(join(tmpdir(), 'bpfsim-oracle-'));
  dirs.push(d);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(d, name), typeof content === 'string' ? content : JSON.stringify(content));
  return d;
};
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

describe('loadScenarios', () => {
  it('reads one scenario or an array of them per file, in file order', () => {
    const d = dir({
      'b.json': [{ name: 'two', events: [] }, { name: 'three', events: [{ kind: 'exit', pid: 1 }] }],
      'a.json': { name: 'one', events: [] },
      'notes.txt': 'ignored',
    });
    expect(loadScenarios(d).map((s) => s.name)).toEqual(['one', 'two', 'three']);
  });

  it('names the file and the problem', () => {
    expect(() => loadScenarios(dir({ 'x.json': '{' }))).toThrow(/x\.json: not JSON/);
    expect(() => loadScenarios(dir({ 'x.json': { name: '../up', events: [] } }))).toThrow(/x\.json: name must be a plain file name/);
    expect(() => loadScenarios(dir({ 'x.json': [{ name: 'a', events: [] }, { name: 'b' }] }))).toThrow(/x\.json\[1\] \(b\): events must be an array/);
    expect(() => loadScenarios(dir({ 'x.json': { name: 'a', events: [] }, 'y.json': { name: 'a', events: [] } }))).toThrow(/two scenarios .* named a/);
    expect(() => loadScenarios(dir({ 'x.json': { name: 'a', events: [], settleMs: 0.5 } }))).toThrow(/x\.json \(a\): settleMs must be a whole number/);
  });

  it('keeps a scenario\'s settleMs', () => {
    expect(loadScenarios(dir({ 'x.json': [{ name: 'a', events: [], settleMs: 100 }, { name: 'b', events: [] }] }))).toEqual([{ name: 'a', events: [], settleMs: 100 }, { name: 'b', events: [] }]);
  });
});

describe('formatFixture', () => {
  it('writes JSON with one event and one result per line', () => {
    const f = { name: 'n', kernel: '6.18.0', recordedBy: RECORDED_BY, events: [{ kind: 'exit', pid: 1 }, { kind: 'exit', pid: 2 }], results: [{ ret: 0 }, { ret: 0 }] };
    const text = formatFixture(f);
    expect(JSON.parse(text)).toEqual(f);
    expect(text.split('\n').filter((l) => l.startsWith('  {'))).toHaveLength(4);
    expect(JSON.parse(formatFixture({ ...f, settleMs: 100 }))).toEqual({ ...f, settleMs: 100 });
  });
});
