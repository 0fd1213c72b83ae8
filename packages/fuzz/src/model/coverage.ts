// Coverage of a fuzzing run: how often each (bpf command or event kind, outcome) pair was reached,
// where the outcome is 'ok' or the errno's name. Merging is order-independent.
import { errnoName, type Event, type Result } from '@bpfsim/events';

export type CoverageJSON = Record<string, Record<string, number>>;

/** 'BPF_PROG_ATTACH' for a bpf event, the kind otherwise. */
export const labelOf = (e: Event): string => (e.kind === 'bpf' ? e.cmd : e.kind);
/** 'ok' or the errno's name. */
export const outcomeOf = (r: Result): string => (r.ret < 0 ? errnoName(r.ret) : 'ok');

export class Coverage {
  readonly #by = new Map<string, Map<string, number>>();

  add(e: Event, r: Result, n = 1): void {
    this.addPair(labelOf(e), outcomeOf(r), n);
  }

  addPair(label: string, outcome: string, n = 1): void {
    let m = this.#by.get(label);
    if (!m) { m = new Map(); this.#by.set(label, m); }
    m.set(outcome, (m.get(outcome) ?? 0) + n);
  }

  merge(other: Coverage | CoverageJSON): this {
    if (other instanceof Coverage) {
      // straight from its maps: toJSON would sort them first, for nothing (merging is order-independent)
      for (const [l, o] of other.#by) for (const [k, n] of o) this.addPair(l, k, n);
      return this;
    }
    for (const [l, o] of Object.entries(other)) for (const [k, n] of Object.entries(o)) this.addPair(l, k, n);
    return this;
  }

  /** Distinct (label, outcome) pairs reached. */
  get pairs(): number {
    let n = 0;
    for (const m of this.#by.values()) n += m.size;
    return n;
  }

  get events(): number {
    let n = 0;
    for (const m of this.#by.values()) for (const c of m.values()) n += c;
    return n;
  }

  has(label: string, outcome: string): boolean { return (this.#by.get(label)?.get(outcome) ?? 0) > 0; }

  /** Calls f with every (label, outcome) pair reached and its count, in no particular order. */
  forEachPair(f: (label: string, outcome: string, n: number) => void): void {
    for (const [l, m] of this.#by) for (const [k, n] of m) f(l, k, n);
  }

  /** toJSON unsorted, for merging elsewhere (order-independent). */
  toMergeable(): CoverageJSON {
    const out: CoverageJSON = {};
    for (const [l, m] of this.#by) {
      const o: Record<string, number> = {};
      for (const [k, n] of m) o[k] = n;
      out[l] = o;
    }
    return out;
  }

  /** Sorted: bpf commands first, then other kinds; 'ok' first, then errnos by name. */
  toJSON(): CoverageJSON {
    const labels = [...this.#by.keys()].sort((a, b) => (a.startsWith('BPF_') === b.startsWith('BPF_') ? a.localeCompare(b) : a.startsWith('BPF_') ? -1 : 1));
    const out: CoverageJSON = {};
    for (const l of labels) {
      const m = this.#by.get(l)!;
      out[l] = Object.fromEntries([...m.entries()].sort(([a], [b]) => (a === 'ok' ? -1 : b === 'ok' ? 1 : a.localeCompare(b))));
    }
    return out;
  }

  static fromJSON(j: CoverageJSON): Coverage { return new Coverage().merge(j); }

  /** One row per command or kind: its events and outcomes. */
  table(): string {
    const j = this.toJSON();
    const rows = Object.entries(j).map(([l, o]) => [l, String(Object.values(o).reduce((a, b) => a + b, 0)), Object.entries(o).map(([k, n]) => `${k}×${n}`).join(' ')]);
    rows.unshift(['event', 'count', 'outcomes']);
    rows.push(['total', String(this.events), `${this.pairs} (cmd, outcome) pairs`]);
    const w0 = Math.max(...rows.map((r) => r[0].length)), w1 = Math.max(...rows.map((r) => r[1].length));
    return rows.map((r) => `${r[0].padEnd(w0)}  ${r[1].padStart(w1)}  ${r[2]}`.trimEnd()).join('\n');
  }
}
