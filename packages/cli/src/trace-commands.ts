// The trace commands, for main.ts: one entry point and their usage text.
import { recordCommand } from './record.ts';
import { replayCommand } from './replay.ts';
import { showCommand } from './show.ts';
import { diffCommand } from './diff.ts';
import { blameCommand } from './blame.ts';
import { bisectCommand } from './bisect.ts';
import { debugCommand } from './debug.ts';
import { CliError } from './errors.ts';
import { TraceError } from '@bpfsim/replay';

export const TRACE_COMMANDS = ['record', 'replay', 'show', 'diff', 'blame', 'bisect', 'debug'] as const;

export const TRACE_USAGE = `  record SCENARIO -o TRACE
                fold a scenario, recording every event, its result and state hashes to TRACE
                  --hash-every N      a state hash every N events (default 256)
                  --snapshot-every N  a full state snapshot every N events (default auto: every 8,192
                                      unless snapshots would take over a ninth of the file)
                  --fsync MODE        never | hash (default: at every hash record) | always
  replay TRACE  fold a trace, checking every result and state hash; exit 1 at a divergence,
                3 when all intact events agree but the trace is damaged or unclosed
                  --quiet             print nothing when everything agrees
                  --progress MODE     auto (default: on a terminal, long traces) | always | never
                  --timeline          print every event, its result, its packets' fates and what it changed
                  --workers N         threads besides this one replaying the segments between
                                      snapshots (default: one per other core, for traces over 32 MB)
  show TRACE [--at N]
                the state after N events (default: the end) as bpftool prints it (--json: as JSON)
  diff TRACE A B
                what changed in the state between positions A and B (N: after N events);
  diff TRACE N  what event N changed          (--path PATH: only under PATH)
  blame TRACE PATH [--at N]
                the event that last changed PATH (e.g. netdevs.3.tcx_ingress.items[1])
  bisect TRACE --invariant NAME [--linear]
                the first event after which an invariant fails (references, tcx); exit 1 if it does
  debug TRACE   step through a trace interactively: step, back, goto N, print PATH, watch PATH,
                break on a bpf command, event kind or errno, continue, quit (help lists all)`;

export async function traceCommand(cmd: string, args: string[]): Promise<number> {
  // Output piped into `head` and the like: stop quietly when the reader goes away.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); throw e; });
  try {
    return await run(cmd, args);
  } catch (e) {
    // A record that passed its CRC but cannot be decoded or folded: a message, not a stack trace.
    if (e instanceof TraceError) throw new CliError(e.message, 2);
    throw e;
  }
}

function run(cmd: string, args: string[]): number | Promise<number> {
  switch (cmd) {
    case 'record': return recordCommand(args);
    case 'replay': return replayCommand(args);
    case 'show': return showCommand(args);
    case 'diff': return diffCommand(args);
    case 'blame': return blameCommand(args);
    case 'bisect': return bisectCommand(args);
    default: return debugCommand(args);
  }
}
