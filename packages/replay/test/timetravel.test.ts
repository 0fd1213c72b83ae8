// Time travel: seek, step, stepBack, runTo, blame and bisect against brute force.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Event } from '@bpfsim/events';
import { fold, initialState, checkReferences, type KernelState } from '@bpfsim/reducer';
import { eventArb } from '../../reducer/test/arbitraries.ts';
import { traceFromEntries, stateHash } from '../src/trace/index.ts';
import {
  Session, ABSENT, applyChanges, changes, diffLines, formatDiffLine, formatPath, getPath, parsePath, sameValue, invariant,
  type Seg,
} from '../src/timetravel/index.ts';

const pid = fc.constantFrom(100, 101);
const fd = fc.integer({ min: 3, max: 8 });
const ifindex = fc.integer({ min: 1, max: 7 });
const dir = fc.constantFrom('BPF_TCX_INGRESS', 'BPF_TCX_EGRESS');
const bpf = (cmd: string, attr: fc.Arbitrary<Record<string, unknown>>) =>
  fc.record({ pid, attr }).map(({ pid, attr }) => ({ kind: 'bpf', pid, cmd, attr }) as unknown as Event);
const tcxArb: fc.Arbitrary<Event> = fc.oneof(
  bpf('BPF_PROG_LOAD', fc.constant({ prog_type: 'BPF_PROG_TYPE_SCHED_CLS', license: 'GPL', insns: [{ code: 0xb7, dst_reg: 0, src_reg: 0, off: 0, imm: 0 }, { code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0 }] })),
  bpf('BPF_PROG_ATTACH', fc.record({ target_ifindex: ifindex, attach_bpf_fd: fd, attach_type: dir, attach_flags: fc.constantFrom(0, 8, 16) })),
  bpf('BPF_PROG_DETACH', fc.record({ target_ifindex: ifindex, attach_bpf_fd: fd, attach_type: dir })),
  bpf('BPF_LINK_CREATE', fc.record({ prog_fd: fd, target_ifindex: ifindex, attach_type: dir })),
  bpf('BPF_LINK_DETACH', fc.record({ link_fd: fd })),
  fc.constantFrom<Event>({ kind: 'netdev_add', name: 'a', peer: 'pa' }, { kind: 'netdev_add', name: 'b', peer: 'pb' }),
);
const anyEvent = fc.oneof({ weight: 3, arbitrary: eventArb }, { weight: 2, arbitrary: tcxArb });
const streams = fc.array(anyEvent, { minLength: 1, maxLength: 50 });

function foldStates(events: readonly Event[], seed = 0, f = fold): KernelState[] {
  let s = initialState(seed);
  const states = [s];
  for (const e of events) { s = f(s, e).state; states.push(s); }
  return states;
}

/** Equal, key order included. */
function expectSame(a: unknown, b: unknown, msg?: string) {
  expect(a, msg).toEqual(b);
  expect(JSON.stringify(a), msg).toBe(JSON.stringify(b));
}

/** Every path in a state, to depth 5. */
function pathsOf(v: unknown, prefix: Seg[] = [], out: Seg[][] = [], depth = 5): Seg[][] {
  out.push(prefix);
  if (depth === 0 || typeof v !== 'object' || v === null) return out;
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...prefix, i], out, depth - 1));
  else for (const [k, x] of Object.entries(v)) pathsOf(x, [...prefix, k], out, depth - 1);
  return out;
}

describe('changes', () => {
  it('undo and redo of an event restore the states exactly, key order included', () => {
    fc.assert(fc.property(streams, (events) => {
      const states = foldStates(events);
      for (let i = 0; i + 1 < states.length; i++) {
        const cs = changes(states[i], states[i + 1]);
        expectSame(applyChanges(states[i + 1], cs, 'before'), states[i]);
        expectSame(applyChanges(states[i], cs, 'after'), states[i + 1]);
      }
    }), { numRuns: 80 });
  });

  it('paths print and parse back', () => {
    const p: Seg[] = ['netdevs', '3', 'tcx_ingress', 'items', 1, 'prog_id'];
    expect(formatPath(p)).toBe('netdevs.3.tcx_ingress.items[1].prog_id');
    expect(formatPath(['bpffs', 'loader/counters'])).toBe('bpffs["loader/counters"]');
    expect(parsePath('bpffs["loader/counters"]')).toEqual(['bpffs', 'loader/counters']);
    expect(parsePath("bpffs['a\\'b']")).toEqual(['bpffs', "a'b"]);
    expect(parsePath('netdevs.3.tcx_ingress.items[1]')).toEqual(['netdevs', 3, 'tcx_ingress', 'items', 1]);
    expect(getPath({ netdevs: { 3: { items: [{}, { x: 1 }] } } }, parsePath('netdevs.3.items[1].x'))).toBe(1);
    expect(getPath({ a: [1] }, ['a', 2])).toBe(ABSENT);
    expect(() => parsePath('a..b')).toThrow(/empty segment/);
  });
});

