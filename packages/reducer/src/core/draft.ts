import type { Draft } from 'immer';
import type { KernelState } from '../state.ts';

/** The mutable view a reducer gets inside immer's produce. */
export type S = Draft<KernelState>;
