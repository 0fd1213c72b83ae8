// The kernel invariants decide pass/fail on a fast path (no messages, memos keyed by frozen tables)
// and explain failures with the code that says why. The fast verdict must be the explaining code's
// verdict: on the states of real fuzz runs, and on those states broken in the ways the invariants
// exist to catch (a wrong reference count, a program freed under a chain, a reversed fast path,
// a duplicate slot, a link pointing elsewhere).
import { describe, expect, it } from 'vitest';
import { checkReferences, initialState, type KernelState, type MprogEntry, type Netdev } from '@bpfsim/reducer';
import { chain, chainProblems, datapath, datapathProblems, references } from '../src/model/kernel-invariants.ts';
import { kernelFold } from '@bpfsim/kernel';
import { compile, drawRun, fuzzStepsArb, runSteps } from '../src/index.ts';
import { managerSpec } from '../../../examples/manager/spec.ts';

type Dir = 'ingress' | 'egress';
const KEYS = [['ingress', 'tcx_ingress'], ['egress', 'tcx_egress']] as const;

/** The states before and after every event of `runs` fuzz runs of the example manager. */
function fuzzSteps(runs: number): (readonly [KernelState, KernelState])[] {
  const c = compile(managerSpec(true)), arb = fuzzStepsArb(c);
  const steps: (readonly [KernelState, KernelState])[] = [];
  for (let i = 0; i < runs; i++) {
    let s = initialState(c.spec.kernelSeed ?? 0);
    for (const e of runSteps(c, drawRun(c, arb, 7, i).value).entries) steps.push([s, (s = kernelFold(s, e.event).state)]);
  }
  return steps;
}

const entries = (s: KernelState) => Object.values(s.netdevs).flatMap((dev) => KEYS.flatMap(([dir, key]) => (dev[key] ? [[dev, dir, dev[key]] as const] : [])));
const withEntry = (s: KernelState, dev: Netdev, key: 'tcx_ingress' | 'tcx_egress', e: MprogEntry): KernelState =>
  Object.freeze({ ...s, netdevs: Object.freeze({ ...s.netdevs, [dev.ifindex]: Object.freeze({ ...dev, [key]: Object.freeze(e) }) }) });

/** Broken variants of `s`, each in one way. */
function broken(s: KernelState, k: number): KernelState[] {
  const out: KernelState[] = [];
  const progs = Object.values(s.progs), maps = Object.values(s.maps), links = Object.values(s.links);
  if (progs.length) { const p = progs[k % progs.length]; out.push(Object.freeze({ ...s, progs: Object.freeze({ ...s.progs, [p.id]: Object.freeze({ ...p, refs: p.refs + 1 }) }) })); }
  if (maps.length) { const m = maps[k % maps.length]; out.push(Object.freeze({ ...s, maps: Object.freeze({ ...s.maps, [m.id]: Object.freeze({ ...m, refs: m.refs - 1 }) }) })); }
  if (links.length) {
    const l = links[k % links.length];
    out.push(Object.freeze({ ...s, links: Object.freeze({ ...s.links, [l.id]: Object.freeze({ ...l, ifindex: l.ifindex + 1 }) }) }));
    if (progs.length > 1) { const p = progs.find((x) => x.id !== l.prog_id)!; out.push(Object.freeze({ ...s, links: Object.freeze({ ...s.links, [l.id]: Object.freeze({ ...l, prog_id: p.id }) }) })); }
  }
  const procs = Object.values(s.procs);
  if (procs.length && progs.length) {
    // one more fd on a program than it counts, in a process
    const p = procs[k % procs.length], prog = progs[k % progs.length];
    out.push(Object.freeze({ ...s, procs: Object.freeze({ ...s.procs, [p.pid]: Object.freeze({ ...p, fds: Object.freeze({ ...p.fds, 999: Object.freeze({ kind: 'prog' as const, id: prog.id }) }) }) }) }));
    // a program under another id's key (a lookup by id no longer finds it)
    const { [prog.id]: moved, ...others } = s.progs;
    out.push(Object.freeze({ ...s, progs: Object.freeze({ ...others, [prog.id + 1000]: moved }) }));
  }
  const pins = Object.keys(s.bpffs).filter((path) => s.bpffs[path].kind !== 'dir');
  if (pins.length) { const { [pins[k % pins.length]]: _unpinned, ...rest } = s.bpffs; out.push(Object.freeze({ ...s, bpffs: Object.freeze(rest) })); }
  for (const [dev, dir, e] of entries(s)) {
    const key = dir === 'ingress' ? 'tcx_ingress' : 'tcx_egress';
    if (e.fp.length > 1) out.push(withEntry(s, dev, key, { ...e, fp: Object.freeze([...e.fp].reverse()) }));
    out.push(withEntry(s, dev, key, { ...e, items: Object.freeze([...e.items, e.items[0]]), fp: Object.freeze([...e.fp, e.fp[0]]) }));
    const { [e.items[0].prog_id]: _gone, ...rest } = s.progs;
    out.push(Object.freeze({ ...s, progs: Object.freeze(rest) }));
  }
  return out;
}

describe('kernel invariants: the fast verdict is the explaining code\'s verdict', () => {
  const empty = initialState(0);
  const steps = fuzzSteps(60);
  const states = steps.map(([, s]) => s);
  const cases = states.flatMap((s, k) => [s, ...broken(s, k)]);

  it('has states of every kind to judge', () => {
    expect(states.length).toBeGreaterThan(500);
    expect(cases.filter((s) => checkReferences(s).length > 0).length).toBeGreaterThan(100);
    expect(cases.filter((s) => chainProblems(s).length > 0).length).toBeGreaterThan(100);
  });

  it('references', () => {
    for (const s of cases) expect(references.check(s, empty).length === 0).toBe(checkReferences(s).length === 0);
  });

  it('chain', () => {
    for (const s of cases) expect(chain.check(s, empty).length === 0).toBe(chainProblems(s).length === 0);
  });

  it('datapath', () => {
    let failing = 0;
    for (const s of cases) {
      // Against a state without devices every attach point has changed.
      const changed = entries(s).map(([dev, dir, e]) => [dev, dir as Dir, e, undefined] as const);
      const explained = datapathProblems(s, changed);
      if (explained.length) failing++;
      expect(datapath.check(s, empty).length === 0).toBe(explained.length === 0);
    }
    expect(failing).toBeGreaterThan(50);
  });
});
