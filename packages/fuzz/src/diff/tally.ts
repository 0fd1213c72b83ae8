// Per-syscall counts of a differential run: events, agreed, diverged, and the (cmd, errno) pairs the
// kernel answered.
import type { TraceComparison } from './compare.ts';
import { labelOf, outcomeOf } from './compare.ts';

export interface CmdCounts {
  /** Events of this command run on both sides. */
  events: number;
  /** Answered alike, before their trace's first divergence. */
  agreed: number;
  /** First divergences of a trace (at most one per trace). */
  diverged: number;
  /** After their trace's first divergence: run, not judged (the two states may differ by then). */
  after: number;
  /** How often the kernel answered each outcome ('ok' or an errno name). */
  outcomes: Record<string, number>;
}

export type TallyJSON = Record<string, CmdCounts>;

export class Tally {
  readonly byCmd = new Map<string, CmdCounts>();

  private counts(label: string): CmdCounts {
    let c = this.byCmd.get(label);
    if (!c) { c = { events: 0, agreed: 0, diverged: 0, after: 0, outcomes: {} }; this.byCmd.set(label, c); }
    return c;
  }

  /** Counts one compared trace. */
  add(cmp: TraceComparison): void {
    cmp.events.forEach((e, i) => {
      const c = this.counts(labelOf(e));
      c.events++;
      const k = cmp.kernelResults[i];
      if (k) { const o = outcomeOf(k); c.outcomes[o] = (c.outcomes[o] ?? 0) + 1; }
      if (cmp.first === undefined || i < cmp.first) c.agreed++;
      else if (i === cmp.first) c.diverged++;
      else c.after++;
    });
  }

  merge(other: Tally): void {
    for (const [label, o] of other.byCmd) {
      const c = this.counts(label);
      c.events += o.events; c.agreed += o.agreed; c.diverged += o.diverged; c.after += o.after;
      for (const [k, n] of Object.entries(o.outcomes)) c.outcomes[k] = (c.outcomes[k] ?? 0) + n;
    }
  }

  totals(): { events: number; agreed: number; diverged: number; after: number; pairs: number } {
    let events = 0, agreed = 0, diverged = 0, after = 0, pairs = 0;
    for (const c of this.byCmd.values()) { events += c.events; agreed += c.agreed; diverged += c.diverged; after += c.after; pairs += Object.keys(c.outcomes).length; }
    return { events, agreed, diverged, after, pairs };
  }

  /** Labels sorted: bpf commands first, then the other kinds. */
  labels(): string[] {
    return [...this.byCmd.keys()].sort((a, b) => (a.startsWith('BPF_') === b.startsWith('BPF_') ? a.localeCompare(b) : a.startsWith('BPF_') ? -1 : 1));
  }

  toJSON(): TallyJSON {
    const out: TallyJSON = {};
    for (const l of this.labels()) {
      const c = this.byCmd.get(l)!;
      out[l] = { ...c, outcomes: Object.fromEntries(Object.entries(c.outcomes).sort(([a], [b]) => (a === 'ok' ? -1 : b === 'ok' ? 1 : a.localeCompare(b)))) };
    }
    return out;
  }

  static fromJSON(j: TallyJSON): Tally {
    const t = new Tally();
    for (const [l, c] of Object.entries(j)) t.byCmd.set(l, { ...c, outcomes: { ...c.outcomes } });
    return t;
  }

  /** The summary table: one row per command, then the totals. */
  table(): string {
    const rows: string[][] = [['cmd', 'events', 'agreed', 'diverged', 'after', '(cmd, errno) reached on the kernel']];
    const j = this.toJSON();
    for (const l of this.labels()) {
      const c = j[l];
      rows.push([l, String(c.events), String(c.agreed), String(c.diverged), String(c.after), Object.entries(c.outcomes).map(([o, n]) => `${o}×${n}`).join(' ')]);
    }
    const t = this.totals();
    rows.push(['total', String(t.events), String(t.agreed), String(t.diverged), String(t.after), `${t.pairs} pairs`]);
    const w = rows[0].map((_, i) => (i === rows[0].length - 1 ? 0 : Math.max(...rows.map((r) => r[i].length))));
    return rows.map((r, ri) => r.map((cell, i) => (i === 0 ? cell.padEnd(w[i]) : i === r.length - 1 ? cell : cell.padStart(w[i]))).join('  ').trimEnd()
      + (ri === 0 ? `\n${'-'.repeat(w.reduce((a, b) => a + b + 2, 0) + 34)}` : '')).join('\n');
  }
}
