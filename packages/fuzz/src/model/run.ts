// One run: a fresh kernel, the spec's setup, then the steps in order, with adversaries acting
// between the operations and inside them (right before one of their syscalls), and the invariants
// checked after every event through the Kernel's onEvent hook. The first violation stops the run.
import type { Result } from '@bpfsim/events';
import { Kernel, libbpf, type LibBpf } from '@bpfsim/kernel';
import { initialState, type KernelState } from '@bpfsim/reducer';
import { kernelInvariants, type KernelInvariant } from './kernel-invariants.ts';
import type {
  Adversary, AdversaryAction, AdversaryContext, FuzzSpec, Interrupt, InvariantFn, Operation, RunOutcome, Step, TraceEntry, Verdict, Violation,
} from './types.ts';

/** The Kernel facade with a hook before every event: where adversaries get scheduled in. */
export class FuzzKernel extends Kernel {
  beforeApply?: (event: unknown) => void;
  override apply(event: unknown): Result {
    this.beforeApply?.(event);
    return super.apply(event);
  }
}

/**
 * An Error without a stack trace: the runner's own signals unwind an operation and are caught by
 * the runner, so nobody reads their stack, and capturing it costs microseconds a throw.
 */
class Signal extends Error {
  constructor(message: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try { super(message); } finally { Error.stackTraceLimit = limit; }
  }
}

/** Thrown into an operation whose process an adversary killed: the operation ends there. */
export class ProcessCrashed extends Signal {
  constructor(readonly pid: number) { super(`process ${pid} was killed`); }
}

/** Thrown to unwind an operation when an invariant fails (the runner has recorded why). */
export class InvariantStop extends Signal {
  constructor(readonly violation: Violation) { super(`invariant ${violation.invariant} failed`); }
}

/** A spec resolved once for many runs: operations and invariants normalised, adversaries by name. */
export interface Compiled<W> {
  readonly spec: FuzzSpec<W>;
  readonly name: string;
  readonly ops: ReadonlyMap<string, Operation<W>>;
  readonly eventInvariants: readonly (readonly [string, InvariantFn<W>])[];
  readonly stepInvariants: readonly (readonly [string, InvariantFn<W>])[];
  readonly kernel: readonly KernelInvariant[];
  readonly adversaries: ReadonlyMap<string, Adversary>;
  /** The adversaries that may act inside operations (placement other than 'between'), in order. */
  readonly insideAdversaries: readonly Adversary[];
  /** The processes of the code under test (the spec's pids): restarted when an adversary kills one. */
  readonly sut: ReadonlySet<number>;
  readonly maxSteps: number;
}

export function compile<W>(spec: FuzzSpec<W>): Compiled<W> {
  const ops = new Map<string, Operation<W>>();
  for (const [name, op] of Object.entries(spec.operations)) ops.set(name, typeof op === 'function' ? { run: (w) => op(w) } : op);
  if (ops.size === 0) throw new TypeError('fuzz: the spec has no operations');
  const eventInvariants: [string, InvariantFn<W>][] = [];
  const stepInvariants: [string, InvariantFn<W>][] = [];
  for (const [name, inv] of Object.entries(spec.invariants ?? {})) {
    if (typeof inv === 'function') eventInvariants.push([name, inv]);
    else (inv.every === 'step' ? stepInvariants : eventInvariants).push([name, inv.check]);
  }
  const adversaries = new Map<string, Adversary>();
  for (const a of spec.adversaries ?? []) {
    if (adversaries.has(a.name)) throw new TypeError(`fuzz: two adversaries are named ${JSON.stringify(a.name)} (give one a name)`);
    adversaries.set(a.name, a);
  }
  return {
    spec, name: spec.name ?? 'fuzz', ops, eventInvariants, stepInvariants, kernel: kernelInvariants(spec.kernelInvariants),
    adversaries, insideAdversaries: [...adversaries.values()].filter((a) => a.placement !== 'between'), sut: new Set(spec.pids ?? []), maxSteps: spec.maxSteps ?? 10,
  };
}

/** The messages of a failing verdict, or undefined when it holds. */
export function failures(v: Verdict): string[] | undefined {
  if (v === undefined || v === true) return undefined;
  if (v === false) return ['does not hold'];
  if (typeof v === 'string') return [v];
  return v.length ? [...v] : undefined;
}

const describe = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/**
 * The state every run starts from, made once a seed: it is frozen, so runs can share it (and the
 * kernel invariants' memos, keyed by its tables, carry over from run to run).
 */
const bootedBySeed = new Map<number, KernelState>();
function booted(seed: number): KernelState {
  let s = bootedBySeed.get(seed);
  if (s === undefined) {
    if (bootedBySeed.size >= 64) bootedBySeed.clear();
    bootedBySeed.set(seed, (s = initialState(seed)));
  }
  return s;
}

