export * from './state.ts';
export { initialState } from './init.ts';
export { fold, step, type Folded, type Stepped } from './fold.ts';
export { checkReferences, referenceHolders } from './invariants.ts';
export { tcxRunOrder, type Direction } from './tcx/index.ts';
