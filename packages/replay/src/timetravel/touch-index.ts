// Blame's index over a run of events: for each event, the ids of the path prefixes it changed
// (ids interned by the caller), in two growing Int32Arrays rather than an array per event.

export class TouchIndex {
  /** The first event indexed. */
  readonly start: number;
  /** Events [start, end) are indexed. */
  end: number;
  #ids = new Int32Array(1024);
  /** Event start + k's ids are #ids[#at[k] .. #at[k + 1]). */
  #at = new Int32Array(1025);
  #len = 0;

  constructor(start: number) {
    this.start = this.end = start;
  }

  /** Indexes event `end`: the ids of what it changed. */
  push(ids: readonly number[]): void {
    if (this.#len + ids.length > this.#ids.length) {
      const grown = new Int32Array(Math.max(this.#ids.length * 2, this.#len + ids.length));
      grown.set(this.#ids);
      this.#ids = grown;
    }
    for (const id of ids) this.#ids[this.#len++] = id;
    const k = this.end - this.start;
    if (k + 2 > this.#at.length) {
      const grown = new Int32Array(this.#at.length * 2);
      grown.set(this.#at);
      this.#at = grown;
    }
    this.#at[k + 1] = this.#len;
    this.end++;
  }

  /** The last event at or before `i` (and indexed) that changed a prefix whose id `related` marks, or -1. */
  lastTouching(i: number, related: readonly boolean[]): number {
    for (let e = Math.min(i, this.end - 1); e >= this.start; e--) {
      const k = e - this.start;
      for (let x = this.#at[k]; x < this.#at[k + 1]; x++) if (related[this.#ids[x]]) return e;
    }
    return -1;
  }
}
