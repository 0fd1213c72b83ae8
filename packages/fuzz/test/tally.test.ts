// The references and chain invariants' scratch multiset answers exactly as a Map<id, count> does,
// across fills (its typed arrays are stamped, not emptied: a stale stamp must never count).
import { describe, expect, it } from 'vitest';
import { Tally } from '../src/model/tally.ts';

describe('Tally', () => {
  it('answers add, has, take and size as a Map of counts, fill after fill', () => {
    const t = new Tally();
    let seed = 7;
    const rand = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed % n; };
    const ids = [0, 1, 2, 5, 4095, 4096, 70000, -1, 0.5, 2 ** 32 + 1, NaN];
    for (let fill = 0; fill < 200; fill++) {
      t.clear();
      const m = new Map<number, number>();
      for (let op = 0; op < 40; op++) {
        const id = ids[rand(ids.length)];
        const what = rand(3);
        if (what === 0) { t.add(id); m.set(id, (m.get(id) ?? 0) + 1); }
        else if (what === 1) expect(t.has(id)).toBe(m.has(id));
        else { expect(t.take(id)).toBe(m.get(id) ?? 0); m.delete(id); }
        expect(t.size).toBe(m.size);
      }
    }
  });
});
