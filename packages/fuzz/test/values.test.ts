// The kernel invariants' ValuesCache answers Object.values(table), by either way of listing a
// table, and never from memory for a table that can still change.
import { describe, expect, it } from 'vitest';
import { ValuesCache } from '../src/model/values.ts';

const tables = (): Record<string | number, unknown>[] => {
  const odd: Record<string | number, unknown> = { 200: 'b', 100: 'a', name: 'n', 7: 'c' };
  Object.defineProperty(odd, 'hidden', { value: 'h', enumerable: false });
  (odd as Record<symbol, unknown>)[Symbol('s')] = 's';
  return [{}, { 0: 'x', 1: 'y', 3: 'z' }, { 100: 'p', 200: 'q', 201: 'r' }, { '/a': 1, '/b': 2 }, odd];
};

describe('ValuesCache', () => {
  for (const sparse of [false, true]) {
    it(`lists a table as Object.values does (${sparse ? 'sparse' : 'dense'})`, () => {
      const c = new ValuesCache(2, sparse);
      for (const t of tables()) {
        expect(c.of(t)).toEqual(Object.values(t));
        const frozen = Object.freeze({ ...t });
        expect(c.of(frozen)).toEqual(Object.values(frozen));
        expect(c.of(frozen)).toEqual(Object.values(frozen)); // from memory
      }
    });

    it(`answers afresh for a table that is not frozen (${sparse ? 'sparse' : 'dense'})`, () => {
      const c = new ValuesCache(2, sparse);
      const t: Record<number, string> = { 100: 'a' };
      expect(c.of(t)).toEqual(['a']);
      t[200] = 'b';
      expect(c.of(t)).toEqual(['a', 'b']);
      delete t[100];
      expect(c.of(t)).toEqual(['b']);
    });
  }
});
