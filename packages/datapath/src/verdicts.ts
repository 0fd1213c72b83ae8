// A batch's verdicts without a batch's worth of objects: consecutive packets usually end alike,
// so a verdict (or its runs, or its skb fields) equal to the previous packet's is that same object
// again. Verdicts are read-only results: sharing shows only to ===, and it spares allocating, and
// the garbage collector copying, five objects per packet that all live until the batch ends.
import type { Machine } from './machine.ts';
import { SKB } from './memory/ctx.ts';
import { skbU32 } from './skb.ts';
import type { ProgRun, Verdict } from './pipeline.ts';

const sameRun = (a: ProgRun, b: ProgRun) =>
  a.prog_id === b.prog_id && a.ret === b.ret && a.tail_calls === undefined && b.tail_calls === undefined;

export class Verdicts {
  private skb: Verdict['skb'] | undefined = undefined;
  private runs: readonly ProgRun[] | undefined = undefined;
  private last: Verdict | undefined = undefined;

  /** This packet's runs so far: the first n of scratch (reused from packet to packet). */
  private scratch: ProgRun[] = [];
  private n = 0;
  /** The run without tail calls last made for each place in a chain: the next packet's is usually equal. */
  private made: ProgRun[] = [];

  beginRuns(): void {
    this.n = 0;
  }

  /** The chain's next program `prog_id` returned `ret`, reaching `tailCalls` (the machine's list: copied). */
  addRun(prog_id: number, ret: number, tailCalls: readonly number[]): void {
    const k = this.n++;
    const r = this.made[k];
    this.scratch[k] = r !== undefined && r.prog_id === prog_id && r.ret === ret && tailCalls.length === 0 ? r : this.newRun(k, prog_id, ret, tailCalls);
  }

  private newRun(k: number, prog_id: number, ret: number, tailCalls: readonly number[]): ProgRun {
    if (tailCalls.length !== 0) return { prog_id, ret, tail_calls: [...tailCalls] };
    return (this.made[k] = { prog_id, ret });
  }

  /** The skb's mark, priority, tc_index and cb[] after the programs. */
  skbOut(m: Machine): Verdict['skb'] {
    // A clean ctx holds only the set-up's fields (Machine.ctxDirty): these are all 0.
    return m.ctxDirty ? this.skbRead(m) : this.zero;
  }

  private readonly zero: Verdict['skb'] = { mark: 0, priority: 0, tc_index: 0, cb: [0, 0, 0, 0, 0] };

  private skbRead(m: Machine): Verdict['skb'] {
    const mark = skbU32(m, SKB.mark), priority = skbU32(m, SKB.priority), tc_index = skbU32(m, SKB.tc_index);
    const c0 = skbU32(m, SKB.cb), c1 = skbU32(m, SKB.cb + 4), c2 = skbU32(m, SKB.cb + 8), c3 = skbU32(m, SKB.cb + 12), c4 = skbU32(m, SKB.cb + 16);
    const s = this.skb;
    if (s !== undefined && s.mark === mark && s.priority === priority && s.tc_index === tc_index &&
      s.cb[0] === c0 && s.cb[1] === c1 && s.cb[2] === c2 && s.cb[3] === c3 && s.cb[4] === c4) return s;
    return (this.skb = { mark, priority, tc_index, cb: [c0, c1, c2, c3, c4] });
  }

  /** The packet's runs as a verdict keeps them: the previous packet's list when equal. */
  runsOut(): readonly ProgRun[] {
    const r = this.runs, n = this.n, s = this.scratch;
    // Runs without tail calls are shared (addRun): equal ones are usually the same object.
    if (r !== undefined && r.length === n) {
      let i = 0;
      while (i < n && r[i] === s[i]) i++;
      if (i === n) return r;
    }
    return this.runsCompared();
  }

  private runsCompared(): readonly ProgRun[] {
    const r = this.runs, n = this.n, s = this.scratch;
    if (r !== undefined && r.length === n) {
      let i = 0;
      while (i < n && sameRun(r[i], s[i])) i++;
      if (i === n) return r;
    }
    return (this.runs = s.slice(0, n));
  }

  /** A pass or drop verdict with the frame unchanged and no reason: the previous packet's when equal. */
  plain(action: 'pass' | 'drop', code: number, m: Machine): Verdict {
    const rs = this.runsOut(), skb = this.skbOut(m);
    const v = this.last;
    if (v !== undefined && v.action === action && v.code === code && v.runs === rs && v.skb === skb) return v;
    return (this.last = { action, code, runs: rs, skb });
  }

  /** A pass or drop verdict, its keys in the order the spreads used to give them (action, code, runs, data, skb, reason). */
  verdict(action: 'pass' | 'drop', code: number, data: string | undefined, m: Machine, reason?: string): Verdict {
    if (data === undefined && reason === undefined) return this.plain(action, code, m);
    const rs = this.runsOut(), skb = this.skbOut(m);
    if (data === undefined) return { action, code, runs: rs, skb, reason };
    return reason === undefined ? { action, code, runs: rs, data, skb } : { action, code, runs: rs, data, skb, reason };
  }
}