/** Runs `steps` on a fresh kernel. Never throws for what the spec's code does: a throw is a violation. */
export function runSteps<W>(c: Compiled<W>, steps: readonly Step[]): RunOutcome {
  return new Run(c).steps(steps);
}

/** ctx.bpf of a run's adversaries (made here: a closure made where it is named costs more under tsx, see Run). */
const bpfOf = (run: Run<unknown>): ((pid: number) => LibBpf) => (pid) => run.libbpf(pid);

/**
 * One run's state and steps. A class rather than closures in runSteps: tsx compiles with esbuild's
 * keepNames, which names every closure a function makes where it is bound to a name (a
 * defineProperty: ~0.4 us and ~300 bytes a closure), and runSteps made seven a run.
 */
class Run<W> {
  readonly k: FuzzKernel;
  readonly labels: string[] = [];
  readonly stepStarts: number[] = [];
  readonly crashed = new Set<number>();
  readonly ctxs = new Map<string, AdversaryContext>();
  readonly bpfs = new Map<number, LibBpf>();
  violation: Violation | undefined;
  prev: KernelState;
  armed = false;
  stepIndex = -1;
  actor = 'setup';
  adversaryDepth = 0;
  world: W = undefined as W;
  // The operation in progress, for beforeApply: its interrupts that name a known action, how many
  // eligible points each inside adversary has seen, and the last event.
  pending: readonly Interrupt[] = NO_INTERRUPTS;
  readonly counters: number[];
  last: TraceEntry | undefined;
  lastIndex = -1;

  constructor(readonly c: Compiled<W>) {
    const seed = c.spec.kernelSeed ?? 0;
    const state = booted(seed);
    this.k = new FuzzKernel(c.spec.fold ? { seed, state, fold: c.spec.fold } : { seed, state });
    this.prev = this.k.state;
    this.counters = new Array<number>(c.insideAdversaries.length).fill(0);
  }

  steps(steps: readonly Step[]): RunOutcome {
    const { c, k } = this;
    k.onEvent = (entry, state) => this.onEvent(entry, state);
    try {
      this.world = c.spec.setup(k);
    } catch (e) {
      this.caught(e, 'setup');
    }
    if (!this.violation) {
      const bpf = bpfOf(this as Run<unknown>);
      for (const a of c.adversaries.values()) {
        this.actor = `${a.name} start`;
        let mem: unknown;
        try {
          if (a.start) mem = a.start(k, this.world);
        } catch (e) {
          this.caught(e, `adversary ${a.name} start`);
        }
        this.ctxs.set(a.name, { kernel: k, bpf, mem, world: this.world });
      }
    }
    const setupEvents = k.trace.length;
    this.armed = true;

    let stepsRun = 0;
    for (let i = 0; i < steps.length; i++) {
      if (this.violation) break;
      const step = steps[i];
      this.stepIndex = i;
      this.stepStarts.push(k.trace.length);
      const before = k.state;
      if (step.kind === 'op') this.runOperation(step.name, step.args, step.interrupts);
      else this.runAdversary(step.adversary, step.action, step.args);
      stepsRun++;
      if (!this.violation) this.restartCrashed();
      if (!this.violation) this.checkStep(before);
    }
    this.stepStarts.push(k.trace.length);
    k.onEvent = undefined;
    k.beforeApply = undefined;
    const { violation, labels, stepStarts } = this, entries = k.trace as readonly TraceEntry[], seed = k.seed;
    return violation
      ? { violation, entries, labels, setupEvents, stepStarts, stepsRun, seed }
      : { entries, labels, setupEvents, stepStarts, stepsRun, seed };
  }

  /** libbpf as `pid` calls it (one a process a run). */
  libbpf(pid: number): LibBpf {
    let b = this.bpfs.get(pid);
    if (!b) { b = libbpf(this.k, pid); this.bpfs.set(pid, b); }
    return b;
  }

  fail(v: Violation): never {
    this.violation ??= v;
    throw new InvariantStop(this.violation);
  }

  /** Records what `what` threw (other than the runner's own signals) as a violation. */
  caught(e: unknown, what: string): void {
    if (e instanceof InvariantStop || e instanceof ProcessCrashed) return;
    this.violation ??= { invariant: 'exception', kind: 'exception', messages: [`${what} threw ${describe(e)}`], event: this.k.trace.length - 1, step: this.stepIndex };
  }

