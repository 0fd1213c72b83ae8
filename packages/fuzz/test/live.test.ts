// The differential machinery on the live kernel (root, unshare, ip, cc, Linux >= 6.18): skipped,
// with the reason, anywhere else.
import { describe, expect, it } from 'vitest';
import { runOnKernel } from '@bpfsim/oracle';
import { compareTrace, differentialUnavailable, runCampaign, sampleTrace, DEFAULT_UNIVERSE } from '../src/index.ts';

const reason = differentialUnavailable();
const live = (name: string, fn: () => Promise<void>, timeout = 120_000) =>
  it.skipIf(reason !== undefined)(reason ? `${name} (skipped: ${reason})` : name, fn, timeout);

describe('on the live kernel', () => {
  live('runs a whole stateful trace in one kernel run, answering every event', async () => {
    const events = sampleTrace(1, DEFAULT_UNIVERSE, { length: 150 });
    const c = await compareTrace(events, runOnKernel);
    expect(c.kernel).toMatch(/^\d+\.\d+/);
    expect(c.kernelResults).toHaveLength(150);
    // the model answers at least the first events as the kernel does (a divergence may come later)
    expect(c.first === undefined || c.first > 0).toBe(true);
    expect(c.kernelResults.filter((r) => r.ret >= 0).length).toBeGreaterThan(40);
  });
  live('a small campaign runs every trace, and the same seed gives the same tally', async () => {
    // No exit events: the oracle's helpers race on exit now and then ("helper exited (status 0)"
    // before the answer is read), which would fail a trace for the oracle's sake, not the model's.
    const o = { seed: 11, steps: 300, eventsPerTrace: 100, runner: runOnKernel, keepGoing: true, shrink: false, trace: { kinds: { exit: 0 } } } as const;
    const a = await runCampaign(o);
    expect(a.oracleFailures).toEqual([]);
    expect(a.traces).toBe(3);
    expect(a.tally.totals().events).toBe(300);
    const b = await runCampaign(o);
    expect(b.tally.toJSON()).toEqual(a.tally.toJSON());
  });
});
