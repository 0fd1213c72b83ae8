// The pure fold: (state, event) -> (state, result). No clock, randomness or I/O: time comes from
// tick events, randomness from the state's seeded stream, and packets run through a datapath
// passed in (createFold), never imported.
import { produce } from './draft/index.ts';
import { bpf_prog_type, validateEvent, type BpfEventOf, type Event, type Result, type ValidationError } from '@bpfsim/events';
import type { KernelState } from './state.ts';
import type { S } from './core/draft.ts';
import { closeFd, exitProc, forkProc, installFd, fdEntry, proc, runningProc } from './core/procs.ts';
import { resolveFd } from './core/fds.ts';
import { bpf } from './bpf.ts';
import { mkdir, unlink } from './bpffs/pin.ts';
import { netdevAdd, netdevDel } from './netdev/netdev.ts';
import { applyWrites } from './maps/writes.ts';
import { nextRandom } from './rng.ts';
import { fail, ok } from './result.ts';
import type { DatapathServices, WriteOp } from './datapath.ts';

export interface Folded { readonly state: KernelState; readonly result: Result }
export type Fold = (state: KernelState, event: Event) => Folded;

/** What the datapath computed on the frozen state before the draft opens (`ran` false: it refused before running). */
type Ran = { readonly result: Result; readonly writes: readonly WriteOp[]; readonly ran: boolean };

function apply(s: S, e: Event, ran: Ran | undefined): Result {
  switch (e.kind) {
    case 'bpf':
      if (ran) { proc(s, e.pid); return commit(s, ran); }
      return bpf(s, e);
    case 'close': return closeFd(s, e.pid, e.fd) ? ok(0) : fail('EBADF');
    case 'dup': {
      proc(s, e.pid); // a process's first event finds stdio open
      const entry = fdEntry(s, e.pid, e.fd);
      if (!entry) return fail('EBADF');
      const fd = installFd(s, e.pid, entry);
      return fd < 0 ? fail('EMFILE') : ok(fd);
    }
    case 'fork':
      if (runningProc(s, e.child) || e.child === e.pid) return fail('EEXIST');
      forkProc(s, e.pid, e.child);
      return ok(e.child);
    case 'exit':
      if (!runningProc(s, e.pid)) return fail('ESRCH');
      exitProc(s, e.pid);
      return ok(0);
    case 'mkdir': proc(s, e.pid); return mkdir(s, e.pathname);
    case 'unlink': proc(s, e.pid); return unlink(s, e.pathname, e.dir ?? false);
    case 'netdev_add': return netdevAdd(s, e);
    case 'netdev_del': return netdevDel(s, e.name);
    case 'tick':
      if (e.ns < s.clock_ns) return fail('EINVAL'); // a monotonic clock does not go back
      s.clock_ns = e.ns;
      return ok(0);
    case 'packets':
      return ran ? commit(s, ran) : fail('ENOSYS');
  }
}

/** Folds a datapath run in: the map writes, and one step of the random stream it used. */
function commit(s: S, ran: Ran): Result {
  if (!ran.ran) return ran.result;
  s.rng = nextRandom(s.rng)[1];
  applyWrites(s, ran.writes);
  return ran.result;
}

const TEST_RUN_TYPES: readonly number[] = [bpf_prog_type.BPF_PROG_TYPE_SCHED_CLS, bpf_prog_type.BPF_PROG_TYPE_SCHED_ACT];

/** bpf_prog_test_run(): its own checks, then the program type's test_run on the frozen state. */
function testRun(state: KernelState, e: BpfEventOf<'BPF_PROG_TEST_RUN'>, dp: DatapathServices): Ran {
  const refuse = (result: Result): Ran => ({ result, writes: [], ran: false });
  const a = e.attr;
  if (a.ctx_in === '') return refuse(fail('EINVAL')); // ctx_in given with ctx_size_in 0
  if (!!a.ctx_size_out !== !!a.ctx_out) return refuse(fail('EINVAL'));
  // A process's first event finds only stdio open.
  const fd = a.prog_fd;
  const r = state.procs[e.pid] ? resolveFd(state as S, e.pid, fd, 'prog') : { err: fd <= 2 ? 'EINVAL' as const : 'EBADF' as const };
  if (r.err) return refuse(fail(r.err));
  const prog = state.progs[r.entry.id];
  // Only the skb test run of tc programs is modelled; other types answer -ENOTSUPP here.
  if (!TEST_RUN_TYPES.includes(prog.prog_type)) return refuse(fail('ENOTSUPP'));
  const out = dp.testRun(state, prog.id, a, { seed: nextRandom(state.rng)[0], clock: state.clock_ns });
  return { result: out.out ? { ret: out.ret, out: out.out as Record<string, unknown> } : { ret: out.ret }, writes: out.writeSet, ran: true };
}

