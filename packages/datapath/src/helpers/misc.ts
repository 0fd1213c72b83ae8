// Time, randomness and the CPU: bpf_ktime_get_ns (5) and its boot/coarse/tai variants (125, 160, 208)
// read the batch's clock input; bpf_get_prandom_u32 (7) the batch's seeded generator; one CPU, node 0.
import type { HelperFn } from './table.ts';
import { retU32 } from './args.ts';

export const ktimeGetNs: HelperFn = (m) => {
  const t = BigInt.asUintN(64, m.clockNs);
  m.rh = Number(t >> 32n) | 0;
  return Number(t & 0xffffffffn) | 0;
};

export const getPrandomU32: HelperFn = (m) => retU32(m, m.rng.u32());
export const getSmpProcessorId: HelperFn = (m) => retU32(m, 0);
export const getNumaNodeId: HelperFn = (m) => retU32(m, 0);
