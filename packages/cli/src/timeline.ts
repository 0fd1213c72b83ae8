// `bpfsim replay TRACE --timeline`: every event as strace would print it, what became of each packet,
// and what the event changed in the state.
import type { Event, Result } from '@bpfsim/events';
import type { KernelState } from '@bpfsim/reducer';
import { formatCall, formatResult } from '@bpfsim/replay';
import { diffLines, formatDiffLine } from '@bpfsim/replay';

const MAX_CHANGES = 4;

interface VerdictLike { action: string; runs: readonly { prog_id: number; ret: number }[]; redirect?: { ifindex: number } }

function packetsSummary(r: Result): string {
  const vs = (r.out?.verdicts ?? []) as VerdictLike[];
  return vs.map((v, i) => `packet ${i}: ${v.action}${v.redirect ? ` to ${v.redirect.ifindex}` : ''} after ${v.runs.length ? v.runs.map((x) => `prog ${x.prog_id} -> ${x.ret}`).join(', ') : 'no programs'}`).join('\n        ');
}

export function printTimelineEntry(i: number, e: Event, r: Result, before: KernelState, after: KernelState): void {
  const lines = [`${String(i).padStart(5)}  ${formatCall(e)} ${e.kind === 'packets' ? `= ${r.ret}` : formatResult(r)}`];
  if (e.kind === 'packets') lines.push(`        ${packetsSummary(r)}`);
  if (before !== after) {
    const d = diffLines(before, after);
    for (const l of d.slice(0, MAX_CHANGES)) lines.push(`        ${formatDiffLine(l, 120)}`);
    if (d.length > MAX_CHANGES) lines.push(`        … ${d.length - MAX_CHANGES} more changes (bpfsim diff TRACE ${i})`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}