/** Commands that only read: answered straight from the frozen state, without opening a draft. */
const READ_ONLY: ReadonlySet<string> = new Set([
  'BPF_MAP_LOOKUP_ELEM', 'BPF_MAP_GET_NEXT_KEY', 'BPF_PROG_GET_NEXT_ID', 'BPF_MAP_GET_NEXT_ID', 'BPF_LINK_GET_NEXT_ID',
  'BPF_OBJ_GET_INFO_BY_FD', 'BPF_PROG_QUERY',
]);

/** A fold whose packets and BPF_PROG_TEST_RUN run through `datapath` (without one: -ENOSYS / -ENOTSUPP). */
export function createFold(datapath?: DatapathServices): Fold {
  return (state, event) => {
    // A process's first event starts it (a write), so only running processes take the short cut.
    // Frozen state makes any write a handler would attempt here throw, so this cannot go wrong silently.
    if (event.kind === 'bpf' && READ_ONLY.has(event.cmd) && state.procs[event.pid]) return { state, result: bpf(state as S, event) };
    let ran: Ran | undefined;
    if (event.kind === 'packets' && datapath) {
      const b = datapath.runBatch(state, event.packets, { seed: nextRandom(state.rng)[0], clock: state.clock_ns });
      // The result carries the write set too, so that a trace says what the programs wrote.
      const out = b.log.length ? { verdicts: b.verdicts, writes: b.writeSet, log: b.log } : { verdicts: b.verdicts, writes: b.writeSet };
      ran = { result: { ret: 0, out }, writes: b.writeSet, ran: true };
    } else if (event.kind === 'bpf' && event.cmd === 'BPF_PROG_TEST_RUN' && datapath) {
      ran = testRun(state, event, datapath);
    }
    let result: Result = { ret: 0 };
    const next = produce(state, (draft) => { result = apply(draft, event, ran); });
    return { state: next, result };
  };
}

export interface FoldedMany { readonly state: KernelState; readonly results: Result[] }
/** Folds events in order: the same states and results as one fold() call per event. */
export type FoldMany = (state: KernelState, events: readonly Event[]) => FoldedMany;

/**
 * The fold over many events at once, for callers that need only the state at the end (replay
 * between two hash records). Each run of events that needs no datapath is folded in one draft,
 * so a node written by many events is copied and frozen once, not once per event (~2.5x faster
 * on bench/fold.ts's mix). Packets and BPF_PROG_TEST_RUN end a run: the datapath reads frozen state.
 * If the fold throws, the batch is lost: callers refold it event by event to find the culprit.
 */
export function createFoldMany(datapath?: DatapathServices): FoldMany {
  const one = createFold(datapath);
  const needsDatapath = (e: Event) => datapath !== undefined && (e.kind === 'packets' || (e.kind === 'bpf' && e.cmd === 'BPF_PROG_TEST_RUN'));
  return (state, events) => {
    const results: Result[] = [];
    const n = events.length;
    let i = 0;
    while (i < n) {
      if (needsDatapath(events[i])) {
        const f = one(state, events[i++]);
        state = f.state;
        results.push(f.result);
        continue;
      }
      state = produce(state, (draft) => {
        for (; i < n && !needsDatapath(events[i]); i++) results.push(apply(draft, events[i], undefined));
      });
    }
    return { state, results };
  };
}

/** Folds one well-formed event without a datapath. The returned state is deeply frozen and shares all it did not change. */
export const fold: Fold = createFold();
/** fold() over many events (see createFoldMany). */
export const foldMany: FoldMany = createFoldMany();

export type Stepped = ({ readonly ok: true } & Folded) | { readonly ok: false; readonly error: ValidationError };

/** Validates any value as an event, then folds it: never throws on malformed input. */
export function step(state: KernelState, event: unknown, f: Fold = fold): Stepped {
  const v = validateEvent(event);
  if (!v.ok) return { ok: false, error: v.error };
  return { ok: true, ...f(state, v.event) };
}
