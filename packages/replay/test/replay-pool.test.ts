// replayTrace({ pool }) splits a trace at its snapshots and replays the segments on worker threads
// too; its reports must be exactly those of one replay from the start, whether the trace agrees,
// has a result or a hash changed anywhere, or is cut anywhere.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Event, Result } from '@bpfsim/events';
import { fold, initialState, type KernelState } from '@bpfsim/reducer';
import { eventArb } from '../../reducer/test/arbitraries.ts';
import { MemorySink, ReplayPool, replayTrace, segmentCuts, Trace, TraceWriter, traceFromEntries, type ReplayReport } from '../src/trace/index.ts';

function entriesOf(events: readonly Event[]): { event: Event; result: Result }[] {
  let s = initialState(0);
  return events.map((event) => { const f = fold(s, event); s = f.state; return { event, result: f.result }; });
}
const said = (r: ReplayReport) => ({ ...r, state: undefined, divergence: r.divergence && { ...r.divergence } });

let pool: ReplayPool;
beforeAll(async () => { pool = new ReplayPool({ workers: 2, minSegment: 1 }); await pool.ready(); }, 60_000);
afterAll(async () => { await pool.close(); });

describe('replay on a pool of threads', () => {
  it('cuts only at snapshots with a hash record, minSegment apart', () => {
    const events = fc.sample(fc.array(eventArb, { minLength: 40, maxLength: 40 }), { seed: 1, numRuns: 1 })[0];
    const { trace } = traceFromEntries(entriesOf(events), { hashEvery: 4, snapshotEvery: 6 });
    expect(segmentCuts(trace, 1)).toEqual([0, 12, 24, 36, 40]);
    expect(segmentCuts(trace, 13)).toEqual([0, 24, 40]);
    expect(segmentCuts(traceFromEntries(entriesOf(events), { hashEvery: 0, snapshotEvery: 6 }).trace, 1)).toEqual([0, 40]);
  });

  it('reports what one replay from the start reports: agreeing, a result or a state changed, cut anywhere', () => {
    const before = pool.stats.workers;
    fc.assert(fc.property(
      fc.array(eventArb, { minLength: 1, maxLength: 80 }), fc.nat(), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 9 }),
      fc.constantFrom('none', 'result', 'state', 'cut'), fc.nat(),
      (events, at, hashEvery, snapshotEvery, tamper, cutAt) => {
        const entries = entriesOf(events);
        const i = at % entries.length;
        if (tamper === 'result') entries[i] = { ...entries[i], result: { ret: entries[i].result.ret === -1 ? -2 : -1 } };
        // A fold that records a wrong state from event i on: caught by a hash record or a snapshot.
        const leaky = (s: KernelState, e: Event) => { const f = fold(s, e); return f.state.clock_ns === 0 && tamper === 'state' && e === events[i] ? { ...f, state: { ...f.state, clock_ns: 7 } } : f; };
        let { bytes } = traceFromEntries(entries, { hashEvery: hashEvery * 2, snapshotEvery: snapshotEvery * 2, fold: leaky });
        if (tamper === 'cut') bytes = bytes.subarray(0, cutAt % bytes.length);
        let trace: Trace;
        try { trace = Trace.open(bytes); } catch { return; } // (a header cut short)
        const alone = replayTrace(trace);
        const shared = replayTrace(trace, { pool });
        expect(said(shared)).toEqual(said(alone));
        expect(shared.state).toEqual(alone.state);
      }), { numRuns: 300, seed: 11 });
    // The workers took part (not everything ran on this thread).
    expect(pool.stats.workers).toBeGreaterThan(before);
  });

  it('on a long trace, the workers replay segments, and a divergence in one of theirs is reported as replay alone reports it', () => {
    const events: Event[] = [];
    for (let c = 0; c < 60; c++) {
      events.push({ kind: 'bpf', pid: 1, cmd: 'BPF_MAP_CREATE', attr: { map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 4, max_entries: 64 } } as Event);
      for (let k = 0; k < 40; k++) events.push({ kind: 'bpf', pid: 1, cmd: 'BPF_MAP_UPDATE_ELEM', attr: { map_fd: 3, key: k.toString(16).padStart(8, '0'), value: c.toString(16).padStart(8, '0') } } as Event);
      events.push({ kind: 'close', pid: 1, fd: 3 });
    }
    const entries = entriesOf(events);
    const good = traceFromEntries(entries, { hashEvery: 16, snapshotEvery: 256 }).trace;
    const alone = replayTrace(good);
    const stats = { ...pool.stats };
    const shared = replayTrace(good, { pool });
    expect(said(shared)).toEqual(said(alone));
    expect(shared.ok).toBe(true);
    expect(pool.stats.workers).toBeGreaterThan(stats.workers);
    // A result changed early (a segment a worker claims first) and late (the one this thread takes first).
    for (const i of [300, entries.length - 5]) {
      const bad = entries.slice();
      bad[i] = { ...bad[i], result: { ret: -22 } };
      const t = traceFromEntries(bad, { hashEvery: 16, snapshotEvery: 256 }).trace;
      const a = replayTrace(t), s = replayTrace(t, { pool });
      expect(s.divergence).toMatchObject({ kind: 'result', position: i });
      expect(said(s)).toEqual(said(a));
    }
    // A snapshot (and hash) recorded of a wrong state: the stretch before it reports it, as replay alone does.
    const sink = new MemorySink();
    const w = new TraceWriter(sink, { hashEvery: 16, snapshotEvery: 256 });
    let st = initialState(0);
    entries.forEach((x, k) => { st = fold(st, x.event).state; w.append(x, k + 1 === 512 ? { ...st, clock_ns: 5 } : st); });
    w.close(st);
    const t = Trace.open(sink.bytes());
    const a = replayTrace(t), sh = replayTrace(t, { pool });
    expect(a.divergence).toMatchObject({ kind: 'snapshot', position: 512 });
    expect(said(sh)).toEqual(said(a));
  });

  it('replays here what a worker claimed and never finished (it hung or died), with the same report', async () => {
    const events = fc.sample(fc.array(eventArb, { minLength: 2000, maxLength: 2000 }), { seed: 12, numRuns: 1 })[0];
    const { trace } = traceFromEntries(entriesOf(events), { hashEvery: 10, snapshotEvery: 100 });
    const stalling = new ReplayPool({ workers: 1, minSegment: 1, stallMs: 200, workerEntry: new URL('./fixtures/stalling-replay-worker.ts', import.meta.url) });
    try {
      await stalling.ready();
      const alone = said(replayTrace(trace));
      // The worker claims what is left when its job arrives: unless this thread has replayed
      // everything by then, some segments are its, and are taken back after 200 ms.
      for (let attempt = 0; attempt < 5 && stalling.stats.takenBack === 0; attempt++) expect(said(replayTrace(trace, { pool: stalling }))).toEqual(alone);
      expect(stalling.stats.takenBack).toBeGreaterThan(0);
      expect(stalling.stats.workers).toBe(0);
    } finally {
      await stalling.close();
    }
  }, 60_000);
});
