// The pure fold: (state, event) -> (state, result). No clock, randomness or I/O.
import { produce } from 'immer';
import { validateEvent, type Event, type Result, type ValidationError } from '@bpfsim/events';
import type { KernelState } from './state.ts';
import type { S } from './core/draft.ts';
import { closeFd, exitProc, forkProc, installFd, fdEntry, proc } from './core/procs.ts';
import { bpf } from './bpf.ts';
import { mkdir, unlink } from './bpffs/pin.ts';
import { netdevAdd, netdevDel } from './netdev/netdev.ts';
import { fail, ok } from './result.ts';

export interface Folded { readonly state: KernelState; readonly result: Result }

function apply(s: S, e: Event): Result {
  switch (e.kind) {
    case 'bpf': return bpf(s, e);
    case 'close': return closeFd(s, e.pid, e.fd) ? ok(0) : fail('EBADF');
    case 'dup': {
      const entry = fdEntry(s, e.pid, e.fd);
      if (!entry) { proc(s, e.pid); return fail('EBADF'); }
      const fd = installFd(s, e.pid, entry);
      return fd < 0 ? fail('EMFILE') : ok(fd);
    }
    case 'fork':
      if (s.procs[e.child] || e.child === e.pid) return fail('EEXIST');
      forkProc(s, e.pid, e.child);
      return ok(e.child);
    case 'exit':
      if (!s.procs[e.pid]) return fail('ESRCH');
      exitProc(s, e.pid);
      return ok(0);
    case 'mkdir': proc(s, e.pid); return mkdir(s, e.pathname);
    case 'unlink': proc(s, e.pid); return unlink(s, e.pathname, e.dir ?? false);
    case 'netdev_add': return netdevAdd(s, e);
    case 'netdev_del': return netdevDel(s, e.name);
  }
}

/** Folds one well-formed event. The returned state is deeply frozen and shares all it did not change. */
export function fold(state: KernelState, event: Event): Folded {
  let result: Result = { ret: 0 };
  const next = produce(state, (draft) => { result = apply(draft, event); });
  return { state: next, result };
}

export type Stepped = ({ readonly ok: true } & Folded) | { readonly ok: false; readonly error: ValidationError };

/** Validates any value as an event, then folds it: never throws on malformed input. */
export function step(state: KernelState, event: unknown): Stepped {
  const v = validateEvent(event);
  if (!v.ok) return { ok: false, error: v.error };
  return { ok: true, ...fold(state, v.event) };
}
