// Recording a Kernel as it runs: the facade's onEvent hook feeds a TraceWriter.
import type { Kernel } from '@bpfsim/kernel';
import { initialState } from '@bpfsim/reducer';
import { stateHash } from './hash.ts';
import { FileSink, TraceWriter, type TraceSink, type TraceWriterOptions } from './writer.ts';

export interface Recorder {
  readonly writer: TraceWriter;
  /** Writes the end record with the kernel's current state, closes the file and unhooks. */
  stop(): void;
}

/**
 * Records every event `kernel` folds from now on to `target` (a path or a sink). The header
 * takes the kernel's seed, and its current state unless that is `initialState(seed)`. An onEvent
 * hook already set keeps being called, after the recorder.
 */
export function recordKernel(kernel: Kernel, target: string | TraceSink, opts: Omit<TraceWriterOptions, 'seed' | 'state'> = {}): Recorder {
  const start = kernel.state;
  const fresh = stateHash(start) === stateHash(initialState(kernel.seed));
  const sink = typeof target === 'string' ? new FileSink(target) : target;
  const writer = new TraceWriter(sink, { snapshotEvery: 'auto', ...opts, seed: kernel.seed, ...(fresh ? {} : { state: start }) });
  const previous = kernel.onEvent;
  const hook: NonNullable<Kernel['onEvent']> = (entry, state) => {
    writer.append(entry, state);
    previous?.(entry, state);
  };
  kernel.onEvent = hook;
  return {
    writer,
    stop() {
      if (kernel.onEvent === hook) kernel.onEvent = previous;
      writer.close(kernel.state);
    },
  };
}
