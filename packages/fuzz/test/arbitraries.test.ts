// The arbitraries: deterministic per seed, well-formed (or, for the malformed ones, refused by
// validateEvent), and stateful traces mostly doing something.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ATTR_SCHEMAS, validateEvent, type Event, type ModelledCmd } from '@bpfsim/events';
import { fold, initialState, step } from '@bpfsim/reducer';
import {
  DEFAULT_UNIVERSE, DYNAMIC_DEFECTS, MUTATIONS, STATIC_DEFECTS, RankedModel, TraceBuilder, bpfEventArb, buildTrace, eventArb,
  malformedArb, modelResults, programArb, retProgram, sampleTrace, stepsArb, traceArb, universe, validProgramArb,
} from '../src/index.ts';

const u = DEFAULT_UNIVERSE;
const CMDS = Object.keys(ATTR_SCHEMAS) as ModelledCmd[];
const label = (e: Event) => (e.kind === 'bpf' ? e.cmd : e.kind);
const load = (insns: unknown, prog_type: string | number = 'BPF_PROG_TYPE_SCHED_CLS') =>
  ({ kind: 'bpf', pid: 1, cmd: 'BPF_PROG_LOAD', attr: { prog_type, insns, license: 'GPL' } }) as Event;

describe('determinism', () => {
  it('gives the same values for the same seed, and others for another', () => {
    const a = fc.sample(eventArb(u), { seed: 42, numRuns: 50 });
    expect(fc.sample(eventArb(u), { seed: 42, numRuns: 50 })).toEqual(a);
    expect(fc.sample(eventArb(u), { seed: 43, numRuns: 50 })).not.toEqual(a);
  });
  it('gives the same stateful trace for the same seed', () => {
    for (const seed of [1, 2, 3, 0x7fffffff]) {
      const t = sampleTrace(seed, u, { length: 80 });
      expect(t).toHaveLength(80);
      expect(sampleTrace(seed, u, { length: 80 })).toEqual(t);
    }
    expect(sampleTrace(5, u, { length: 80 })).not.toEqual(sampleTrace(6, u, { length: 80 }));
  });
  it('interprets the same steps into the same trace', () => {
    const [steps] = fc.sample(stepsArb(u, { length: 60 }), { seed: 9, numRuns: 1 });
    expect(buildTrace(steps, u)).toEqual(buildTrace(steps, u));
  });
});

describe('well-formed arbitraries', () => {
  it('every command has an arbitrary whose events validate', () => {
    for (const cmd of CMDS) {
      fc.assert(fc.property(bpfEventArb(cmd, u, { verifierDefects: 1 }), (e) => {
        const v = validateEvent(e);
        if (!v.ok) throw new Error(`${cmd}: ${JSON.stringify(e)}: ${v.error.path}: ${v.error.message}`);
        expect(e.cmd).toBe(cmd);
      }), { numRuns: 150, seed: 1 });
    }
  });
  it('eventArb draws every kind and every command (but BPF_PROG_TEST_RUN, weight 0) and all validate', () => {
    const seen = new Set<string>();
    for (const e of fc.sample(eventArb(u), { seed: 7, numRuns: 4000 })) {
      const v = validateEvent(e);
      if (!v.ok) throw new Error(`${JSON.stringify(e)}: ${v.error.path}: ${v.error.message}`);
      seen.add(label(e));
    }
    for (const k of ['close', 'dup', 'fork', 'exit', 'mkdir', 'unlink', 'netdev_add', 'netdev_del']) expect(seen).toContain(k);
    for (const cmd of CMDS) if (cmd !== 'BPF_PROG_TEST_RUN') expect(seen).toContain(cmd);
    expect(seen).not.toContain('BPF_PROG_TEST_RUN');
  });
  it('tick and packets (weight 0 by default: the oracle does not run them) are well formed when asked for', () => {
    const o = { kinds: { tick: 20, packets: 20 } };
    const kinds = new Set<string>();
    for (const e of [...fc.sample(eventArb(u, o), { seed: 2, numRuns: 500 }), ...sampleTrace(4, u, { ...o, length: 300 })]) {
      const v = validateEvent(e);
      if (!v.ok) throw new Error(`${JSON.stringify(e)}: ${v.error.path}: ${v.error.message}`);
      kinds.add(e.kind);
    }
    expect(kinds).toContain('tick');
    expect(kinds).toContain('packets');
    expect(fc.sample(eventArb(u), { seed: 2, numRuns: 2000 }).some((e) => e.kind === 'tick' || e.kind === 'packets')).toBe(false);
  });
  it('stateful traces are well formed, for any steps', () => {
    fc.assert(fc.property(traceArb(u, { length: { min: 1, max: 60 } }), (events) => {
      events.forEach((e, i) => {
        const v = validateEvent(e);
        if (!v.ok) throw new Error(`event ${i} ${JSON.stringify(e)}: ${v.error.path}: ${v.error.message}`);
      });
    }), { numRuns: 60, seed: 3 });
  });
  it('stay in the universe: its pids, its veths, bpffs paths from it', () => {
    const small = universe({ pids: [7, 8], veths: [['qa0', 'qb0']] });
    for (const e of sampleTrace(11, small, { length: 300 })) {
      if ('pid' in e) expect([7, 8]).toContain(e.pid);
      if (e.kind === 'fork') expect([7, 8]).toContain(e.child);
      if (e.kind === 'netdev_add') expect(['qa0', 'qb0']).toContain(e.name);
    }
  });
});

