// Progress of a campaign: a bar redrawn in place on a terminal, plain lines otherwise.
import type { CampaignProgress } from './campaign.ts';

export interface ProgressSink { write(s: string): unknown; readonly isTTY?: boolean; readonly columns?: number }

const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** A progress callback for runCampaign writing to `out` (a bar when out.isTTY). */
export function progressPrinter(out: ProgressSink): { update: (p: CampaignProgress) => void; done: () => void } {
  const tty = !!out.isTTY;
  let drawn = false;
  let shrinkLine = -1;
  return {
    update(p) {
      if (tty) {
        const width = 20;
        const frac = p.events ? Math.min(1, p.eventsDone / p.events) : 1;
        const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
        const tail = p.phase === 'shrink' && p.shrink
          ? `shrinking: ${p.shrink.length} events left after ${p.shrink.runs} runs`
          : `${p.divergences} divergence${p.divergences === 1 ? '' : 's'}`;
        const line = `[${bar}] ${p.eventsDone}/${p.events} events  ${p.tracesDone}/${p.traces} traces  ${tail}  ${secs(p.elapsedMs)}`;
        out.write(`\r${line.slice(0, (out.columns ?? 120) - 1)}\x1b[K`);
        drawn = true;
        return;
      }
      if (p.phase === 'shrink') {
        // off a terminal, a line every 25 kernel runs
        const n = Math.floor((p.shrink?.runs ?? 0) / 25);
        if (p.shrink && n !== shrinkLine) { shrinkLine = n; out.write(`shrinking: ${p.shrink.length} events left after ${p.shrink.runs} kernel runs, ${secs(p.elapsedMs)}\n`); }
        return;
      }
      shrinkLine = -1;
      const c = p.last?.comparison;
      const verdict = !p.last ? 'the oracle failed on this trace' : c?.first === undefined ? `${c?.events.length} agree` : `diverges at event ${c.first}`;
      out.write(`trace ${p.tracesDone}/${p.traces}${p.last ? ` (seed ${p.last.seed})` : ''}: ${verdict}; ${p.eventsDone}/${p.events} events, ${p.divergences} divergences, ${secs(p.elapsedMs)}\n`);
    },
    done() { if (tty && drawn) out.write('\n'); },
  };
}
