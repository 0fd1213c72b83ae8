// One program run: the boundary where faults (and any other exception) become values.
import { Exit, Fault, type DatapathError } from './fault.ts';
import type { Machine } from './machine.ts';
import type { ProgFn } from './compile/codegen.ts';
import { MAX_BPF_STACK } from './opcodes.ts';

/**
 * Runs `fn` with r1 = (r1l, r1h), r2 = (r2l, r2h) on a fresh frame; never throws (no default
 * arguments: their code would count against what V8 inlines of it into runBatch). Returns r0's
 * low 32 bits as a u32 (what bpf_prog_run returns); r0's high half is left in m.rh, and a fault
 * in m.error (null when the run ended normally). Allocates nothing on the normal path.
 */
export function runProgram(m: Machine, progId: number, fn: ProgFn, r1l: number, r1h: number, r2l: number, r2h: number): number {
  m.beginRun(progId);
  try {
    return fn(m, r1l, r1h, r2l, r2h, 0, 0, 0, 0, 0, 0, MAX_BPF_STACK) >>> 0;
  } catch (e) {
    return caught(m, e);
  }
}

/**
 * runProgram `repeat` times (at least once) on the same machine, each run with fresh regions
 * (BPF_PROG_TEST_RUN's repeat): the last run's r0, or 0 with m.error set at the first fault.
 * One try/catch around the whole loop, entered again only after an Exit.
 */
export function runRepeated(m: Machine, progId: number, fn: ProgFn, r1l: number, r1h: number, repeat: number): number {
  const n = Math.max(1, repeat);
  let ret = 0, i = 0;
  while (i < n) {
    try {
      for (; i < n; i++) {
        m.resetRegions();
        m.beginRun(progId);
        ret = fn(m, r1l, r1h, 0, 0, 0, 0, 0, 0, 0, 0, MAX_BPF_STACK) >>> 0;
      }
    } catch (e) {
      i++;
      ret = caught(m, e);
      if (m.error) return 0;
    }
  }
  return ret;
}

/** What ends a run by a throw: an Exit's r0, or a fault in m.error (and r0 = 0). */
function caught(m: Machine, e: unknown): number {
  if (e instanceof Exit) { m.rh = e.hi; return e.lo >>> 0; }
  m.error = e instanceof Fault
    ? { kind: e.kind, pc: e.pc, prog_id: m.progId, ...(e.addr ? { addr: e.addr } : {}), message: e.message }
    : { kind: 'internal', pc: -1, prog_id: m.progId, message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  m.rh = 0;
  return 0;
}

export type { DatapathError };