describe('malformed arbitraries', () => {
  it('validateEvent refuses every one, and step() answers its error without throwing', () => {
    fc.assert(fc.property(malformedArb(u), ({ mutation, event }) => {
      const v = validateEvent(event);
      if (v.ok) throw new Error(`${mutation} left a valid event: ${JSON.stringify(event)}`);
      const s = step(initialState(0), event);
      expect(s.ok).toBe(false);
    }), { numRuns: 1500, seed: 5 });
  });
  it('reaches every mutation of the catalogue', () => {
    const seen = new Set(fc.sample(malformedArb(u), { seed: 8, numRuns: 4000 }).map((m) => m.mutation));
    expect([...MUTATIONS].filter((m) => !seen.has(m))).toEqual([]);
  });
});

describe('programs', () => {
  it('valid programs load in the model; each static defect is refused', () => {
    for (const t of ['BPF_PROG_TYPE_SCHED_CLS', 'BPF_PROG_TYPE_XDP', 'BPF_PROG_TYPE_CGROUP_SKB']) {
      for (const insns of fc.sample(validProgramArb(t), { seed: 2, numRuns: 60 })) {
        // programs naming a map by fd need one: give them fd 3..8 as maps
        let s = initialState(0);
        for (let i = 0; i < 6; i++) s = fold(s, { kind: 'bpf', pid: 1, cmd: 'BPF_MAP_CREATE', attr: { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 1 } }).state;
        const r = fold(s, load(insns, t)).result;
        expect(r.ret, `${t} ${JSON.stringify(insns)}`).toBeGreaterThanOrEqual(0);
      }
    }
    for (const d of STATIC_DEFECTS) expect(fold(initialState(0), load(d.insns)).result.ret, d.defect).toBeLessThan(0);
  });
  it('keeps verifier-only defects apart (the model loads them: the documented gap)', () => {
    for (const d of DYNAMIC_DEFECTS) expect(fold(initialState(0), load(d.insns)).result.ret, d.defect).toBeGreaterThanOrEqual(0);
    const drawn = fc.sample(programArb('BPF_PROG_TYPE_SCHED_CLS'), { seed: 4, numRuns: 500 }).map((p) => JSON.stringify(p));
    for (const d of DYNAMIC_DEFECTS) expect(drawn).not.toContain(JSON.stringify(d.insns));
  });
});

