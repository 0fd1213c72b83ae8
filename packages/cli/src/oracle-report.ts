// How check and diffuzz show a divergence: the event strace-style, both answers, and the difference.
import type { Event, Result } from '@bpfsim/events';
import type { ModelAnswer } from '@bpfsim/fuzz';
import { formatCall, formatResult } from '@bpfsim/replay';

const indent = (text: string, by: string) => text.split('\n').map((l) => by + l).join('\n');

/** The answer as strace would print it (`= 3`, `= -1 ENOENT {...}`), or what the model threw. */
export function formatAnswer(a: ModelAnswer | Result | undefined): string {
  if (!a) return '(no answer)';
  if ('threw' in a && a.threw !== undefined) return `threw: ${a.threw}`;
  const r = 'result' in a && a.result ? a.result : (a as Result);
  return formatResult(r);
}

/**
 * One divergence: `index` is the event's index in the trace `events` (the lines before it, up to
 * `context`, are shown too, for orientation).
 */
export function formatDivergence(events: readonly Event[], index: number, kernel: Result | undefined, model: ModelAnswer | undefined, diff: string, context = 0): string {
  const lines: string[] = [];
  for (let i = Math.max(0, index - context); i < index; i++) lines.push(`  ${String(i).padStart(4)}  ${formatCall(events[i])}`);
  lines.push(`> ${String(index).padStart(4)}  ${formatCall(events[index])}`);
  lines.push(`        model:  ${formatAnswer(model)}`);
  lines.push(`        kernel: ${formatAnswer(kernel)}`);
  lines.push(indent(diff, '        '));
  return lines.join('\n');
}
