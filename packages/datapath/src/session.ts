// A machine for runs against one snapshot: tc helpers, the seeded random source, the clock, and
// compiled programs for tail calls.
import { Machine } from './machine.ts';
import { Overlay } from './maps/overlay.ts';
import { Rng } from './rng.ts';
import type { Snapshot } from './snapshot.ts';
import { TC_HELPERS } from './helpers/tc.ts';
import { compiledProgram } from './programs.ts';
import type { ProgFn } from './compile/codegen.ts';
import type { DatapathError } from './fault.ts';

export interface RunInputs {
  /** Seeds bpf_get_prandom_u32 (u32). */
  readonly seed?: number;
  /** What bpf_ktime_get_ns (and its boot/coarse/tai variants) return, in ns (u64). */
  readonly clock?: number | bigint;
}

export function newMachine(snapshot: Snapshot, inputs: RunInputs = {}): Machine {
  const m = new Machine(snapshot, new Overlay(snapshot), new Rng(inputs.seed ?? 0), BigInt(inputs.clock ?? 0), TC_HELPERS);
  m.load = (id) => {
    const p = snapshot.progs[id];
    return p === undefined ? undefined : compiledProgram(p, TC_HELPERS);
  };
  return m;
}

/** The compiled program, or the reason it cannot be compiled (as an error value). */
export function compileFor(snapshot: Snapshot, progId: number): ProgFn | DatapathError {
  const p = snapshot.progs[progId];
  if (p === undefined) return { kind: 'internal', pc: -1, prog_id: progId, message: `prog ${progId} is not in the snapshot` };
  try {
    return compiledProgram(p, TC_HELPERS);
  } catch (e) {
    return { kind: 'internal', pc: -1, prog_id: progId, message: `compiling prog ${progId}: ${(e as Error).message}` };
  }
}
