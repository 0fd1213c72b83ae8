// Run-time errors. Inside a run a Fault is thrown (so that compiled code stays straight-line);
// the run's boundary (run.ts) catches it, and anything else thrown, and turns it into a
// DatapathError value: no JavaScript exception leaves the datapath's public functions.

export type FaultKind =
  | 'oob'            // memory access outside every region, or outside the one it names
  | 'readonly'       // store to read-only memory (ctx field, read-only map, r10)
  | 'ctx'            // ctx access the kernel's verifier would refuse
  | 'helper'         // unknown or unimplemented helper, or a helper given bad arguments
  | 'insn'           // unknown opcode or an instruction form the engine does not run
  | 'limit'          // call depth, loop budget
  | 'internal';      // a bug in the engine

export interface DatapathError {
  readonly kind: FaultKind;
  /** Instruction index in the program named by prog_id (-1 when not inside an instruction). */
  readonly pc: number;
  readonly prog_id?: number;
  /** The 64-bit address of a faulting memory access, as 0x-prefixed hex. */
  readonly addr?: string;
  readonly message: string;
}

export class Fault extends Error {
  constructor(readonly kind: FaultKind, readonly pc: number, message: string, readonly addr?: string) {
    super(message);
  }
}

/** 0x-prefixed 16-digit hex of a (hi, lo) pair. */
export function hex64(hi: number, lo: number): string {
  return '0x' + (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

/** Ends the whole program run at once with r0 = (lo, hi): ld_abs past the packet, the conformance suite's unwind helper. */
export class Exit {
  constructor(readonly lo: number, readonly hi: number) {}
}
