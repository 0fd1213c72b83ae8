// The public shapes of model-based fuzzing: what a user writes (a FuzzSpec: setup, operations,
// invariants, adversaries) and what they get back (a FuzzReport).
import type fc from 'fast-check';
import type { Event, Result } from '@bpfsim/events';
import type { Kernel, LibBpf } from '@bpfsim/kernel';
import type { Fold, KernelState } from '@bpfsim/reducer';
import type { Coverage } from './coverage.ts';

/**
 * An operation of the system under test: a function calling the kernel (usually through
 * `libbpf(kernel, pid)`), with optional random arguments. A bare function is an operation without
 * arguments.
 */
export interface Operation<W, A = any> {
  /** Its arguments, drawn and shrunk by fast-check. */
  readonly args?: fc.Arbitrary<A>;
  readonly run: (world: W, args: A) => void;
  /** Skip the operation when this says no (a precondition, as fc.commands' check). */
  readonly when?: (world: W) => boolean;
  /** Relative frequency among the steps (default 1). */
  readonly weight?: number;
}
export type OperationLike<W> = ((world: W) => void) | Operation<W, any>;

/** What an invariant is shown: the state after an event, the state before it, and the event. */
export interface Check<W> {
  readonly state: KernelState;
  /** The state before `event` (for a step invariant: before the step). */
  readonly prev: KernelState;
  /** The event just folded (for a step invariant: the step's last event; undefined if it made none). */
  readonly event: Event | undefined;
  readonly result: Result | undefined;
  /** The event's index in the run's trace. */
  readonly index: number;
  readonly world: W;
}

/**
 * An invariant's verdict: true, undefined or an empty array when it holds; false, a message or
 * messages when it does not.
 */
export type Verdict = boolean | string | readonly string[] | void;
export type InvariantFn<W> = (c: Check<W>) => Verdict;
export interface InvariantSpec<W> {
  readonly check: InvariantFn<W>;
  /** 'event' (default): after every event, inside operations too; 'step': only between steps. */
  readonly every?: 'event' | 'step';
  readonly description?: string;
}
export type InvariantLike<W> = InvariantFn<W> | InvariantSpec<W>;

/** What an adversary's action runs with. `mem` is the adversary's own state for this run. */
export interface AdversaryContext<M = any> {
  readonly kernel: Kernel;
  /** libbpf as `pid` calls it. */
  bpf(pid: number): LibBpf;
  readonly mem: M;
  /** The world setup() returned (opaque to the adversaries bpfsim ships). */
  readonly world: unknown;
}

export interface AdversaryAction<M = any, A = any> {
  readonly args: fc.Arbitrary<A>;
  readonly run: (ctx: AdversaryContext<M>, args: A) => void;
  readonly weight?: number;
}

/**
 * Something else acting on the kernel: between the operations of the system under test, and/or
 * inside them, right before one of their syscalls (as a process the scheduler ran in between).
 */
export interface Adversary<M = any> {
  readonly name: string;
  /** Its state for one run, made after setup (e.g. which programs it attached). */
  readonly start?: (kernel: Kernel, world: unknown) => M;
  readonly actions: Readonly<Record<string, AdversaryAction<M, any>>>;
  /** Where it acts: 'between' operations, 'inside' them (before one of their syscalls), or 'both' (default). */
  readonly placement?: 'between' | 'inside' | 'both';
  /** Inside operations, act only right after a syscall this accepts (e.g. a BPF_PROG_QUERY: a revision race). */
  readonly after?: (event: Event, result: Result) => boolean;
  /** Processes it exits (crash adversaries): the runner restarts those of the system under test. */
  readonly kills?: readonly number[];
}

export interface FuzzSpec<W> {
  readonly name?: string;
  /** Builds one run's world on a fresh kernel: devices, the system under test. Checked by the kernel invariants only. */
  readonly setup: (kernel: Kernel) => W;
  readonly operations: Readonly<Record<string, OperationLike<W>>>;
  readonly invariants?: Readonly<Record<string, InvariantLike<W>>>;
  readonly adversaries?: readonly Adversary[];
  /** Processes of the system under test. An adversary that exits one aborts the operation in flight. */
  readonly pids?: readonly number[];
  /** Called after an adversary exited one of `pids` (a supervisor restarting it); without it the process stays dead. */
  readonly restart?: (world: W, pid: number) => void;
  /** Steps per run: at most this many (default 10). */
  readonly maxSteps?: number;
  /** The built-in kernel invariants to check (default all: references, chain, revision, datapath); false for none. */
  readonly kernelInvariants?: boolean | readonly KernelInvariantName[];
  /** The kernel's seed (default 0). */
  readonly kernelSeed?: number;
  /** The fold the kernel uses (default: the reducer with the datapath, as Kernel's). */
  readonly fold?: Fold;
}