describe('Session', () => {
  it('seek(i) equals folding the first i events, from anywhere, in any order', () => {
    fc.assert(fc.property(streams, fc.integer({ min: 1, max: 6 }), fc.array(fc.nat(), { minLength: 1, maxLength: 30 }), fc.integer({ min: 0, max: 3 }), (events, K, seeks, W) => {
      const states = foldStates(events);
      const { trace } = traceFromEntries(events, { hashEvery: 5 });
      const s = new Session(trace, { checkpointEvery: K, stepBackWindow: W });
      for (const raw of seeks) {
        const p = raw % (events.length + 1);
        expectSame(s.seek(p), states[p], `seek ${p}`);
        expect(s.position).toBe(p);
        expectSame(s.stateAt(raw % states.length), states[raw % states.length]);
        expect(s.position).toBe(p);
      }
    }), { numRuns: 80 });
  });

  it('stepBack after step restores the state exactly, wherever it is', () => {
    fc.assert(fc.property(streams, fc.integer({ min: 1, max: 5 }), fc.array(fc.constantFrom('step', 'back', 'seek'), { maxLength: 60 }), fc.nat(), fc.integer({ min: 0, max: 3 }), (events, K, ops, r, W) => {
      const states = foldStates(events);
      const { trace } = traceFromEntries(events);
      const s = new Session(trace, { checkpointEvery: K, undoLimit: 3, stepBackWindow: W });
      let k = r;
      for (const op of ops) {
        if (op === 'step') {
          const before = s.state, at = s.position;
          if (!s.step()) continue;
          expect(s.stepBack()).toBe(true);
          expectSame(s.state, before);
          expect(s.position).toBe(at);
          s.step();
        } else if (op === 'back') s.stepBack();
        else s.seek((k = (k * 7 + 3) % (events.length + 1)));
        expectSame(s.state, states[s.position], `at ${s.position}`);
        expect(stateHash(s.state)).toBe(stateHash(states[s.position]));
      }
      // Walk all the way back from the end.
      s.seek(events.length);
      for (let p = events.length; p > 0; p--) { s.stepBack(); expectSame(s.state, states[p - 1]); }
      expect(s.stepBack()).toBe(false);
    }), { numRuns: 80 });
  });

  it('steps back exactly over pins named like Object.prototype members ("__proto__" included)', () => {
    const pin = (n: string) => ({ kind: 'bpf', pid: 1, cmd: 'BPF_OBJ_PIN', attr: { bpf_fd: 3, pathname: `/sys/fs/bpf/${n}` } }) as Event;
    const events: Event[] = [{ kind: 'bpf', pid: 1, cmd: 'BPF_MAP_CREATE', attr: { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 1 } } as Event];
    for (const n of ['__proto__', 'constructor', 'toString']) events.push(pin(n), { kind: 'unlink', pid: 1, pathname: `/sys/fs/bpf/${n}` } as Event, pin(n));
    const states = foldStates(events);
    const s = new Session(traceFromEntries(events).trace, { checkpointEvery: 4, stepBackWindow: 2 });
    s.seek(events.length);
    for (let p = events.length; p > 0; p--) {
      s.stepBack();
      expectSame(s.state, states[p - 1], `at ${p - 1}`);
      expect(Object.keys(s.state.bpffs)).toEqual(Object.keys(states[p - 1].bpffs));
      expect(Object.getPrototypeOf(s.state.bpffs)).toBe(Object.prototype);
    }
    expect(s.blame(['bpffs', '__proto__'], 4)).toBe(3);
    expect(Object.isFrozen(Object.prototype)).toBe(false);
  });

  it('runTo stops after the first event that satisfies the predicate', () => {
    fc.assert(fc.property(streams, (events) => {
      const { trace } = traceFromEntries(events);
      const results = Array.from({ length: trace.length }, (_, i) => trace.result(i));
      const s = new Session(trace, { checkpointEvery: 4 });
      const want = results.findIndex((r) => r.ret === -9);
      const got = s.runTo((c) => c.result.ret === -9);
      expect(got).toBe(want < 0 ? undefined : want + 1);
      expect(s.position).toBe(want < 0 ? events.length : want + 1);
    }), { numRuns: 60 });
  });

  it('blame names the event that last changed a path, as brute force does (with state snapshots or without)', () => {
    fc.assert(fc.property(streams, fc.integer({ min: 1, max: 6 }), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 7 }), (events, K, pr, ar, snap) => {
      const states = foldStates(events);
      const { trace } = traceFromEntries(events, { snapshotEvery: snap });
      const s = new Session(trace, { checkpointEvery: K });
      const paths = [...new Map(states.flatMap((st) => pathsOf(st)).map((p) => [JSON.stringify(p), p])).values()];
      for (let n = 0; n < 8; n++) {
        const path = paths[(pr + n * 13) % paths.length];
        const at = (ar + n * 5) % states.length;
        // Seeks run the forward pass ahead of blame's index, which blame builds as far as asked.
        if (n % 3 === 1) s.seek((ar + n * 11) % states.length);
        let want: number | undefined;
        for (let i = at - 1; i >= 0; i--) {
          const a = getPath(states[i], path), b = getPath(states[i + 1], path);
          if (a === ABSENT ? b !== ABSENT : b === ABSENT || !sameValue(a, b)) { want = i; break; }
        }
        expect(s.blame(path, at), `${formatPath(path)} at ${at}`).toBe(want);
      }
    }), { numRuns: 100 });
  });

  it('bisect finds the first failing position as brute force does (for invariants that stay broken), firstFailure for any', () => {
    fc.assert(fc.property(streams, fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 }), (events, K, n) => {
      const states = foldStates(events);
      const { trace } = traceFromEntries(events);
      const s = new Session(trace, { checkpointEvery: K });
      // Monotone: fewer than n maps were ever created (the id cursor only grows).
      const monotone = (st: KernelState) => st.nextId.map <= n;
      const brute = (holds: (st: KernelState) => boolean) => { const i = states.findIndex((st) => !holds(st)); return i < 0 ? undefined : i; };
      expect(s.bisect(monotone)).toBe(brute(monotone));
      // Not monotone: fewer than n maps alive.
      const alive = (st: KernelState) => Object.keys(st.maps).length < n;
      expect(s.firstFailure(alive)).toBe(brute(alive));
    }), { numRuns: 60 });
  });

  it('bisects a broken fold to the event that broke reference counting', () => {
    // A fold that takes a reference it never drops when it pins a map.
    const leaky = (st: KernelState, e: Event) => {
      const r = fold(st, e);
      if (e.kind === 'bpf' && e.cmd === 'BPF_OBJ_PIN' && r.result.ret === 0) {
        const id = st.procs[e.pid].fds[(e.attr as { bpf_fd: number }).bpf_fd].id;
        if (r.state.maps[id]) return { ...r, state: { ...r.state, maps: { ...r.state.maps, [id]: { ...r.state.maps[id], refs: r.state.maps[id].refs + 1 } } } };
      }
      return r;
    };
    const events: Event[] = [
      { kind: 'bpf', pid: 1, cmd: 'BPF_MAP_CREATE', attr: { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 1 } },
      { kind: 'bpf', pid: 1, cmd: 'BPF_MAP_CREATE', attr: { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 1 } },
      { kind: 'close', pid: 1, fd: 4 },
      { kind: 'bpf', pid: 1, cmd: 'BPF_OBJ_PIN', attr: { bpf_fd: 3, pathname: '/sys/fs/bpf/m' } },
      { kind: 'close', pid: 1, fd: 3 },
      { kind: 'exit', pid: 1 },
    ] as Event[];
    const { trace } = traceFromEntries(events, { fold: leaky });
    const s = new Session(trace, { fold: leaky, checkpointEvery: 2 });
    const refs = invariant('references')!;
    const holds = (st: KernelState) => refs.check(st).length === 0;
    expect(s.bisect(holds)).toBe(4);
    expect(s.firstFailure(holds)).toBe(4);
    expect(refs.check(s.stateAt(4))).toEqual(['map 1 counts 3 references, held by 2 (pid 1 fd 3, pin m)']);
    expect(checkReferences(foldStates(events)[6])).toEqual([]);
  });

  it('shows what an event changed, readably', () => {
    const load = { kind: 'bpf', pid: 1, cmd: 'BPF_PROG_LOAD', attr: { prog_type: 'BPF_PROG_TYPE_SCHED_CLS', license: 'GPL', insns: [{ code: 0xb7, dst_reg: 0, src_reg: 0, off: 0, imm: 0 }, { code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0 }] } };
    const events = [
      { kind: 'netdev_add', name: 'eth0', peer: 'peer0' }, load, load,
      { kind: 'bpf', pid: 1, cmd: 'BPF_PROG_ATTACH', attr: { target_ifindex: 3, attach_bpf_fd: 3, attach_type: 'BPF_TCX_INGRESS' } },
      { kind: 'bpf', pid: 1, cmd: 'BPF_LINK_CREATE', attr: { prog_fd: 4, target_ifindex: 3, attach_type: 'BPF_TCX_INGRESS' } },
    ] as Event[];
    const { trace } = traceFromEntries(events);
    const s = new Session(trace);
    const lines = s.changesOf(4).map((d) => formatDiffLine(d));
    expect(lines).toContain('netdevs.3.tcx_ingress.items[1]: + {prog_id: 2, link_id: 1}');
    expect(lines).toContain('netdevs.3.tcx_ingress.revision: 2 → 3');
    expect(s.blame(['netdevs', '3', 'tcx_ingress', 'items', 0], 5)).toBe(3);
    expect(s.blame(['netdevs', '3', 'tcx_ingress', 'items'], 5)).toBe(4);
    expect(s.blame(['netdevs', '3', 'tcx_ingress', 'items'])).toBe(undefined);
    expect(s.position).toBe(0);
    expect(diffLines(s.stateAt(0), s.stateAt(0))).toEqual([]);
    expect(s.diff(4, 5, ['netdevs', '3', 'tcx_ingress', 'items']).map((d) => formatDiffLine(d))).toEqual(['netdevs.3.tcx_ingress.items[1]: + {prog_id: 2, link_id: 1}']);
  });
});

