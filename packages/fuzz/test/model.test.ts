// Model-based fuzzing (src/model): invariants after every event, interrupts inside operations,
// crashes and restarts, shrinking, determinism, sharding, and the built-in kernel invariants
// catching a model that breaks the kernel's rules.
import { describe, expect, it } from 'vitest';
import { BPF_F_BEFORE, errno } from '@bpfsim/events';
import { kernelFold, libbpf, type Kernel, type LibBpf } from '@bpfsim/kernel';
import { initialState, type Fold, type KernelState } from '@bpfsim/reducer';
import {
  compile, Coverage, crash, fuzz, fuzzWith, netdevChurn, returnProgram, revisionRace, runSteps, runSeed, thirdParty, type FuzzReport, type FuzzSpec, type FuzzStep,
} from '../src/index.ts';

/** A loader that attaches programs on one device and detaches them again. */
interface World { k: Kernel; bpf: LibBpf; ifindex: number; progs: number[]; restarts: number }

function loaderSpec(extra: Partial<FuzzSpec<World>> = {}): FuzzSpec<World> {
  return {
    name: 'loader',
    setup(k) {
      const ifindex = k.netdevAdd('eth0', 'peer0').ret;
      return { k, bpf: libbpf(k, 100), ifindex, progs: [], restarts: 0 };
    },
    operations: {
      attach: (w) => {
        const fd = w.bpf.bpf_prog_load('BPF_PROG_TYPE_SCHED_CLS', 'p', 'GPL', returnProgram(), 2);
        if (fd >= 0 && w.bpf.bpf_prog_attach_opts(fd, w.ifindex, 'BPF_TCX_INGRESS', { flags: BPF_F_BEFORE }) === 0) w.progs.push(fd);
      },
      detach: (w) => {
        const fd = w.progs.pop();
        if (fd !== undefined) w.bpf.bpf_prog_detach_opts(fd, w.ifindex, 'BPF_TCX_INGRESS');
      },
    },
    ...extra,
  };
}

const chainLength = (s: KernelState, ifindex: number) => s.netdevs[ifindex]?.tcx_ingress?.items.length ?? 0;
const strip = (r: FuzzReport) => ({ ...r, elapsedMs: 0, coverage: r.coverage.toJSON() });

