import { freeze } from './draft/index.ts';
import type { KernelState } from './state.ts';
import { seedRng } from './rng.ts';
import { LOOPBACK } from './netdev/netdev.ts';

/** A freshly booted kernel in a fresh network namespace: only `lo`, no processes, empty bpffs. */
export function initialState(seed = 0): KernelState {
  return freeze({
    rng: seedRng(seed),
    procs: {},
    progs: {},
    maps: {},
    links: {},
    nextId: { prog: 1, map: 1, link: 1 },
    netdevs: { [LOOPBACK.ifindex]: LOOPBACK },
    nextIfindex: 2,
    bpffs: {},
    clock_ns: 0,
  }, true);
}
