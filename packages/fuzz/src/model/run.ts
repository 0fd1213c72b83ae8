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
    adversaries, insideAdversaries: [...adversaries.values()].filter((a) => a.placement !== 'between'), maxSteps: spec.maxSteps ?? 10,
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
  const seed = c.spec.kernelSeed ?? 0;
  const k = new FuzzKernel({ seed, state: booted(seed), ...(c.spec.fold ? { fold: c.spec.fold } : {}) });
  const labels: string[] = [];
  const stepStarts: number[] = [];
  const sut = new Set(c.spec.pids ?? []);
  const crashed = new Set<number>();
  let violation: Violation | undefined;
  let prev: KernelState = k.state;
  let armed = false;
  let stepIndex = -1;
  let actor = 'setup';
  let adversaryDepth = 0;
  let world: W = undefined as W;

  const fail = (v: Violation): never => {
    violation ??= v;
    throw new InvariantStop(violation);
  };

  k.onEvent = (entry, state) => {
    const index = k.trace.length - 1;
    const before = prev;
    prev = state;
    labels.push(actor);
    if (adversaryDepth > 0 && entry.event.kind === 'exit' && entry.result.ret === 0 && sut.has(entry.event.pid)) crashed.add(entry.event.pid);
    if (violation) return;
    const kernel = c.kernel;
    for (let i = 0; i < kernel.length; i++) {
      const bad = kernel[i].check(state, before);
      if (bad.length) fail({ invariant: `kernel:${kernel[i].name}`, kind: 'kernel', messages: bad, event: index, step: stepIndex });
    }
    if (!armed) return;
    const invariants = c.eventInvariants;
    if (invariants.length === 0) return;
    const shown = { state, prev: before, event: entry.event, result: entry.result, index, world }; // one for all of them
    for (let i = 0; i < invariants.length; i++) {
      const [name, check] = invariants[i];
      let bad: string[] | undefined;
      try {
        bad = failures(check(shown));
      } catch (e) {
        bad = [`the invariant threw ${describe(e)}`];
      }
      if (bad) fail({ invariant: name, kind: 'invariant', messages: bad, event: index, step: stepIndex });
    }
  };

  /** Runs `fn`; records what it throws (other than the runner's own signals) as a violation. */
  const guarded = (what: string, fn: () => void): void => {
    try {
      fn();
    } catch (e) {
      if (e instanceof InvariantStop || e instanceof ProcessCrashed) return;
      violation ??= { invariant: 'exception', kind: 'exception', messages: [`${what} threw ${describe(e)}`], event: k.trace.length - 1, step: stepIndex };
    }
  };

  const ctxs = new Map<string, AdversaryContext>();
  const bpfs = new Map<number, LibBpf>();
  const bpf = (pid: number): LibBpf => {
    let b = bpfs.get(pid);
    if (!b) { b = libbpf(k, pid); bpfs.set(pid, b); }
    return b;
  };
  const runAdversary = (name: string, action: string, args: unknown): void => {
    const a = c.adversaries.get(name);
    const act: AdversaryAction | undefined = a?.actions[action];
    if (!a || !act) return;
    const saved = actor;
    actor = `${name}.${action}`;
    adversaryDepth++;
    try {
      guarded(`adversary ${name}.${action}`, () => act.run(ctxs.get(name)!, args));
    } finally {
      adversaryDepth--;
      actor = saved;
    }
  };
  const restartCrashed = (): void => {
    for (const pid of [...crashed].sort((a, b) => a - b)) {
      if (!c.spec.restart) continue; // no supervisor: the process stays dead
      crashed.delete(pid);
      actor = `restart ${pid}`;
      guarded(`restart(${pid})`, () => c.spec.restart!(world, pid));
      if (violation) return;
    }
  };

  guarded('setup', () => { world = c.spec.setup(k); });
  if (!violation) {
    for (const [name, a] of c.adversaries) {
      actor = `${name} start`;
      let mem: unknown;
      guarded(`adversary ${name} start`, () => { mem = a.start?.(k, world); });
      ctxs.set(name, { kernel: k, bpf, mem, world });
    }
  }
  const setupEvents = k.trace.length;
  armed = true;

  let stepsRun = 0;
  for (const [i, step] of steps.entries()) {
    if (violation) break;
    stepIndex = i;
    stepStarts.push(k.trace.length);
    const before = k.state;
    if (step.kind === 'op') runOperation(step.name, step.args, step.interrupts);
    else runAdversary(step.adversary, step.action, step.args);
    stepsRun++;
    if (!violation) restartCrashed();
    if (!violation) checkStep(before);
  }
  stepStarts.push(k.trace.length);
  k.onEvent = undefined;
  k.beforeApply = undefined;
  return { ...(violation ? { violation } : {}), entries: k.trace as readonly TraceEntry[], labels, setupEvents, stepStarts, stepsRun, seed };

  function runOperation(name: string, args: unknown, interrupts: readonly Interrupt[]): void {
    const op = c.ops.get(name);
    if (!op) return;
    let ok = true;
    guarded(`when() of ${name}`, () => { ok = op.when ? op.when(world) : true; });
    if (!ok || violation) return;
    // Interrupts fire before the op's syscalls: the at-th one (counting only those right after a
    // syscall the adversary's `after` accepts, if it has one).
    const pending = interrupts.filter((it) => c.adversaries.get(it.adversary)?.actions[it.action] !== undefined);
    const inside = c.insideAdversaries;
    const counters = new Array<number>(inside.length).fill(0);
    let last: TraceEntry | undefined;
    let lastIndex = -1;
    k.beforeApply = (raw) => {
      if (adversaryDepth > 0) return;
      if (lastIndex >= 0 && lastIndex < k.trace.length) last = k.trace[lastIndex];
      for (let i = 0; i < inside.length; i++) {
        const a = inside[i], adv = a.name;
        if (a.after && !(last && a.after(last.event, last.result))) continue;
        const n = counters[i]++;
        for (const it of pending) if (it.adversary === adv && it.at === n) runAdversary(adv, it.action, it.args);
        if (violation) throw new InvariantStop(violation);
      }
      lastIndex = k.trace.length;
      const pid = (raw as { pid?: unknown } | null)?.pid;
      if (typeof pid === 'number' && crashed.has(pid)) throw new ProcessCrashed(pid);
    };
    actor = `op ${name}`;
    try {
      guarded(`operation ${name}`, () => op.run(world, args));
    } finally {
      k.beforeApply = undefined;
      actor = 'between';
    }
  }

  function checkStep(before: KernelState): void {
    if (!c.stepInvariants.length) return;
    const index = k.trace.length - 1;
    const last = k.trace[index] as TraceEntry | undefined;
    for (const [name, check] of c.stepInvariants) {
      let bad: string[] | undefined;
      try {
        bad = failures(check({ state: k.state, prev: before, event: last?.event, result: last?.result, index, world }));
      } catch (e) {
        bad = [`the invariant threw ${describe(e)}`];
      }
      if (bad) { violation = { invariant: name, kind: 'invariant', messages: bad, event: index, step: stepIndex }; return; }
    }
  }
}
