// The eBPF conformance suite's helper table: helper 5 is uBPF's "unwind" test helper, which
// returns its first argument and, when that is 0, ends the program at once (r0 = 0).
import { Exit } from '../fault.ts';
import { HelperTable, type HelperFn } from './table.ts';

const unwind: HelperFn = (m, l1, h1) => {
  if (l1 === 0 && h1 === 0) throw new Exit(0, 0);
  m.rh = h1;
  return l1;
};

export const CONFORMANCE_HELPERS = new HelperTable('conformance', new Map([[5, unwind]]), false);
