// Object.values of the kernel state's tables, remembered for the last few frozen tables seen. The
// fold shares every table an event did not change, so most tables the invariants walk after an
// event are ones they walked after the previous event; and enumerating a table keyed by sparse
// integers (pids, ids) is V8's slow path (~0.5 us for a table of two pids, in dictionary elements).
// A frozen object cannot change, so its values stay right. A WeakMap would do too, but its get and
// set cost as much as enumerating a small table: a few slots compared by identity are cheaper.

//
// A table keyed by large integers (pids: 100, 200) is the costly case: V8 enumerates its element
// store slot by slot, and Object.values allocates ~2.6 KB to list two of them (Reflect.ownKeys
// ~0.4 KB, in about the same time). Such tables get a cache made `sparse`, which lists them by
// their own keys instead (the same values in the same order).

const isEnumerable = Object.prototype.propertyIsEnumerable;

/** Object.values(table) through Reflect.ownKeys: the enumerable string-keyed values, in the same order. */
function valuesByKeys<T>(table: Readonly<Record<number | string, T>>): T[] {
  const keys = Reflect.ownKeys(table), out: T[] = [];
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (typeof k === 'string' && isEnumerable.call(table, k)) out.push(table[k]);
  }
  return out;
}

export class ValuesCache {
  readonly #tables: (object | undefined)[];
  readonly #values: (readonly unknown[] | undefined)[];
  readonly #sparse: boolean;
  #next = 0;

  /** `sparse`: the tables are keyed by large integers (see above). */
  constructor(slots = 4, sparse = false) {
    this.#tables = new Array(slots).fill(undefined);
    this.#values = new Array(slots).fill(undefined);
    this.#sparse = sparse;
  }

  /** Object.values(table), from memory when the table is a frozen one seen lately. */
  of<T>(table: Readonly<Record<number | string, T>>): readonly T[] {
    const tables = this.#tables;
    for (let i = 0; i < tables.length; i++) if (tables[i] === table) return this.#values[i] as readonly T[];
    const v = this.#sparse ? valuesByKeys(table) : Object.values(table);
    if (Object.isFrozen(table)) {
      const i = this.#next;
      tables[i] = table;
      this.#values[i] = v;
      this.#next = i + 1 === tables.length ? 0 : i + 1;
    }
    return v;
  }
}
