export * from './state.ts';
export { initialState } from './init.ts';
export { fold, step, createFold, type Fold, type Folded, type Stepped } from './fold.ts';
export type { DatapathServices, WriteOp, RunInputs } from './datapath.ts';
export { checkReferences, referenceHolders } from './invariants.ts';
export { tcxRunOrder, type Direction } from './tcx/index.ts';
