// Format version 2's event records (FORMAT.md, "Event records"): [event, result] with every map
// written as a msgpackr record, whose keys are not repeated but named once per file by a shared
// structure. Structures are defined in-band, by `structures` records written before the first
// event record that uses them, so a reader of a torn file has every definition its intact
// records need. Decoding a record then builds each object from a compiled literal for its key list
// (msgpackr's structure readers), several times faster than reading keys from the bytes.
import { Packr, Unpackr } from 'msgpackr';
import type { Event, Result } from '@bpfsim/events';

/** msgpackr's limit on shared structures; past it, a record defines its new structures inline. */
export const MAX_SHARED_STRUCTURES = 8160;

/** A `structures` record's fields: the key lists of structures first, first + 1, ... */
export interface StructuresDefined { readonly first: number; readonly keys: readonly (readonly string[])[] }

/** msgpackr's table of shared structures (key lists), with the count it treats as shared. */
type Table = string[][] & { sharedLength?: number };

/** Packs event records for one trace: its table of structures grows as new shapes of objects appear. */
export class EventPacker {
  readonly #table: Table = [];
  readonly #packr = new Packr({
    useRecords: true, structures: this.#table, maxSharedStructures: MAX_SHARED_STRUCTURES,
    mapsAsObjects: true, moreTypes: false, bundleStrings: false,
  });

  /**
   * The payload of an event record (valid until the next call), and the structures it uses that
   * no earlier record defined. `defined` is set even when packing throws (the table has grown):
   * the writer must still write it, so that later records find their structures.
   */
  pack(event: Event, result: Result): { payload?: Uint8Array; defined?: StructuresDefined; error?: unknown } {
    const first = this.#table.sharedLength ?? 0;
    let payload: Uint8Array | undefined, error: unknown;
    try { payload = this.#packr.pack([event, result]); } catch (e) { error = e; }
    const end = this.#table.sharedLength ?? 0;
    const defined = end > first ? { first, keys: this.#table.slice(first, end).map((k) => [...k]) } : undefined;
    return { ...(payload ? { payload } : {}), ...(defined ? { defined } : {}), ...(error !== undefined ? { error } : {}) };
  }
}

/** Unpacks event records of a trace whose `structures` records defined `table` (in order). */
export function eventUnpackr(table: readonly (readonly string[])[]): Unpackr {
  // getStructures hands the table to msgpackr on the first record that needs it (msgpackr then
  // marks which structures take a second id byte).
  const copy = table.map((k) => [...k]);
  return new Unpackr({ useRecords: true, mapsAsObjects: true, moreTypes: false, getStructures: () => copy });
}
