import type { KernelState } from '@bpfsim/reducer';
import { linkShow, mapShow, progShow } from './bpftool.ts';
import { netShow } from './net.ts';

/** The whole state, section by section, as bpftool would show it. */
export function showState(s: KernelState): string {
  const section = (title: string, body: string) => `# ${title}\n${body || '(none)'}\n`;
  return [
    section('bpftool prog show', progShow(s)),
    section('bpftool map show', mapShow(s)),
    section('bpftool link show', linkShow(s)),
    section('bpftool net show', netShow(s)),
  ].join('\n');
}
