// Model-based fuzzing of code that drives bpf(): fuzz(spec) runs the spec's operations interleaved
// with adversaries, checks its invariants (and the kernel's) after every event, and shrinks the
// first failure to a minimal counterexample saved as a bpfsim trace.
export type {
  FuzzSpec, FuzzOptions, FuzzReport, Operation, OperationLike, Check, Verdict, InvariantFn, InvariantSpec, InvariantLike,
  Adversary, AdversaryAction, AdversaryContext, KernelInvariantName, RunRecord, Step as FuzzStep, Interrupt, Violation,
  RunOutcome, Counterexample, TraceEntry,
} from './types.ts';
export { fuzz, fuzzWith, reproduce, runSeed, drawRun, shrinkRun } from './fuzz.ts';
export { compile, runSteps, FuzzKernel, ProcessCrashed, InvariantStop, failures, type Compiled } from './run.ts';
export { stepArb as fuzzStepArb, stepsArb as fuzzStepsArb } from './arbitrary.ts';
export { Coverage, type CoverageJSON } from './coverage.ts';
export { KERNEL_INVARIANTS, kernelInvariants, type KernelInvariant } from './kernel-invariants.ts';
export { counterexampleTrace, saveCounterexample, formatCounterexample, formatSummary, formatStep, describeViolation } from './report.ts';
export * as adversaries from '../adversaries/index.ts';
export { thirdParty, revisionRace, netdevChurn, crash, allAdversaries, returnProgram } from '../adversaries/index.ts';
export { fuzzInWorkers, WORKER_YOUNG_GENERATION_MB, type PoolOptions, type PoolProgress } from '../workers/pool.ts';
export { loadSpec, SpecError } from '../workers/load.ts';
export { fuzzCommand, parseFuzzArgs, runFuzz, reportJSON, FuzzCliError, DEFAULT_TARGET, type FuzzCliOptions, type FuzzCliDeps } from '../cli/fuzz.ts';
