// The example tc program manager (examples/manager): the fuzzer finds the buggy build's ordering
// bug within a bounded number of runs for several seeds, shrinks it to a small counterexample whose
// trace replays and fails the same invariant at the reported event, and passes the fixed build.
import { describe, expect, it } from 'vitest';
import { Trace, replayTrace } from '@bpfsim/replay';
import { kernelFold } from '@bpfsim/kernel';
import { initialState, type KernelState } from '@bpfsim/reducer';
import { counterexampleTrace, formatCounterexample, fuzz, reproduce, type FuzzReport, type InvariantLike } from '../src/index.ts';
import { managerSpec } from '../../../examples/manager/spec.ts';
import type { TcManager } from '../../../examples/manager/manager.ts';

const buggy = managerSpec(false);
const fixed = managerSpec(true);
const BUGS = ['no foreign detach', 'one copy', 'current version', 'policy attached'];
const check = (inv: InvariantLike<TcManager>) => (typeof inv === 'function' ? inv : inv.check);

/** The states of a replayed trace: states[i] is the state after i events. */
function statesOf(bytes: Uint8Array): { states: KernelState[]; trace: Trace } {
  const trace = Trace.open(bytes);
  const states = [trace.header.state ?? initialState(trace.header.seed)];
  for (let i = 0; i < trace.length; i++) states.push(kernelFold(states[i], trace.event(i)).state);
  return { states, trace };
}

describe('examples/manager: the buggy build', () => {
  const reports = new Map<number, FuzzReport>();
  const run = (seed: number) => {
    if (!reports.has(seed)) reports.set(seed, fuzz({ ...buggy, seed, runs: 500 }));
    return reports.get(seed)!;
  };

  it.each([1, 2, 3, 4, 5, 6])('seed %i: found within 500 runs and shrunk to at most 3 steps and 30 events', (seed) => {
    const r = run(seed);
    expect(r.ok).toBe(false);
    const cx = r.failure!;
    expect(cx.run).toBeLessThan(500);
    expect(BUGS).toContain(cx.violation.invariant);
    expect(cx.steps.length).toBeLessThanOrEqual(3);
    expect(cx.outcome.entries.length).toBeLessThanOrEqual(30);
    expect(cx.outcome.entries.length).toBeLessThanOrEqual(cx.foundEvents);
    expect(cx.shrinkExhausted).toBe(false);
    expect(cx.violation.event).toBe(cx.outcome.entries.length - 1); // the run stops at the failure
  });

  it.each([1, 6])('seed %i: the saved trace replays, and the invariant fails at the reported event and not before', (seed) => {
    const r = run(seed);
    const cx = r.failure!;
    const bytes = counterexampleTrace({ name: r.name, seed: r.seed, failure: cx });
    const { states, trace } = statesOf(bytes);
    expect(replayTrace(trace).divergence).toBeUndefined();
    expect(trace.length).toBe(cx.outcome.entries.length);
    expect(trace.header.name).toContain(`fails at event ${cx.violation.event}; goto ${cx.violation.event + 1}`);
    // These two invariants read only kernel state and the event: check them on the replayed states.
    const name = cx.violation.invariant;
    expect(['no foreign detach', 'one copy']).toContain(name);
    const inv = check(buggy.invariants![name]);
    const at = (i: number) => inv({ state: states[i + 1], prev: states[i], event: trace.event(i), result: trace.result(i), index: i, world: undefined as unknown as TcManager });
    const bad = (v: unknown) => v === false || (typeof v === 'string') || (Array.isArray(v) && v.length > 0);
    expect(bad(at(cx.violation.event))).toBe(true);
    if (name === 'no foreign detach') for (let i = 0; i < cx.violation.event; i++) expect(bad(at(i))).toBe(false);
    // and running the shrunk steps again fails the same way
    expect(reproduce(buggy, cx.steps).violation).toEqual(cx.violation);
  });

  it('the same seed gives the same counterexample twice', () => {
    const a = fuzz({ ...buggy, seed: 3, runs: 500 });
    const b = fuzz({ ...buggy, seed: 3, runs: 500 });
    expect(b.failure!.steps).toEqual(a.failure!.steps);
    expect(b.failure!.violation).toEqual(a.failure!.violation);
    expect(counterexampleTrace({ name: b.name, seed: 3, failure: b.failure! })).toEqual(counterexampleTrace({ name: a.name, seed: 3, failure: a.failure! }));
  });

  it('prints the counterexample step by step, marking the failing event', () => {
    const r = run(10);
    const text = formatCounterexample(r, { tracePath: 'fuzz-10.trace' });
    expect(text).toMatch(/^invariant "no foreign detach" fails at event 14 \(step 2\):/);
    expect(text).toContain("the manager's BPF_PROG_DETACH took prog 2 (adv200_0) off eth0 ingress: not one of its programs");
    expect(text).toMatch(/1\. adversary third-party\.attach \{dev: 0, egress: false, place: "first"/);
    expect(text).toMatch(/2\. upgrade/);
    expect(text).toMatch(/14 {2}\[pid 100\] bpf\(BPF_PROG_DETACH, .*\) = 0 {3}<-- "no foreign detach" fails/);
    expect(text).toContain('bpfsim debug fuzz-10.trace    then: goto 15');
  });
});

describe('examples/manager: the fixed build', () => {
  it.each([1, 2, 3])('seed %i: every invariant holds for 300 runs under every adversary', (seed) => {
    const r = fuzz({ ...fixed, seed, runs: 300 });
    expect(r.failure ? formatCounterexample(r) : '').toBe('');
    expect(r.runs).toBe(300);
    // the adversaries did reach the fixed build's retry path and the churned devices
    expect(r.coverage.has('BPF_PROG_ATTACH', 'ESTALE') || r.coverage.has('BPF_PROG_ATTACH', 'ENODEV')).toBe(true);
  });
});
