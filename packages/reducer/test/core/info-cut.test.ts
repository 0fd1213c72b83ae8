// cutInfo (a copier compiled per layout and length) copies what the plain loop copies: the fields
// of the layout that fit in the length, in the layout's order, that the info has.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BPF_LINK_INFO, BPF_LINK_INFO_TCX, BPF_MAP_INFO, BPF_PROG_INFO, type InfoField } from '@bpfsim/events';
import { cutInfo } from '../../src/core/info.ts';

function reference(info: Record<string, unknown>, layout: readonly InfoField[], len: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of layout) if (f.offset + f.size <= len && f.name in info) out[f.name] = info[f.name];
  return out;
}

const LAYOUTS: readonly (readonly InfoField[])[] = [BPF_PROG_INFO, BPF_MAP_INFO, [...BPF_LINK_INFO, ...BPF_LINK_INFO_TCX]];

describe('cutInfo', () => {
  it('copies what the plain loop copies, keys in the same order, for any length and any subset of fields', () => {
    fc.assert(fc.property(fc.constantFrom(...LAYOUTS), fc.integer({ min: 0, max: 300 }), fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }), fc.integer(),
      (layout, len, present, v) => {
        const info: Record<string, unknown> = {};
        layout.forEach((f, i) => { if (present[i % 64]) info[f.name] = v + i; });
        const got = cutInfo(info, layout, len);
        const want = reference(info, layout, len);
        expect(Object.keys(got)).toEqual(Object.keys(want));
        expect(got).toEqual(want);
      }), { numRuns: 500, seed: 31 });
  });
});