export type KernelInvariantName = 'references' | 'chain' | 'revision' | 'datapath';

export interface FuzzOptions {
  /** The same seed gives the same runs, failure and counterexample (default 0). */
  readonly seed?: number;
  /** Runs to try (default 100). */
  readonly runs?: number;
  /** Stop starting runs after this long (ms). */
  readonly timeBudgetMs?: number;
  /** Counterexample candidates to try while shrinking (default 5000). */
  readonly shrinkBudget?: number;
  /** Run only the runs whose index is `worker` modulo `workers` (what one of N workers does). */
  readonly shard?: { readonly worker: number; readonly workers: number };
  /** Run indexes at and after this are not started (a pool stopping workers past a known failure). */
  readonly stopAt?: () => number;
  /** Called after each run (and each shrink candidate with `shrinking`). */
  readonly onRun?: (r: RunRecord) => void;
  /** Not started runs after this returns true (e.g. a signal). */
  readonly aborted?: () => boolean;
}

/** One run, for progress and merging: its index, how many events it folded, and its coverage. */
export interface RunRecord {
  readonly run: number;
  readonly events: number;
  readonly failed: boolean;
  readonly shrinking: boolean;
  readonly coverage?: Coverage;
}

/** One step of a run: an operation of the system under test, or an adversary acting between operations. */
export type Step =
  | { readonly kind: 'op'; readonly name: string; readonly args: unknown; readonly interrupts: readonly Interrupt[] }
  | { readonly kind: 'adversary'; readonly adversary: string; readonly action: string; readonly args: unknown };

/** An adversary acting inside an operation, right before its `at`-th eligible syscall (0: the first). */
export interface Interrupt { readonly at: number; readonly adversary: string; readonly action: string; readonly args: unknown }

/** Why a run failed: an invariant that did not hold (or an operation that threw), and where. */
export interface Violation {
  /** The invariant's name; kernel invariants are `kernel:references` & co.; `exception` for a throw. */
  readonly invariant: string;
  readonly kind: 'invariant' | 'kernel' | 'exception';
  readonly messages: readonly string[];
  /** The index of the event after which it failed (-1: before any event); `bpfsim debug` position `event + 1` shows the state after it. */
  readonly event: number;
  /** The step during which it failed (-1: setup). */
  readonly step: number;
}

export interface TraceEntry { readonly event: Event; readonly result: Result }

/** The outcome of one run of steps. */
export interface RunOutcome {
  readonly violation?: Violation;
  /** Every event the run folded, setup included, with its result. */
  readonly entries: readonly TraceEntry[];
  /** Who made each event: 'setup', 'op NAME', 'ADVERSARY.ACTION', 'restart PID'. */
  readonly labels: readonly string[];
  /** Events folded by setup (the steps' events follow). */
  readonly setupEvents: number;
  /** The index of each step's first event, and the end. */
  readonly stepStarts: readonly number[];
  /** Steps run (a failure stops the run). */
  readonly stepsRun: number;
  readonly seed: number;
}

export interface Counterexample {
  /** The run where it was found, and how. */
  readonly run: number;
  /** Steps as found, and shrunk. */
  readonly found: readonly Step[];
  readonly steps: readonly Step[];
  readonly foundEvents: number;
  /** Candidates tried while shrinking, and how many failed alike (each made the counterexample smaller). */
  readonly shrinkRuns: number;
  readonly shrinkSteps: number;
  /** True when the shrink budget ran out (may not be minimal). */
  readonly shrinkExhausted: boolean;
  readonly violation: Violation;
  /** The shrunk run, event by event. */
  readonly outcome: RunOutcome;
}

export interface FuzzReport {
  readonly name: string;
  readonly ok: boolean;
  readonly seed: number;
  /** Runs completed (not counting shrinking). */
  readonly runs: number;
  /** Runs asked for. */
  readonly runsRequested: number;
  /** Events folded by those runs, and by shrinking. */
  readonly events: number;
  readonly shrinkEvents: number;
  readonly elapsedMs: number;
  readonly stoppedBy: 'runs' | 'time' | 'failure' | 'aborted';
  /** (command or event kind, outcome) pairs the runs reached. */
  readonly coverage: Coverage;
  readonly failure?: Counterexample;
}
