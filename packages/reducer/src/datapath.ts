// What the reducer asks of a datapath, declared here so that the reducer never imports one:
// running a packet batch and BPF_PROG_TEST_RUN on the frozen state. @bpfsim/datapath implements
// it; @bpfsim/kernel wires the two together (createFold(datapath)).
import type { AttrOf, Packet } from '@bpfsim/events';
import type { KernelState } from './state.ts';

/** A map write a program made (see @bpfsim/datapath writeset.ts): folded in order. */
export type WriteOp =
  | { readonly map_id: number; readonly key: string; readonly value: string; readonly in_place?: true; readonly push?: true }
  | { readonly map_id: number; readonly key: string; readonly delete: true };

/** Inputs that make a run deterministic: prandom's seed (from the state's rng) and the clock. */
export interface RunInputs { readonly seed: number; readonly clock: number }

export interface DatapathServices {
  runBatch(state: KernelState, packets: readonly Packet[], inputs: RunInputs): {
    readonly verdicts: readonly unknown[];
    readonly writeSet: readonly WriteOp[];
    readonly log: readonly unknown[];
  };
  testRun(state: KernelState, progId: number, attr: AttrOf<'BPF_PROG_TEST_RUN'>, inputs: RunInputs): {
    readonly ret: number;
    readonly out?: object;
    readonly writeSet: readonly WriteOp[];
  };
}
