import type { Draft } from '../draft/index.ts';
import type { KernelState } from '../state.ts';

/** The mutable view a reducer gets inside immer's produce. */
export type S = Draft<KernelState>;
