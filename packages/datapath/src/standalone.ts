// Running instructions outside any kernel state: r1 points to a block of memory (the
// conformance suite's `-- mem`), r2 holds its length. For tests and tools; tc programs run
// through pipeline.ts and testrun.ts.
import type { Insn } from '@bpfsim/events';
import { compileInsns } from './compile/codegen.ts';
import { runtime } from './compile/runtime.ts';
import type { DatapathError } from './fault.ts';
import { CONFORMANCE_HELPERS } from './helpers/conformance.ts';
import type { HelperTable } from './helpers/table.ts';
import { Machine } from './machine.ts';
import { Overlay } from './maps/overlay.ts';
import { BASE, PTR_TAG, memRegion } from './memory/region.ts';
import { Rng } from './rng.ts';
import { runProgram } from './run.ts';
import type { Snapshot } from './snapshot.ts';

const EMPTY: Snapshot = Object.freeze({ progs: {}, maps: {}, netdevs: {} });

export interface StandaloneResult {
  /** r0 as an unsigned 64-bit value. */
  readonly r0: bigint;
  readonly error?: DatapathError;
  /** The memory block after the run. */
  readonly mem: Uint8Array;
}

export function runStandalone(insns: readonly Insn[], mem: Uint8Array = new Uint8Array(0), helpers: HelperTable = CONFORMANCE_HELPERS): StandaloneResult {
  const block = mem.slice();
  let fn;
  try {
    fn = compileInsns(insns, [], helpers, runtime);
  } catch (e) {
    return { r0: 0n, mem: block, error: { kind: 'internal', pc: -1, message: `compile: ${(e as Error).message}` } };
  }
  const m = new Machine(EMPTY, new Overlay(EMPTY), new Rng(0), 0n, helpers);
  const rid = m.addRegion(memRegion('memory', block));
  const lo = runProgram(m, 0, fn, BASE, PTR_TAG | rid, block.length, 0);
  const r0 = (BigInt(m.rh >>> 0) << 32n) | BigInt(lo);
  return m.error ? { r0, mem: block, error: m.error } : { r0, mem: block };
}
