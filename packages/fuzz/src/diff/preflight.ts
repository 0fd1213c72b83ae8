// Whether differential runs can happen here: the oracle's requirements (root, unshare, ip, a C
// compiler) and a kernel as new as the one bpfsim models.
import { release } from 'node:os';
import { liveKernelUnavailable } from '@bpfsim/oracle';

/** The kernel bpfsim models (packages/events/src/uapi.ts): older kernels answer differently by design. */
export const MODELLED_KERNEL: readonly [number, number] = [6, 18];

/** undefined when `uname -r` is at least MODELLED_KERNEL; otherwise why not. */
export function kernelTooOld(uname: string = release()): string | undefined {
  const m = /^(\d+)\.(\d+)/.exec(uname);
  if (!m) return `cannot tell the kernel version from uname -r ${JSON.stringify(uname)}`;
  const [maj, min] = [Number(m[1]), Number(m[2])];
  const [wm, wn] = MODELLED_KERNEL;
  if (maj > wm || (maj === wm && min >= wn)) return undefined;
  return `the kernel is Linux ${uname}, older than the ${wm}.${wn} bpfsim models (set BPFSIM_ANY_KERNEL=1 to compare anyway)`;
}

/**
 * undefined when traces can run on the live kernel and be compared with the model; otherwise what
 * is missing (not root, no unshare, no C compiler, a kernel older than the one modelled, ...).
 */
export function differentialUnavailable(): string | undefined {
  return liveKernelUnavailable() ?? (process.env.BPFSIM_ANY_KERNEL ? undefined : kernelTooOld());
}