describe('fuzz()', () => {
  it('finds an invariant that fails and shrinks the steps to the fewest that break it', () => {
    const r = fuzz({
      ...loaderSpec(), seed: 1, runs: 200,
      invariants: { 'at most two programs': ({ state, world }) => chainLength(state, world.ifindex) <= 2 || `${chainLength(state, world.ifindex)} attached` },
    });
    expect(r.ok).toBe(false);
    const cx = r.failure!;
    expect(cx.violation).toMatchObject({ invariant: 'at most two programs', kind: 'invariant', messages: ['3 attached'] });
    expect(cx.steps.map((s) => (s.kind === 'op' ? s.name : s.adversary))).toEqual(['attach', 'attach', 'attach']);
    // the failing event is the third attach, the last event of the run
    const e = cx.outcome.entries[cx.violation.event].event;
    expect(e.kind === 'bpf' && e.cmd).toBe('BPF_PROG_ATTACH');
    expect(cx.violation.event).toBe(cx.outcome.entries.length - 1);
    expect(r.runs).toBe(cx.run + 1);
  });

  it('checks invariants after every event, inside operations too (a step invariant sees only between steps)', () => {
    const twice: FuzzSpec<World>['operations'] = {
      // attaches a second program for a moment, then takes it out
      blip: (w) => {
        const a = w.bpf.bpf_prog_load('BPF_PROG_TYPE_SCHED_CLS', 'a', 'GPL', returnProgram(), 2);
        const b = w.bpf.bpf_prog_load('BPF_PROG_TYPE_SCHED_CLS', 'b', 'GPL', returnProgram(), 2);
        w.bpf.bpf_prog_attach_opts(a, w.ifindex, 'BPF_TCX_INGRESS');
        w.bpf.bpf_prog_attach_opts(b, w.ifindex, 'BPF_TCX_INGRESS');
        w.bpf.bpf_prog_detach_opts(b, w.ifindex, 'BPF_TCX_INGRESS');
        w.bpf.bpf_prog_detach_opts(a, w.ifindex, 'BPF_TCX_INGRESS');
      },
    };
    const one = ({ state, world }: { state: KernelState; world: World }) => chainLength(state, world.ifindex) <= 1;
    const every = fuzz({ ...loaderSpec(), operations: twice, invariants: { one }, seed: 3, runs: 5 });
    expect(every.failure?.violation).toMatchObject({ invariant: 'one', event: 4 }); // 1 setup event, 2 loads, attach a, attach b
    const between = fuzz({ ...loaderSpec(), operations: twice, invariants: { one: { every: 'step', check: one } }, seed: 3, runs: 5 });
    expect(between.ok).toBe(true);
  });

  it('gives the same report for the same seed, and another for another seed', () => {
    const spec = { ...loaderSpec(), adversaries: [thirdParty({ directions: ['ingress'] })], invariants: { small: ({ state }: { state: KernelState }) => chainLength(state, 3) < 4 } };
    const a = fuzz({ ...spec, seed: 5, runs: 300 });
    const b = fuzz({ ...spec, seed: 5, runs: 300 });
    expect(a.ok).toBe(false);
    expect(strip(a)).toEqual(strip(b));
    const c = fuzz({ ...spec, seed: 6, runs: 300 });
    expect(c.failure?.found).not.toEqual(a.failure?.found);
  });

  it('draws run i from its own seed: shards partition the runs and see the same ones', () => {
    const spec = { ...loaderSpec(), adversaries: [thirdParty()] };
    const seen = (o: Parameters<typeof fuzzWith>[1]) => {
      const out = new Map<number, number>();
      fuzzWith(spec, { ...o, onRun: (r) => { if (!r.shrinking) out.set(r.run, r.events); } });
      return out;
    };
    const all = seen({ seed: 9, runs: 40 });
    const s0 = seen({ seed: 9, runs: 40, shard: { worker: 0, workers: 3 } });
    const s1 = seen({ seed: 9, runs: 40, shard: { worker: 1, workers: 3 } });
    const s2 = seen({ seed: 9, runs: 40, shard: { worker: 2, workers: 3 } });
    expect(new Map([...s0, ...s1, ...s2].sort((x, y) => x[0] - y[0]))).toEqual(all);
    expect([...s1.keys()].every((i) => i % 3 === 1)).toBe(true);
    expect(runSeed(9, 0)).not.toBe(runSeed(9, 1));
  });

  it('runs an adversary inside an operation, right after the syscall it waits for', () => {
    // a careful attach: query the revision, then attach at it
    const spec: FuzzSpec<World> = {
      ...loaderSpec(),
      operations: {
        attach: (w) => {
          const fd = w.bpf.bpf_prog_load('BPF_PROG_TYPE_SCHED_CLS', 'mine', 'GPL', returnProgram(), 2);
          const q = { count: 0, revision: 0 };
          w.bpf.bpf_prog_query_opts(w.ifindex, 'BPF_TCX_INGRESS', q);
          w.bpf.bpf_prog_attach_opts(fd, w.ifindex, 'BPF_TCX_INGRESS', { flags: BPF_F_BEFORE, expected_revision: q.revision || 1 });
        },
      },
      invariants: {
        'never stale': ({ event, result }) => !(event?.kind === 'bpf' && event.pid === 100 && result?.ret === -errno.ESTALE),
      },
      adversaries: [thirdParty({ name: 'racer', pid: 201, placement: 'inside', after: (e) => e.kind === 'bpf' && e.cmd === 'BPF_PROG_QUERY', directions: ['ingress'] })],
    };
    const r = fuzz({ ...spec, seed: 2, runs: 300 });
    expect(r.failure?.violation.invariant).toBe('never stale');
    const o = r.failure!.outcome;
    const i = r.failure!.violation.event;
    // the racer's events sit between the query and the attach that came back -ESTALE
    const who = o.labels.slice(o.setupEvents);
    expect(who.filter((l) => l.startsWith('racer')).length).toBeGreaterThan(0);
    const q = o.entries.findIndex((e) => e.event.kind === 'bpf' && e.event.cmd === 'BPF_PROG_QUERY');
    expect(o.labels.slice(q + 1, i).every((l) => l === 'racer.attach')).toBe(true);
    expect(r.failure!.steps).toHaveLength(1);
    const step = r.failure!.steps[0];
    expect(step.kind === 'op' && step.interrupts.length).toBe(1);
  });

  it('kills a process of the code under test mid-operation, ends the operation, and restarts it', () => {
    const spec = loaderSpec({
      operations: {
        three: (w) => { for (let n = 0; n < 3; n++) w.bpf.bpf_prog_load('BPF_PROG_TYPE_SCHED_CLS', `p${n}`, 'GPL', returnProgram(), 2); },
      },
      adversaries: [crash({ pids: [100] })],
      pids: [100],
      restart: (w) => { w.restarts++; w.bpf.bpf_prog_get_next_id(0, new Uint32Array(1)); },
    });
    const c = compile(spec);
    const steps: FuzzStep[] = [{ kind: 'op', name: 'three', args: undefined, interrupts: [{ at: 1, adversary: 'crash', action: 'exit', args: 0 }] }];
    const o = runSteps(c, steps);
    expect(o.violation).toBeUndefined();
    expect(o.labels).toEqual(['setup', 'op three', 'crash.exit', 'restart 100']);
    expect(o.entries.map((e) => e.event.kind === 'bpf' ? e.event.cmd : e.event.kind)).toEqual(['netdev_add', 'BPF_PROG_LOAD', 'exit', 'BPF_PROG_GET_NEXT_ID']);
    // without a restart() the process stays dead: its next operation ends at its first syscall
    const dead = runSteps(compile({ ...spec, restart: undefined }), [...steps, { kind: 'op', name: 'three', args: undefined, interrupts: [] }]);
    expect(dead.labels).toEqual(['setup', 'op three', 'crash.exit']);
  });

  it('reports an operation that throws, with where it threw', () => {
    const r = fuzz({
      ...loaderSpec({ operations: { boom: (w) => { w.bpf.bpf_prog_get_next_id(0, new Uint32Array(1)); throw new RangeError('no'); } } }),
      seed: 1, runs: 3,
    });
    expect(r.failure?.violation).toMatchObject({ invariant: 'exception', kind: 'exception', event: 1, messages: ['operation boom threw RangeError: no'] });
  });

  it('counts the (command, outcome) pairs the runs reached', () => {
    const r = fuzz({ ...loaderSpec(), adversaries: [thirdParty()], seed: 4, runs: 50 });
    expect(r.ok).toBe(true);
    expect(r.coverage.has('BPF_PROG_ATTACH', 'ok')).toBe(true);
    expect(r.coverage.has('BPF_PROG_LOAD', 'ok')).toBe(true);
    expect(r.coverage.events).toBe(r.events);
    expect(r.coverage.table()).toMatch(/^event\s+count\s+outcomes/);
    // what a worker sends after every run (unsorted) merges into the same coverage
    expect(Coverage.fromJSON(r.coverage.toMergeable()).toJSON()).toEqual(r.coverage.toJSON());
    // the runs' own coverage (given to onRun) adds up to the campaign's
    const merged = new Coverage();
    const again = fuzz({ ...loaderSpec(), adversaries: [thirdParty()], seed: 4, runs: 50, onRun: (x) => { merged.merge(x.coverage!.toMergeable()); } });
    expect(merged.toJSON()).toEqual(again.coverage.toJSON());
    expect(again.coverage.toJSON()).toEqual(r.coverage.toJSON());
  });
});

