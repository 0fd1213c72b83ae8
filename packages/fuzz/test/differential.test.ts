// The differential machinery against a fake kernel (the model with planted bugs): comparison,
// shrinking, campaigns, tallies. The live kernel's turn is in live.test.ts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errno, type Event, type Result } from '@bpfsim/events';
import {
  Tally, campaignSummary, campaignTrace, compareWith, divergenceFile, kernelTooOld, runCampaign, shrinkDivergence, signatureOf,
  traceSeed, type TraceComparison,
} from '../src/index.ts';
import { fakeKernel, pinProgAtB } from './fake-kernel.ts';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../../fixtures/kernel/${name}.json`, import.meta.url), 'utf8')) as { events: Event[]; results: Result[]; kernel: string };

describe('compareWith', () => {
  it('agrees with the kernel results recorded in a fixture', () => {
    for (const name of ['pinning', 'hash-map-ops', 'fd-lowest-free', 'ids-and-by-id']) {
      const f = fixture(name);
      const c = compareWith(f.events, f.results, f.kernel);
      expect(c.first, name).toBeUndefined();
      expect(c.diffs).toHaveLength(f.events.length);
    }
  });
  it('finds a result altered in the recording, and names it', () => {
    const f = fixture('pinning');
    const results = f.results.slice();
    const i = results.findIndex((r) => r.ret === 0);
    results[i] = { ret: -errno.EBUSY };
    const c = compareWith(f.events, results, f.kernel);
    expect(c.first).toBe(i);
    expect(c.diffs[i]).toBe('ret: kernel -1 EBUSY, model 0');
    expect(signatureOf(c, i)).toBe(`${(f.events[i] as { cmd: string }).cmd}: ret EBUSY (model ok)`);
  });
  it('signs a fold that throws, and out-field differences by path', () => {
    const e = { kind: 'close', pid: 1, fd: 3 } as Event;
    const threw: TraceComparison = { events: [e], kernel: 'k', kernelResults: [{ ret: 0 }], model: [{ threw: 'boom' }], diffs: ['the model threw: boom'], first: 0 };
    expect(signatureOf(threw, 0)).toBe('close: the model throws');
    const out: TraceComparison = { events: [e], kernel: 'k', kernelResults: [{ ret: 0, out: { a: [1, 2] } }], model: [{ result: { ret: 0, out: { a: [1, 3] } } }], diffs: ['out.a[1]: kernel 2, model 3'], first: 0 };
    expect(signatureOf(out, 0)).toBe('close: out.a[]');
  });
});

describe('shrinkDivergence', () => {
  it('shrinks a stateful divergence to its two events', async () => {
    const kernel = fakeKernel([pinProgAtB]);
    const events: Event[] = [
      { kind: 'bpf', pid: 1, cmd: 'BPF_MAP_CREATE', attr: { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 1 } },
      { kind: 'netdev_add', name: 'x', peer: 'y' },
      { kind: 'bpf', pid: 1, cmd: 'BPF_PROG_LOAD', attr: { prog_type: 'BPF_PROG_TYPE_SCHED_CLS', insns: [{ code: 0xb7, dst_reg: 0, src_reg: 0, off: 0, imm: 0 }, { code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0 }], license: 'GPL', prog_name: 'p' } },
      { kind: 'mkdir', pid: 1, pathname: '/sys/fs/bpf/d' },
      { kind: 'bpf', pid: 1, cmd: 'BPF_OBJ_PIN', attr: { bpf_fd: 3, pathname: '/sys/fs/bpf/a' } },
      { kind: 'dup', pid: 1, fd: 4 },
      { kind: 'bpf', pid: 1, cmd: 'BPF_OBJ_PIN', attr: { bpf_fd: 5, pathname: '/sys/fs/bpf/b' } },
      { kind: 'close', pid: 1, fd: 3 },
    ];
    const c = compareWith(events, (await kernel(events)).results, 'fake');
    expect(c.first).toBe(6);
    const s = await shrinkDivergence(events, 6, signatureOf(c, 6), { runner: kernel });
    expect(s.events).toHaveLength(2);
    expect(s.events[0]).toMatchObject({ cmd: 'BPF_PROG_LOAD' });
    expect(s.events[1]).toMatchObject({ cmd: 'BPF_OBJ_PIN', attr: { pathname: '/sys/fs/bpf/b' } });
    // the optional prog_name went too
    expect((s.events[0] as { attr: Record<string, unknown> }).attr.prog_name).toBeUndefined();
    expect(s.comparison.first).toBe(1);
    expect(s.exhausted).toBe(false);
    expect(s.runs).toBe(kernel.runs - 1); // one run was the test's own
  });
  it('refuses a divergence that does not reproduce', async () => {
    const events: Event[] = [{ kind: 'close', pid: 1, fd: 3 }];
    await expect(shrinkDivergence(events, 0, 'close: ret ok (model EBADF)', { runner: fakeKernel() })).rejects.toThrow(/did not reproduce/);
  });
  it('gives the same result whatever the concurrency', async () => {
    const o = { seed: 4, steps: 600, eventsPerTrace: 100 };
    const found = await runCampaign({ ...o, runner: fakeKernel([pinProgAtB]), shrink: false });
    const d = found.divergences[0];
    expect(d).toBeDefined();
    const a = await shrinkDivergence(d.events, d.index, d.signature, { runner: fakeKernel([pinProgAtB]), concurrency: 1 });
    const b = await shrinkDivergence(d.events, d.index, d.signature, { runner: fakeKernel([pinProgAtB]), concurrency: 3 });
    expect(b.events).toEqual(a.events);
  });
});

describe('runCampaign', () => {
  it('finds a planted bug, shrinks it, and reproduces from the seed', async () => {
    const run = () => runCampaign({ seed: 7, steps: 3000, eventsPerTrace: 100, runner: fakeKernel([pinProgAtB]) });
    const r = await run();
    expect(r.stoppedBy).toBe('divergence');
    expect(r.divergences).toHaveLength(1);
    const d = r.divergences[0];
    expect(d.signature).toBe('BPF_OBJ_PIN: ret EPERM (model ok)');
    expect(d.shrunk?.events).toHaveLength(2);
    expect(campaignTrace({ seed: 7, steps: 3000 }, d.trace).slice(0, d.index + 1)).toEqual(d.events);
    expect(d.traceSeed).toBe(traceSeed(7, d.trace));
    const again = await run();
    const strip = (x: Record<string, unknown>) => ({ ...x, elapsedMs: 0 });
    expect(strip(campaignSummary(again))).toEqual(strip(campaignSummary(r)));
    const file = divergenceFile(d, { seed: 7, kernel: r.kernel });
    expect(file).toMatchObject({ kernel: '6.18.0-fake', signature: d.signature, events: d.shrunk!.events });
    expect((file.results as Result[])[1]).toEqual({ ret: -errno.EPERM });
  });
  it('agrees everywhere with a faithful kernel, and counts every event', async () => {
    const r = await runCampaign({ seed: 1, steps: 1050, eventsPerTrace: 100, runner: fakeKernel() });
    expect(r.stoppedBy).toBe('steps');
    expect(r.traces).toBe(11);
    expect(r.divergences).toEqual([]);
    const t = r.tally.totals();
    expect(t).toMatchObject({ events: 1050, agreed: 1050, diverged: 0, after: 0 });
    expect(r.tally.byCmd.get('BPF_MAP_CREATE')!.outcomes.ok).toBeGreaterThan(0);
    expect(r.tally.table()).toMatch(/^cmd +events +agreed +diverged +after/);
    expect(r.tally.table()).toMatch(/\ntotal +1050 +1050 +0 +0 +\d+ pairs$/);
  });
  it('with keepGoing collects each kind of divergence once and counts the rest', async () => {
    const closeBug = (_s: unknown, e: Event, r: Result) => (e.kind === 'close' && e.fd === 0 && r.ret === 0 ? { ret: -errno.EIO } : undefined);
    const r = await runCampaign({ seed: 3, steps: 4000, eventsPerTrace: 100, runner: fakeKernel([pinProgAtB, closeBug]), keepGoing: true, shrinkMaxRuns: 60 });
    expect(r.stoppedBy).toBe('steps');
    const sigs = r.divergences.map((d) => d.signature).sort();
    expect(sigs).toEqual(['BPF_OBJ_PIN: ret EPERM (model ok)', 'close: ret EIO (model ok)']);
    expect(r.tally.totals().diverged).toBe(r.divergences.reduce((n, d) => n + 1 + d.duplicates, 0));
    const closing = r.divergences.find((d) => d.label === 'close')!;
    expect(closing.shrunk!.events).toEqual([{ kind: 'close', pid: closing.shrunk!.events[0].kind === 'close' ? closing.shrunk!.events[0].pid : 0, fd: 0 }]);
  });
  it('reports oracle failures and goes on; stops on the time budget', async () => {
    const failing = fakeKernel([], { failOn: (events) => events.some((e) => e.kind === 'fork') });
    const r = await runCampaign({ seed: 2, steps: 1000, eventsPerTrace: 100, runner: failing });
    expect(r.oracleFailures.length).toBeGreaterThan(0);
    expect(r.oracleFailures[0].message).toMatch(/cannot run/);
    expect(r.traces).toBe(10);
    const slow = await runCampaign({ seed: 2, steps: 100_000, eventsPerTrace: 10, runner: fakeKernel([], { delayMs: 30 }), timeBudgetMs: 200 });
    expect(slow.stoppedBy).toBe('time');
    expect(slow.traces).toBeLessThan(100);
  });
  it('with several runs in flight, tallies as with one', async () => {
    const one = await runCampaign({ seed: 5, steps: 800, eventsPerTrace: 50, runner: fakeKernel([pinProgAtB]), keepGoing: true, shrink: false });
    const three = await runCampaign({ seed: 5, steps: 800, eventsPerTrace: 50, runner: fakeKernel([pinProgAtB]), keepGoing: true, shrink: false, concurrency: 3 });
    expect(three.tally.toJSON()).toEqual(one.tally.toJSON());
    expect(three.divergences.map((d) => d.signature)).toEqual(one.divergences.map((d) => d.signature));
  });
});

describe('Tally', () => {
  it('round-trips through JSON and merges', () => {
    const a = new Tally();
    const e = { kind: 'close', pid: 1, fd: 3 } as Event;
    a.add({ events: [e, e], kernel: 'k', kernelResults: [{ ret: 0 }, { ret: -9 }], model: [{ result: { ret: 0 } }, { result: { ret: 0 } }], diffs: [undefined, 'x'], first: 1 });
    expect(a.toJSON()).toEqual({ close: { events: 2, agreed: 1, diverged: 1, after: 0, outcomes: { ok: 1, EBADF: 1 } } });
    const b = Tally.fromJSON(a.toJSON());
    b.merge(a);
    expect(b.totals()).toEqual({ events: 4, agreed: 2, diverged: 2, after: 0, pairs: 2 });
  });
});

describe('kernelTooOld', () => {
  it('accepts the modelled kernel and newer, and says why not otherwise', () => {
    expect(kernelTooOld('6.18.44-fc-v669')).toBeUndefined();
    expect(kernelTooOld('7.0.1')).toBeUndefined();
    expect(kernelTooOld('6.6.30-generic')).toMatch(/older than the 6\.18 bpfsim models/);
    expect(kernelTooOld('weird')).toMatch(/cannot tell/);
  });
});

describe('the CI campaign', async () => {
  const { campaign, divergenceFileName, outcomeSummary, parseCampaignArgs, DEFAULT_SEEDS } = await import('../src/cli/campaign.ts');
  it('parses its options with fixed default seeds', () => {
    expect(parseCampaignArgs([])).toMatchObject({ seeds: [...DEFAULT_SEEDS], stepsPerSeed: 1000, eventsPerTrace: 100, timeBudget: 300 });
    expect(parseCampaignArgs(['--seeds', '9,10', '--steps-per-seed', '50', '--out', 'x', '--clean'])).toMatchObject({ seeds: [9, 10], stepsPerSeed: 50, out: 'x', clean: true });
    expect(() => parseCampaignArgs(['--seeds', 'a'])).toThrow(/--seeds/);
    expect(() => parseCampaignArgs(['--what'])).toThrow(/unknown argument/);
  });
  it('merges divergences across seeds by signature and summarises', async () => {
    const a = parseCampaignArgs(['--seeds', '1,2,3', '--steps-per-seed', '1500']);
    const o = await campaign(a, fakeKernel([pinProgAtB]));
    expect(o.divergences.map((d) => d.signature)).toEqual(['BPF_OBJ_PIN: ret EPERM (model ok)']);
    expect(o.divergences[0].seen.length).toBeGreaterThan(1);
    const s = outcomeSummary(a, o);
    expect(s).toMatchObject({ kernel: '6.18.0-fake', seeds: [1, 2, 3], steps: 4500, divergencesBySyscall: { BPF_OBJ_PIN: { kinds: 1 } } });
    expect(divergenceFileName('BPF_OBJ_PIN: ret EPERM (model ok)')).toBe('BPF_OBJ_PIN-ret-EPERM-model-ok.json');
  });
});

describe('progressPrinter', async () => {
  const { progressPrinter } = await import('../src/index.ts');
  const base = { phase: 'run' as const, tracesDone: 1, traces: 4, eventsDone: 100, events: 400, divergences: 0, elapsedMs: 1500 };
  it('redraws a bar in place on a terminal', () => {
    let s = '';
    const p = progressPrinter({ isTTY: true, columns: 100, write: (x: string) => { s += x; } });
    p.update(base);
    p.update({ ...base, phase: 'shrink', shrink: { runs: 7, length: 12 } });
    p.done();
    expect(s).toBe('\r[#####...............] 100/400 events  1/4 traces  0 divergences  1.5s\x1b[K'
      + '\r[#####...............] 100/400 events  1/4 traces  shrinking: 12 events left after 7 runs  1.5s\x1b[K\n');
  });
  it('prints plain lines elsewhere', () => {
    let s = '';
    const p = progressPrinter({ write: (x: string) => { s += x; } });
    p.update(base);
    p.update({ ...base, phase: 'shrink', shrink: { runs: 1, length: 12 } });
    p.update({ ...base, phase: 'shrink', shrink: { runs: 2, length: 11 } });
    p.done();
    expect(s).toBe('trace 1/4: the oracle failed on this trace; 100/400 events, 0 divergences, 1.5s\nshrinking: 12 events left after 1 kernel runs, 1.5s\n');
  });
});
