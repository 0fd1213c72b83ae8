export * from './state.ts';
export { initialState } from './init.ts';
export { fold, foldMany, step, createFold, createFoldMany, type Fold, type Folded, type FoldMany, type FoldedMany, type Stepped } from './fold.ts';
export type { DatapathServices, WriteOp, RunInputs } from './datapath.ts';
export { checkReferences, referenceHolders } from './invariants.ts';
export { forEachProgArraySlot } from './maps/prog-array.ts';
export { insnsKey } from './prog/vetted.ts';
export { tcxRunOrder, MPROG_MAX, type Direction } from './tcx/index.ts';