  onEvent(entry: TraceEntry, state: KernelState): void {
    const { c, k } = this;
    const index = k.trace.length - 1;
    const before = this.prev;
    this.prev = state;
    this.labels.push(this.actor);
    if (this.adversaryDepth > 0 && entry.event.kind === 'exit' && entry.result.ret === 0 && c.sut.has(entry.event.pid)) this.crashed.add(entry.event.pid);
    if (this.violation) return;
    const kernel = c.kernel;
    for (let i = 0; i < kernel.length; i++) {
      const bad = kernel[i].check(state, before);
      if (bad.length) this.fail({ invariant: `kernel:${kernel[i].name}`, kind: 'kernel', messages: bad, event: index, step: this.stepIndex });
    }
    if (!this.armed) return;
    const invariants = c.eventInvariants;
    if (invariants.length === 0) return;
    const shown = { state, prev: before, event: entry.event, result: entry.result, index, world: this.world }; // one for all of them
    for (let i = 0; i < invariants.length; i++) {
      const [name, check] = invariants[i];
      let bad: string[] | undefined;
      try {
        bad = failures(check(shown));
      } catch (e) {
        bad = [`the invariant threw ${describe(e)}`];
      }
      if (bad) this.fail({ invariant: name, kind: 'invariant', messages: bad, event: index, step: this.stepIndex });
    }
  }

  runAdversary(name: string, action: string, args: unknown): void {
    const a = this.c.adversaries.get(name);
    const act: AdversaryAction | undefined = a?.actions[action];
    if (!a || !act) return;
    const saved = this.actor;
    this.actor = `${name}.${action}`;
    this.adversaryDepth++;
    try {
      act.run(this.ctxs.get(name)!, args);
    } catch (e) {
      this.caught(e, `adversary ${name}.${action}`);
    } finally {
      this.adversaryDepth--;
      this.actor = saved;
    }
  }

  restartCrashed(): void {
    if (this.crashed.size === 0) return;
    const restart = this.c.spec.restart;
    for (const pid of [...this.crashed].sort((a, b) => a - b)) {
      if (!restart) continue; // no supervisor: the process stays dead
      this.crashed.delete(pid);
      this.actor = `restart ${pid}`;
      try {
        restart(this.world, pid);
      } catch (e) {
        this.caught(e, `restart(${pid})`);
      }
      if (this.violation) return;
    }
  }

  runOperation(name: string, args: unknown, interrupts: readonly Interrupt[]): void {
    const { c, k } = this;
    const op = c.ops.get(name);
    if (!op) return;
    if (op.when) {
      let ok = true;
      try {
        ok = op.when(this.world);
      } catch (e) {
        this.caught(e, `when() of ${name}`);
      }
      if (!ok || this.violation) return;
    } else if (this.violation) return;
    // Interrupts fire before the op's syscalls: the at-th one (counting only those right after a
    // syscall the adversary's `after` accepts, if it has one).
    this.pending = interrupts.length ? interrupts.filter((it) => c.adversaries.get(it.adversary)?.actions[it.action] !== undefined) : NO_INTERRUPTS;
    this.counters.fill(0);
    this.last = undefined;
    this.lastIndex = -1;
    k.beforeApply = (raw) => this.beforeApply(raw);
    this.actor = `op ${name}`;
    try {
      op.run(this.world, args);
    } catch (e) {
      this.caught(e, `operation ${name}`);
    } finally {
      k.beforeApply = undefined;
      this.actor = 'between';
    }
  }

  /** Before each event of an operation: the interrupts due there, and a crashed process's syscalls end it. */
  beforeApply(raw: unknown): void {
    if (this.adversaryDepth > 0) return;
    const { k, counters, pending } = this;
    const inside = this.c.insideAdversaries;
    if (this.lastIndex >= 0 && this.lastIndex < k.trace.length) this.last = k.trace[this.lastIndex];
    const last = this.last;
    for (let i = 0; i < inside.length; i++) {
      const a = inside[i], adv = a.name;
      if (a.after && !(last && a.after(last.event, last.result))) continue;
      const n = counters[i]++;
      for (let j = 0; j < pending.length; j++) {
        const it = pending[j];
        if (it.adversary === adv && it.at === n) this.runAdversary(adv, it.action, it.args);
      }
      if (this.violation) throw new InvariantStop(this.violation);
    }
    this.lastIndex = k.trace.length;
    const pid = (raw as { pid?: unknown } | null)?.pid;
    if (typeof pid === 'number' && this.crashed.has(pid)) throw new ProcessCrashed(pid);
  }

  checkStep(before: KernelState): void {
    const { c, k } = this;
    if (!c.stepInvariants.length) return;
    const index = k.trace.length - 1;
    const last = k.trace[index] as TraceEntry | undefined;
    for (let i = 0; i < c.stepInvariants.length; i++) {
      const [name, check] = c.stepInvariants[i];
      let bad: string[] | undefined;
      try {
        bad = failures(check({ state: k.state, prev: before, event: last?.event, result: last?.result, index, world: this.world }));
      } catch (e) {
        bad = [`the invariant threw ${describe(e)}`];
      }
      if (bad) { this.violation = { invariant: name, kind: 'invariant', messages: bad, event: index, step: this.stepIndex }; return; }
    }
  }
}

const NO_INTERRUPTS: readonly Interrupt[] = Object.freeze([]);
