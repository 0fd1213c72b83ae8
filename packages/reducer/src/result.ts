import { errno, type ErrnoName, type Result } from '@bpfsim/events';

export const ok = (ret = 0, out?: Record<string, unknown>): Result => (out ? { ret, out } : { ret });
/** The kernel's `return -ENOENT`. */
export const fail = (name: ErrnoName, out?: Record<string, unknown>): Result => (out ? { ret: -errno[name], out } : { ret: -errno[name] });
/** A check result: an errno name to fail with, or undefined to go on. */
export type Check = ErrnoName | undefined;
