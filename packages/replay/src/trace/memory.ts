// Traces in memory, from events (folding them) or from recorded entries.
import type { Event, Result } from '@bpfsim/events';
import { initialState, type KernelState } from '@bpfsim/reducer';
import { kernelFold as fold } from '@bpfsim/kernel';
import { Trace } from './reader.ts';
import { MemorySink, TraceWriter, type TraceWriterOptions } from './writer.ts';

/**
 * Encodes events as a trace in memory, folding them from `initialState(seed)` (or opts.state) to
 * record their results and hashes; or, with `entries`, records the given results as they are.
 */
export function traceFromEntries(
  events: readonly Event[] | readonly { readonly event: Event; readonly result: Result }[],
  opts: TraceWriterOptions & { readonly fold?: typeof fold } = {},
): { bytes: Uint8Array; trace: Trace; states: KernelState[] } {
  const sink = new MemorySink();
  const w = new TraceWriter(sink, opts);
  const f = opts.fold ?? fold;
  let state = opts.state ?? initialState(opts.seed ?? 0);
  const states = [state];
  for (const x of events) {
    const entry = 'event' in x && 'result' in x ? x : undefined;
    const event = entry ? entry.event : (x as Event);
    const r = f(state, event);
    state = r.state;
    states.push(state);
    w.append({ event, result: entry ? entry.result : r.result }, state);
  }
  w.close(state);
  const bytes = sink.bytes();
  return { bytes, trace: Trace.open(bytes), states };
}
