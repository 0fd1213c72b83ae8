// A helper table: which helper ids a compiled program may call, and their implementations.
// Every helper takes r1..r5 as (lo, hi) pairs and the pc, returns r0's low half and sets m.rh.
import type { Machine } from '../machine.ts';
import { BPF_FUNC_MAX_ID, helperName } from './names.ts';

export type HelperFn = (m: Machine, l1: number, h1: number, l2: number, h2: number, l3: number, h3: number,
  l4: number, h4: number, l5: number, h5: number, pc: number) => number;

export class HelperTable {
  constructor(
    readonly name: string,
    private readonly fns: ReadonlyMap<number, HelperFn>,
    /** Whether helper 12 is bpf_tail_call (compiled inline, compile/codegen.ts). */
    readonly tailCalls: boolean,
  ) {}

  fn(id: number): HelperFn {
    const f = this.fns.get(id);
    if (f === undefined) throw new Error(`helper ${id} is not in table ${this.name}`);
    return f;
  }

  has(id: number): boolean {
    return this.fns.has(id) || (this.tailCalls && id === 12);
  }

  /** Why a call to this id cannot run, naming the helper; undefined if it can. */
  missing(id: number): string | undefined {
    if (this.has(id)) return undefined;
    if (id < 0 || id >= BPF_FUNC_MAX_ID) return `unknown helper id ${id} (${helperName(id)})`;
    return `helper ${helperName(id)} is not implemented by the datapath`;
  }
}