describe('stateful traces', () => {
  it('mostly do something: over half the events succeed, and every command succeeds somewhere', () => {
    const ok = new Set<string>();
    let n = 0, good = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const events = sampleTrace(seed, u, { length: 100 });
      const { results, error } = modelResults(events);
      expect(error).toBeUndefined();
      results.forEach((r, i) => { n++; if (r.ret >= 0) { good++; ok.add(label(events[i])); } });
    }
    expect(good / n).toBeGreaterThan(0.4);
    for (const cmd of CMDS) if (cmd !== 'BPF_PROG_TEST_RUN') expect(ok, cmd).toContain(cmd);
  });
  it('refer to open fds of the right kind and to ifindexes that exist', () => {
    let mapOps = 0, onMaps = 0, attaches = 0, onDevs = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const b = new TraceBuilder(u);
      const [steps] = fc.sample(stepsArb(u, { length: 100 }), { seed, numRuns: 1 });
      for (const s of steps) {
        const before = b.state;
        const e = b.add(s);
        if (e.kind !== 'bpf') continue;
        if (e.cmd === 'BPF_MAP_UPDATE_ELEM' || e.cmd === 'BPF_MAP_LOOKUP_ELEM') {
          mapOps++;
          if (before.procs[e.pid]?.fds[e.attr.map_fd]?.kind === 'map') onMaps++;
        }
        if (e.cmd === 'BPF_PROG_ATTACH' && e.attr.target_ifindex !== undefined) {
          attaches++;
          if (before.netdevs[e.attr.target_ifindex]) onDevs++;
        }
      }
    }
    expect(onMaps / mapOps).toBeGreaterThan(0.7);
    expect(onDevs / attaches).toBeGreaterThan(0.7);
  });
  it('give hash maps and bloom filters BPF_F_ZERO_SEED when the universe asks', () => {
    for (const e of sampleTrace(3, u, { length: 400 })) {
      if (e.kind === 'bpf' && e.cmd === 'BPF_MAP_CREATE' && ['BPF_MAP_TYPE_HASH', 'BPF_MAP_TYPE_BLOOM_FILTER', 1, 30].includes(e.attr.map_type)) {
        expect((e.attr.map_flags ?? 0) & 0x40).toBe(0x40);
      }
    }
  });
  it('shrink with fast-check and stay stateful (a planted property fails on a small trace)', () => {
    // "no process ever has a map pinned at /sys/fs/bpf/b": needs at least a map and a pin
    const r = fc.check(fc.property(traceArb(u, { length: { min: 1, max: 50 } }), (events) => {
      let s = initialState(0);
      for (const e of events) s = fold(s, e).state;
      return s.bpffs.b?.kind !== 'map';
    }), { seed: 12, numRuns: 300 });
    expect(r.failed).toBe(true);
    const shrunk = r.counterexample![0];
    expect(shrunk.length).toBeLessThanOrEqual(4);
    expect(shrunk).toContainEqual(expect.objectContaining({ kind: 'bpf', cmd: 'BPF_OBJ_PIN', attr: expect.objectContaining({ pathname: '/sys/fs/bpf/b' }) }));
  });
});

describe('RankedModel', () => {
  const P = 1;
  const bpf = (cmd: string, attr: Record<string, unknown>) => ({ kind: 'bpf', pid: P, cmd, attr }) as unknown as Event;
  it('numbers progs by creation order, as the oracle does, and keeps the gap a failed link create leaves in link ids', () => {
    const events = [
      { kind: 'netdev_add', name: 'a', peer: 'b' } as Event,
      bpf('BPF_PROG_LOAD', { prog_type: 'BPF_PROG_TYPE_SCHED_CLS', insns: retProgram(0), license: 'GPL' }), // fd 3
      bpf('BPF_PROG_LOAD', { prog_type: 'BPF_PROG_TYPE_SCHED_CLS', insns: retProgram(1), license: 'GPL' }), // fd 4
      bpf('BPF_LINK_CREATE', { prog_fd: 3, target_ifindex: 3, attach_type: 'BPF_TCX_INGRESS' }),           // link fd 5, id 1
      bpf('BPF_LINK_CREATE', { prog_fd: 3, target_ifindex: 3, attach_type: 'BPF_TCX_INGRESS' }),           // EEXIST after link id 2 is taken
      bpf('BPF_LINK_CREATE', { prog_fd: 4, target_ifindex: 3, attach_type: 'BPF_TCX_INGRESS' }),           // link fd 6, id 3
    ];
    const m = new RankedModel(0);
    const rs = events.map((e) => m.step(e));
    expect(rs[4].result.ret).toBeLessThan(0);
    expect(m.created.link).toEqual([1, 3]);
    expect(m.idRange('link')).toBe(3);
    expect(m.step(bpf('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: 6, info_len: 64, info: true })).result.out).toMatchObject({ info: { id: 3, prog_id: 2 } });
    expect(m.step(bpf('BPF_LINK_GET_FD_BY_ID', { link_id: 3 })).result.ret).toBe(7);
    expect(m.step(bpf('BPF_LINK_GET_FD_BY_ID', { link_id: 2 })).result.ret).toBeLessThan(0);
    expect(m.step(bpf('BPF_LINK_GET_NEXT_ID', { start_id: 1 })).result.out).toEqual({ next_id: 3 });
    expect(m.step(bpf('BPF_PROG_QUERY', { target_ifindex: 3, attach_type: 'BPF_TCX_INGRESS', count: 4, prog_ids: true, link_ids: true })).result.out)
      .toMatchObject({ prog_ids: [1, 2], link_ids: [1, 3] });
    expect(m.step(bpf('BPF_LINK_GET_FD_BY_ID', { link_id: 4 })).result.ret).toBeLessThan(0);
  });
});