describe('built-in kernel invariants', () => {
  // A fold with a planted bug, to show the fuzzer catches a model that breaks the kernel's rules.
  const planted = (bug: (s: KernelState, e: Parameters<Fold>[1]) => KernelState | undefined): Fold => (state, event) => {
    const r = kernelFold(state, event);
    return { result: r.result, state: (r.result.ret >= 0 && bug(r.state, event)) || r.state };
  };
  const withEntry = (s: KernelState, f: (e: NonNullable<KernelState['netdevs'][number]['tcx_ingress']>) => object): KernelState | undefined => {
    const dev = Object.values(s.netdevs).find((d) => d.tcx_ingress);
    if (!dev?.tcx_ingress) return undefined;
    return { ...s, netdevs: { ...s.netdevs, [dev.ifindex]: { ...dev, tcx_ingress: { ...dev.tcx_ingress, ...f(dev.tcx_ingress) } } } } as KernelState;
  };
  const isCmd = (e: Parameters<Fold>[1], cmd: string) => e.kind === 'bpf' && e.cmd === cmd;
  const catches = (fold: Fold) => fuzz({ ...loaderSpec(), fold, seed: 1, runs: 200 }).failure;

  it('revision: a detach that takes the revision back', () => {
    const f = catches(planted((s, e) => (isCmd(e, 'BPF_PROG_DETACH') ? withEntry(s, (en) => ({ revision: en.revision - 2 })) : undefined)));
    expect(f?.violation).toMatchObject({ invariant: 'kernel:revision', kind: 'kernel' });
    expect(f?.violation.messages[0]).toMatch(/revision went back/);
    const e = f!.outcome.entries[f!.violation.event].event;
    expect(isCmd(e, 'BPF_PROG_DETACH')).toBe(true);
  });

  it('chain and datapath: a fast path out of order', () => {
    const f = catches(planted((s, e) => (isCmd(e, 'BPF_PROG_ATTACH') ? withEntry(s, (en) => ({ fp: [...en.fp].reverse() })) : undefined)));
    expect(f?.violation.invariant).toBe('kernel:chain');
    expect(f?.violation.messages[0]).toMatch(/fast path \[1, 2\] is not the programs \[2, 1\]/);
    const g = fuzz({ ...loaderSpec(), fold: planted((s, e) => (isCmd(e, 'BPF_PROG_ATTACH') ? withEntry(s, (en) => ({ fp: [...en.fp].reverse() })) : undefined)), kernelInvariants: ['datapath'], seed: 1, runs: 200 });
    expect(g.failure?.violation.invariant).toBe('kernel:datapath');
  });

  it('references: a load that takes a reference too many', () => {
    const f = catches(planted((s, e) => {
      if (!isCmd(e, 'BPF_PROG_LOAD')) return undefined;
      const p = Object.values(s.progs).at(-1)!;
      return { ...s, progs: { ...s.progs, [p.id]: { ...p, refs: p.refs + 1 } } };
    }));
    expect(f?.violation.invariant).toBe('kernel:references');
    expect(f?.violation.messages[0]).toMatch(/prog 1 counts 2 references, held by 1/);
  });

  it('holds on the real fold under every adversary', () => {
    const r = fuzz({ ...loaderSpec(), adversaries: [thirdParty(), crash(), thirdParty({ name: 'racer', pid: 201, placement: 'inside' })], seed: 11, runs: 200 });
    expect(r.ok).toBe(true);
  });

});

