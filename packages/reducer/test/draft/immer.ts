// immer itself, re-exported for bench/draft.ts: 'immer' is a dependency of the reducer package
// only, so it does not resolve from bench/.
export { applyPatches, enablePatches, produce, produceWithPatches, type Patch } from 'immer';
