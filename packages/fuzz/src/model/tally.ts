// A multiset of ids, emptied and refilled after every event by the references invariant: small
// non-negative integer ids (what the kernel hands out in a fuzzed run) are counted in typed arrays
// stamped with the fill they belong to, so emptying costs nothing; any other id goes to a Map.
// Answers are exactly a Map<id, count>'s (ids compare as Map keys do: SameValueZero).

const SMALL = 4096;
const small = (id: number) => (id >>> 0) === id && id < SMALL;

export class Tally {
  readonly #count = new Int32Array(SMALL);
  readonly #stamp = new Uint32Array(SMALL);
  #fill = 1;
  readonly #other = new Map<number, number>();
  #size = 0;

  clear(): void {
    if (++this.#fill === 0xffffffff) { this.#stamp.fill(0); this.#fill = 1; }
    if (this.#other.size) this.#other.clear();
    this.#size = 0;
  }

  add(id: number): void {
    if (small(id)) {
      if (this.#stamp[id] !== this.#fill) { this.#stamp[id] = this.#fill; this.#count[id] = 0; this.#size++; }
      this.#count[id]++;
    } else {
      const n = this.#other.get(id);
      if (n === undefined) this.#size++;
      this.#other.set(id, (n ?? 0) + 1);
    }
  }

  /** Whether `id` is in the tally. */
  has(id: number): boolean {
    return small(id) ? this.#stamp[id] === this.#fill : this.#other.has(id);
  }

  /** The count of `id` (0 when absent), which then leaves the tally. */
  take(id: number): number {
    if (small(id)) {
      if (this.#stamp[id] !== this.#fill) return 0;
      this.#stamp[id] = 0;
      this.#size--;
      return this.#count[id];
    }
    const n = this.#other.get(id);
    if (n === undefined) return 0;
    this.#other.delete(id);
    this.#size--;
    return n;
  }

  /** Distinct ids in the tally. */
  get size(): number { return this.#size; }
}