describe('adversaries', () => {
  // one program of pid 100 on eth0 ingress, then the adversaries' steps
  const base = (adversaries: FuzzSpec<World>['adversaries']) => compile<World>({
    ...loaderSpec(),
    setup(k) {
      const ifindex = k.netdevAdd('eth0', 'peer0').ret;
      const bpf = libbpf(k, 100);
      const fd = bpf.bpf_prog_load('BPF_PROG_TYPE_SCHED_CLS', 'mine', 'GPL', returnProgram(), 2);
      bpf.bpf_prog_attach_opts(fd, ifindex, 'BPF_TCX_INGRESS');
      return { k, bpf, ifindex, progs: [fd], restarts: 0 };
    },
    adversaries,
  });
  const adv = (adversary: string, action: string, args: unknown): FuzzStep => ({ kind: 'adversary', adversary, action, args });
  const attach = (o: Partial<{ dev: number; egress: boolean; place: string; rel: number; link: boolean; byFd: boolean; pin: boolean }>) =>
    adv('third-party', 'attach', { dev: 0, egress: false, place: 'first', rel: 0, link: false, byFd: false, pin: false, ...o });
  /** The chain on eth0 (ifindex 3) ingress after the run: prog ids, /lN when link N owns the slot. */
  const chain = (o: ReturnType<typeof runSteps>) => {
    let state = initialState(0);
    for (const e of o.entries) state = kernelFold(state, e.event).state;
    return state.netdevs[3]?.tcx_ingress?.items.map((it) => `${it.prog_id}${it.link_id ? `/l${it.link_id}` : ''}`) ?? [];
  };

  it('a third party attaches first, last, before and after a program (by id and by fd), with and without links', () => {
    const c = base([thirdParty({ devices: ['eth0'] })]);
    expect(chain(runSteps(c, [attach({ place: 'first', link: true })]))).toEqual(['2/l1', '1']);
    expect(chain(runSteps(c, [attach({ place: 'last' })]))).toEqual(['1', '2']);
    expect(chain(runSteps(c, [attach({ place: 'last' }), attach({ place: 'before', rel: 1, byFd: true })]))).toEqual(['1', '3', '2']);
    expect(chain(runSteps(c, [attach({ place: 'first' }), attach({ place: 'after', rel: 0, link: true })]))).toEqual(['2', '3/l1', '1']);
    const flags = runSteps(c, [attach({ place: 'before', rel: 0 })]).entries.at(-1)!.event;
    expect(flags.kind === 'bpf' && flags.attr).toMatchObject({ attach_flags: 8 | 32, relative_id: 1 }); // BPF_F_BEFORE | BPF_F_ID
  });

  it('a third party detaches what it attached, a link by BPF_LINK_DETACH or by closing it', () => {
    const c = base([thirdParty({ devices: ['eth0'] })]);
    expect(chain(runSteps(c, [attach({ link: true }), adv('third-party', 'detach', { which: 0, close: true })]))).toEqual(['1']);
    expect(chain(runSteps(c, [attach({ link: true }), adv('third-party', 'detach', { which: 0, close: false })]))).toEqual(['1']);
    expect(chain(runSteps(c, [attach({}), adv('third-party', 'detach', { which: 0, close: false })]))).toEqual(['1']);
  });

  it('a crash detaches the process\'s links, unless pinned, but not its BPF_PROG_ATTACH attachments', () => {
    const c = base([thirdParty({ devices: ['eth0'] }), crash()]);
    expect(chain(runSteps(c, [attach({ link: true }), attach({ place: 'last' }), adv('crash', 'exit', 0)]))).toEqual(['1', '3']);
    // unless pinned
    expect(chain(runSteps(c, [attach({ link: true, pin: true }), attach({ place: 'last' }), adv('crash', 'exit', 0)]))).toEqual(['2/l1', '1', '3']);
  });

  it('netdev churn deletes a veth pair (its chains go) and adds it back under new ifindexes', () => {
    const c = base([netdevChurn()]);
    const o = runSteps(c, [adv('netdev-churn', 'bounce', 0)]);
    expect(o.entries.slice(-2).map((e) => e.event)).toEqual([{ kind: 'netdev_del', name: 'peer0' }, { kind: 'netdev_add', name: 'peer0', peer: 'eth0' }]);
    expect(chain(o)).toEqual([]);
    const o2 = runSteps(c, [adv('netdev-churn', 'remove', 1), adv('netdev-churn', 'restore', 0)]);
    expect(o2.entries.slice(-2).map((e) => e.event.kind)).toEqual(['netdev_del', 'netdev_add']);
  });

  it('a revision race acts only right after a BPF_PROG_QUERY of the code under test', () => {
    const c = compile<World>({
      ...loaderSpec(),
      operations: { look: (w) => { w.bpf.bpf_prog_get_next_id(0, new Uint32Array(1)); w.bpf.bpf_prog_query_opts(w.ifindex, 'BPF_TCX_INGRESS', { count: 0 }); w.bpf.bpf_prog_get_next_id(0, new Uint32Array(1)); } },
      adversaries: [revisionRace({ directions: ['ingress'] })],
    });
    const o = runSteps(c, [{ kind: 'op', name: 'look', args: undefined, interrupts: [{ at: 0, adversary: 'revision-race', action: 'attach', args: { dev: 0, egress: false, place: 'first', rel: 0, link: false, byFd: false, pin: false } }] }]);
    expect(o.labels).toEqual(['setup', 'op look', 'op look', 'revision-race.attach', 'revision-race.attach', 'op look']);
  });
});
