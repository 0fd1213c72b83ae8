// `bpftool net show`: the tc hooks of every device, programs in run order.
import type { KernelState } from '@bpfsim/reducer';
import { devName } from './bpftool.ts';

export function netShow(s: KernelState): string {
  const lines: string[] = ['tc:'];
  void devName;
  return lines.join('\n');
}
