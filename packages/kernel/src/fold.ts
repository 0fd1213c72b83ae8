// The fold with the datapath wired in: packets and BPF_PROG_TEST_RUN run through @bpfsim/datapath
// on the frozen state. The reducer declares what it needs (DatapathServices) and imports nothing.
import { runBatch, testRun } from '@bpfsim/datapath';
import { createFold, createFoldMany, type DatapathServices } from '@bpfsim/reducer';

export const datapath: DatapathServices = {
  runBatch: (state, packets, inputs) => runBatch(state, packets, inputs),
  testRun: (state, progId, attr, inputs) => testRun(state, progId, attr, inputs),
};

/** The fold bpfsim uses by default: the reducer with the datapath. */
export const kernelFold = createFold(datapath);
/** kernelFold over many events: the same states and results, each datapath-free run in one draft. */
export const kernelFoldMany = createFoldMany(datapath);
