export { Session, type SessionOptions, type StepContext, type FoldFn } from './session.ts';
export {
  ABSENT, changes, applyChanges, diffLines, formatDiffLine, formatPath, formatValue, getPath, parsePath, resolvePath,
  sameValue, touched, PathError, type Change, type DiffLine, type Path, type Seg,
} from './diff.ts';
export { registerInvariant, invariant, invariantNames, type Invariant } from './invariants.ts';
