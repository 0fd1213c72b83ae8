// The Kernel facade: an object over the pure fold for interactive use. Every call appends its
// event and result to an in-memory trace and returns the result; `state` is the frozen state.
import { assertEvent, type AttrOf, type Event, type ModelledCmd, type Packet, type Result } from '@bpfsim/events';
import { initialState, type Fold, type KernelState } from '@bpfsim/reducer';
import { kernelFold } from './fold.ts';

export interface TraceEntry { readonly event: Event; readonly result: Result }

export interface KernelOptions {
  /** Seeds the kernel's randomness (hash seeds); the same seed and events give the same states. */
  readonly seed?: number;
  /** Start from this state instead of a fresh kernel. */
  readonly state?: KernelState;
  /** The fold to use; by default the reducer with the datapath (kernelFold). */
  readonly fold?: Fold;
}

export class Kernel {
  #state: KernelState;
  #trace: TraceEntry[] = [];
  readonly #fold: Fold;
  readonly seed: number;
  /** Called after every event, e.g. by a recorder. */
  onEvent?: (entry: TraceEntry, state: KernelState) => void;

  constructor(opts: KernelOptions = {}) {
    this.seed = opts.seed ?? 0;
    this.#state = opts.state ?? initialState(this.seed);
    this.#fold = opts.fold ?? kernelFold;
  }

  get state(): KernelState { return this.#state; }
  get trace(): readonly TraceEntry[] { return this.#trace; }

  /** Folds any event; a malformed one throws an EventError naming the field and changes nothing. */
  apply(event: unknown): Result {
    const e = assertEvent(event, this.#trace.length);
    const { state, result } = this.#fold(this.#state, e);
    this.#state = state;
    const entry = { event: e, result };
    this.#trace.push(entry);
    this.onEvent?.(entry, state);
    return result;
  }

  bpf<C extends ModelledCmd>(pid: number, cmd: C, attr: AttrOf<C>): Result {
    return this.apply({ kind: 'bpf', pid, cmd, attr });
  }
  close(pid: number, fd: number): Result { return this.apply({ kind: 'close', pid, fd }); }
  dup(pid: number, fd: number): Result { return this.apply({ kind: 'dup', pid, fd }); }
  fork(pid: number, child: number): Result { return this.apply({ kind: 'fork', pid, child }); }
  exit(pid: number): Result { return this.apply({ kind: 'exit', pid }); }
  mkdir(pid: number, pathname: string): Result { return this.apply({ kind: 'mkdir', pid, pathname }); }
  unlink(pid: number, pathname: string, dir = false): Result { return this.apply({ kind: 'unlink', pid, pathname, ...(dir ? { dir } : {}) }); }
  /** `ip link add NAME type veth [peer name PEER]`: returns the new device's ifindex. */
  netdevAdd(name: string, peer?: string): Result { return this.apply(peer === undefined ? { kind: 'netdev_add', name } : { kind: 'netdev_add', name, peer }); }
  netdevDel(name: string): Result { return this.apply({ kind: 'netdev_del', name }); }
  /** Moves the monotonic clock to `ns`. */
  tick(ns: number): Result { return this.apply({ kind: 'tick', ns }); }
  /** Runs a batch of packets through the tcx pipelines: `out.verdicts` says what became of each. */
  packets(packets: readonly Packet[]): Result { return this.apply({ kind: 'packets', packets }); }
}