describe('Session over a trace with state snapshots', () => {
  it('seeks from the recorded snapshots as it does by folding', () => {
    fc.assert(fc.property(streams, fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.array(fc.nat(), { minLength: 1, maxLength: 20 }), (events, K, snap, seeks) => {
      const states = foldStates(events);
      const { trace } = traceFromEntries(events, { snapshotEvery: snap });
      const s = new Session(trace, { checkpointEvery: K });
      for (const raw of seeks) {
        const p = raw % (events.length + 1);
        expectSame(s.seek(p), states[p], `seek ${p}`);
        if (p > 0) { s.stepBack(); expectSame(s.state, states[p - 1]); }
        expectSame(s.stateAt(raw % states.length), states[raw % states.length]);
      }
      const at = seeks[0] % states.length;
      const plain = new Session(traceFromEntries(events).trace);
      expect(s.blame(['nextId', 'map'], at)).toBe(plain.blame(['nextId', 'map'], at));
      const holds = (st: KernelState) => Object.keys(st.maps).length < 2;
      expect(s.firstFailure(holds)).toBe(plain.firstFailure(holds));
      expect(new Session(trace, { checkpointEvery: K }).bisect(holds)).toBe(plain.bisect(holds));
    }), { numRuns: 60 });
  });
});

describe('Session.prepare', () => {
  it('runs every forward pass, after which a seek anywhere folds at most K events', () => {
    const events = fc.sample(fc.array(eventArb, { minLength: 200, maxLength: 200 }), { seed: 9, numRuns: 1 })[0];
    const states = foldStates(events);
    const { trace } = traceFromEntries(events, { snapshotEvery: 64 });
    let folded = 0;
    const counting = (st: KernelState, e: Event) => { folded++; return fold(st, e); };
    const s = new Session(trace, { checkpointEvery: 8, fold: counting });
    s.prepare();
    expect(folded).toBe(200);
    for (const p of [199, 3, 131, 64, 65, 0, 200]) {
      folded = 0;
      expectSame(s.seek(p), states[p], `seek ${p}`);
      expect(folded).toBeLessThanOrEqual(8);
    }
  });
});
