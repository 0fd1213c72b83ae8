// Object.values of the kernel state's tables, remembered for the last few frozen tables seen. The
// fold shares every table an event did not change, so most tables the invariants walk after an
// event are ones they walked after the previous event; and enumerating a table keyed by sparse
// integers (pids, ids) is V8's slow path (~0.5 us for a table of two pids, in dictionary elements).
// A frozen object cannot change, so its values stay right. A WeakMap would do too, but its get and
// set cost as much as enumerating a small table: a few slots compared by identity are cheaper.

export class ValuesCache {
  readonly #tables: (object | undefined)[];
  readonly #values: (readonly unknown[] | undefined)[];
  #next = 0;

  constructor(slots = 4) {
    this.#tables = new Array(slots).fill(undefined);
    this.#values = new Array(slots).fill(undefined);
  }

  /** Object.values(table), from memory when the table is a frozen one seen lately. */
  of<T>(table: Readonly<Record<number | string, T>>): readonly T[] {
    const tables = this.#tables;
    for (let i = 0; i < tables.length; i++) if (tables[i] === table) return this.#values[i] as readonly T[];
    const v = Object.values(table);
    if (Object.isFrozen(table)) {
      const i = this.#next;
      tables[i] = table;
      this.#values[i] = v;
      this.#next = i + 1 === tables.length ? 0 : i + 1;
    }
    return v;
  }
}
