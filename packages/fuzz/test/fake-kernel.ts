// A stand-in for the live kernel in tests: the model itself (ids as ranks), with planted bugs, so
// that the differential machinery can be tested without root.
import { errno, type Event, type Result } from '@bpfsim/events';
import type { KernelRun } from '@bpfsim/oracle';
import type { KernelState } from '@bpfsim/reducer';
import { RankedModel, type KernelRunner } from '../src/index.ts';

export interface FakeKernel extends KernelRunner { runs: number }

/** A bug: given the state before the event, the event and the model's answer, a different answer, or undefined. */
export type PlantedBug = (before: KernelState, e: Event, model: Result) => Result | undefined;

/** "The kernel" refuses to pin a program at /sys/fs/bpf/b: needs a loaded program and that pin. */
export const pinProgAtB: PlantedBug = (s, e, r) => {
  if (r.ret !== 0 || e.kind !== 'bpf' || e.cmd !== 'BPF_OBJ_PIN' || e.attr.pathname !== '/sys/fs/bpf/b') return undefined;
  return s.procs[e.pid]?.fds[e.attr.bpf_fd]?.kind === 'prog' ? { ret: -errno.EPERM } : undefined;
};

export function fakeKernel(bugs: readonly PlantedBug[] = [], opts: { delayMs?: number; failOn?: (events: readonly Event[]) => boolean } = {}): FakeKernel {
  const run = async (events: readonly Event[]): Promise<KernelRun> => {
    run.runs++;
    if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
    if (opts.failOn?.(events)) throw new Error('the fake oracle cannot run this trace');
    const m = new RankedModel(0);
    const results = events.map((e) => {
      const before = m.state;
      const r = m.step(e).result;
      return bugs.map((b) => b(before, e, r)).find((x) => x !== undefined) ?? r;
    });
    return { kernel: '6.18.0-fake', results };
  };
  run.runs = 0;
  return run;
}
