// `bpfsim fuzz`: the command's logic (src/cli/fuzz.ts), its workers, and its wiring in main.ts.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Trace, replayTrace } from '@bpfsim/replay';
import { FuzzCliError, fuzzCommand, parseFuzzArgs } from '../src/index.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FIXED = join(ROOT, 'examples/manager/fixed.ts');
const dir = mkdtempSync(join(tmpdir(), 'bpfsim-fuzz-'));

function sink(isTTY = false) {
  const chunks: string[] = [];
  return { write: (s: string) => { chunks.push(s); return true; }, isTTY, columns: 200, text: () => chunks.join('') };
}

async function run(args: string[], tty = false) {
  const stdout = sink(), stderr = sink(tty);
  const code = await fuzzCommand(args, { stdout, stderr, randomSeed: () => 12345 });
  return { code, out: stdout.text(), err: stderr.text() };
}

describe('bpfsim fuzz', () => {
  it('fuzzes the buggy example by default: exit 1, the counterexample, and the saved trace', async () => {
    const out = join(dir, 'buggy.trace');
    const r = await run(['--seed', '10', '--runs', '500', '--out', out, '--progress', 'never']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^event\s+count\s+outcomes$/m); // the coverage table
    expect(r.out).toContain('manager-buggy --seed 10: 5 of 500 runs');
    expect(r.out).toContain('FAILED in run 4: invariant "no foreign detach" fails at event 14');
    expect(r.out).toContain(`trace saved to ${out}`);
    expect(r.out).toContain('then: goto 15');
    expect(r.err).toBe('');
    const trace = Trace.open(new Uint8Array(readFileSync(out)));
    expect(trace.length).toBe(15);
    expect(replayTrace(trace).divergence).toBeUndefined();
  });

  it('passes the fixed example: exit 0', async () => {
    const r = await run(['--target', FIXED, '--seed', '1', '--runs', '40', '--quiet']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('manager-fixed --seed 1: 40 of 40 runs');
    expect(r.out).toContain('passed: every invariant held after every event');
  });

  it('draws a seed when none is given, and says how to run it again', async () => {
    const r = await run(['--target', FIXED, '--runs', '5', '--quiet']);
    expect(r.out).toContain('--seed 12345 runs this again');
  });

  it('gives the same report with 1, 2 and 3 workers', async () => {
    const json = async (w: number) => {
      const r = await run(['--seed', '4', '--runs', '300', '--workers', String(w), '--json', '--out', join(dir, `w${w}.trace`)]);
      expect(r.code).toBe(1);
      const j = JSON.parse(r.out);
      delete j.elapsedMs;
      delete j.failure.trace;
      return j;
    };
    const one = await json(1);
    expect(one.failure.run).toBeLessThan(300);
    expect(await json(2)).toEqual(one);
    expect(await json(3)).toEqual(one);
    expect(readFileSync(join(dir, 'w2.trace'))).toEqual(readFileSync(join(dir, 'w1.trace')));
  }, 120_000);

  it('draws a progress bar on a terminal: runs/s, events/s and the (cmd, errno) pairs reached', async () => {
    const r = await run(['--target', FIXED, '--seed', '2', '--runs', '300', '--quiet'], true);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/\r\[[#.]{20}\] \d+\/300 runs {2}[\d,]+ runs\/s {2}[\d,]+ events\/s {2}\d+ \(cmd, errno\) pairs/);
  });

  it('refuses bad command lines and targets', async () => {
    expect(() => parseFuzzArgs(['--runs', '0'])).toThrow(FuzzCliError);
    expect(() => parseFuzzArgs(['--bogus'])).toThrow(/unknown option --bogus/);
    expect(() => parseFuzzArgs(['--time-budget', 'soon'])).toThrow(/expected seconds/);
    expect(parseFuzzArgs(['--time-budget', '2']).runs).toBe(Infinity);
    await expect(run(['--target', join(dir, 'nope.ts'), '--seed', '1'])).rejects.toThrow(/cannot load/);
    await expect(run(['--target', join(ROOT, 'examples/manager/manager.ts'), '--seed', '1'])).rejects.toThrow(/exports no fuzz spec/);
  });

  it('is wired into bpfsim (main.ts): help lists it, and it exits 1 with the trace path', () => {
    const main = join(ROOT, 'packages/cli/src/main.ts');
    const out = join(dir, 'main.trace');
    const node = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', main, ...args], { cwd: ROOT, encoding: 'utf8' });
    expect(node(['help']).stdout).toMatch(/^ {2}fuzz {10}model-based fuzzing/m);
    const r = node(['fuzz', '--seed', '6', '--runs', '100', '--out', out]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`trace saved to ${out}`);
    expect(existsSync(out)).toBe(true);
    const bad = node(['fuzz', '--workers', '0']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('bpfsim: fuzz: --workers: expected an integer >= 1');
  }, 60_000);
});
