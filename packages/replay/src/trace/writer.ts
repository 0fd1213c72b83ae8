// Writing traces as events happen. Each record goes to the file with one write(2) as soon as it is
// appended: nothing is buffered in the process, so a process that dies (even by SIGKILL) loses at
// most the record being written, which readers drop as a torn tail. Durability against power loss
// or a kernel crash is the fsync policy's business:
//   'hash'   (default) fdatasync after every hash record and at close: at most `hashEvery` events
//            (and their records) can be lost with the machine;
//   'always' fdatasync after every record (slow: one disk flush per event);
//   'never'  only at close (the OS writes back when it likes).
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import type { Event, Result } from '@bpfsim/events';
import { initialState, type KernelState } from '@bpfsim/reducer';
import { BPFSIM_VERSION, DEFAULT_HASH_EVERY, encodeEventV1, encodeHeader, encodeRecord, FORMAT_VERSION, frame, type AnyRecord, type TraceHeader } from './format.ts';
import { EventPacker } from './structures.ts';
import { STATE_HASH_ALGORITHM, stateHash } from './hash.ts';

/**
 * 'auto' snapshots come at most this often (rounded up to a multiple of hashEvery): a stretch
 * between snapshots is what a replay thread takes at a time and what a seek folds at most, so
 * short stretches keep threads evenly loaded and first seeks quick.
 */
export const AUTO_SNAPSHOT_EVERY = 8192;
/** An 'auto' snapshot is left out while the records since the last take fewer than this many times its bytes (snapshots stay under about a ninth of the file). */
export const AUTO_SNAPSHOT_RATIO = 8;

export type FsyncPolicy = 'never' | 'hash' | 'always';

export interface TraceWriterOptions {
  /** A hash record every this many events (default 256; 0: only the end record's). */
  readonly hashEvery?: number;
  /**
   * A full state snapshot every this many events (default 0: none). Lets replay diff a divergent
   * state against the recorded one, and replay segments between snapshots on several threads
   * (ReplayPool). 'auto': every AUTO_SNAPSHOT_EVERY events, where a hash record is written too,
   * unless the records since the last snapshot take fewer than AUTO_SNAPSHOT_RATIO times its
   * bytes (so that snapshots of a large state stay under about a ninth of the file).
   */
  readonly snapshotEvery?: number | 'auto';
  readonly fsync?: FsyncPolicy;
  /** The seed the states came from (default 0). */
  readonly seed?: number;
  /** The state before the first event, when it is not `initialState(seed)`. */
  readonly state?: KernelState;
  /** The scenario's name. */
  readonly name?: string;
  /** The format version to write (default FORMAT_VERSION; 1 for readers older than version 2). */
  readonly formatVersion?: 1 | 2;
}

/** Where a writer's bytes go. */
export interface TraceSink {
  write(bytes: Uint8Array): void;
  /** Makes what was written durable (fdatasync); a no-op in memory. */
  sync(): void;
  close(): void;
}

export class FileSink implements TraceSink {
  readonly #fd: number;
  constructor(readonly path: string) { this.#fd = openSync(path, 'w'); }
  write(bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) done += writeSync(this.#fd, bytes, done, bytes.length - done);
  }
  sync(): void { fdatasyncSync(this.#fd); }
  close(): void { closeSync(this.#fd); }
}

export class MemorySink implements TraceSink {
  #chunks: Uint8Array[] = [];
  #length = 0;
  write(bytes: Uint8Array): void { this.#chunks.push(bytes); this.#length += bytes.length; }
  sync(): void {}
  close(): void {}
  /** Everything written so far, as one array. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let off = 0;
    for (const c of this.#chunks) { out.set(c, off); off += c.length; }
    this.#chunks = [out];
    return out;
  }
}

export class TraceWriter {
  readonly #sink: TraceSink;
  readonly #hashEvery: number;
  readonly #snapshotEvery: number;
  /** 'auto': the size of the last snapshot and the bytes written when it was (else -1). */
  #snapshotBytes = -1;
  #snapshotAt = 0;
  readonly #fsync: FsyncPolicy;
  #events = 0;
  #bytes = 0;
  #closed = false;
  #lastState: KernelState | undefined;
  // (the initial state until an append passes one)
  /** Version 2's event records (undefined: version 1). */
  readonly #packer: EventPacker | undefined;

  constructor(sink: TraceSink, opts: TraceWriterOptions = {}) {
    this.#sink = sink;
    this.#hashEvery = opts.hashEvery ?? DEFAULT_HASH_EVERY;
    const auto = opts.snapshotEvery === 'auto';
    this.#snapshotEvery = auto ? (this.#hashEvery ? Math.ceil(AUTO_SNAPSHOT_EVERY / this.#hashEvery) * this.#hashEvery : 0) : opts.snapshotEvery ?? 0;
    if (auto) this.#snapshotBytes = 0;
    this.#fsync = opts.fsync ?? 'hash';
    if (!(Number.isInteger(this.#hashEvery) && this.#hashEvery >= 0)) throw new RangeError('hashEvery: expected an integer >= 0');
    if (!(Number.isInteger(this.#snapshotEvery) && this.#snapshotEvery >= 0)) throw new RangeError("snapshotEvery: expected an integer >= 0 or 'auto'");
    const header: TraceHeader = {
      bpfsim: BPFSIM_VERSION, seed: opts.seed ?? 0, hashEvery: this.#hashEvery, hash: STATE_HASH_ALGORITHM,
      ...(opts.name !== undefined ? { name: opts.name } : {}), ...(opts.state !== undefined ? { state: opts.state } : {}),
    };
    this.#lastState = opts.state ?? initialState(header.seed);
    const version = opts.formatVersion ?? FORMAT_VERSION;
    if (version !== 1 && version !== 2) throw new RangeError(`formatVersion: expected 1 or 2, not ${String(version)}`);
    this.#packer = version === 2 ? new EventPacker() : undefined;
    this.#put(encodeHeader(header, version));
    if (this.#fsync !== 'never') sink.sync();
  }

  /** A writer to a new file at `path` (truncating it). */
  static create(path: string, opts: TraceWriterOptions = {}): TraceWriter {
    return new TraceWriter(new FileSink(path), opts);
  }

  get events(): number { return this.#events; }
  get bytes(): number { return this.#bytes; }

  #put(bytes: Uint8Array): void {
    this.#sink.write(bytes);
    this.#bytes += bytes.length;
  }

  /**
   * Appends an event and its result. `state` is the state after it: needed every `hashEvery`
   * events for the hash record (and at close); it may be omitted otherwise.
   */
  append(entry: { readonly event: Event; readonly result: Result }, state?: KernelState): void {
    if (this.#closed) throw new Error('TraceWriter: append after close');
    this.#putEvent(entry.event, entry.result);
    this.#events++;
    if (state) this.#lastState = state;
    let synced = false;
    if (this.#snapshotEvery && this.#events % this.#snapshotEvery === 0 && this.#bytes - this.#snapshotAt >= AUTO_SNAPSHOT_RATIO * this.#snapshotBytes) {
      if (!state) throw new Error(`TraceWriter: the state after event ${this.#events - 1} is needed for its snapshot`);
      const rec = encodeRecord({ kind: 'state', at: this.#events, state });
      this.#put(rec);
      if (this.#snapshotBytes >= 0) { this.#snapshotBytes = rec.length; this.#snapshotAt = this.#bytes; }
    }
    if (this.#hashEvery && this.#events % this.#hashEvery === 0) {
      if (!state) throw new Error(`TraceWriter: the state after event ${this.#events - 1} is needed for its hash record`);
      this.#put(encodeRecord({ kind: 'hash', at: this.#events, hash: stateHash(state) }));
      if (this.#fsync === 'hash') { this.#sink.sync(); synced = true; }
    }
    if (this.#fsync === 'always' && !synced) this.#sink.sync();
  }

  /** An event record; in version 2, after a `structures` record defining the structures it uses first. */
  #putEvent(event: Event, result: Result): void {
    if (!this.#packer) { this.#put(encodeEventV1(event, result)); return; }
    const p = this.#packer.pack(event, result);
    if (p.defined) this.#put(encodeRecord({ kind: 'structures', first: p.defined.first, keys: p.defined.keys }));
    if (!p.payload) throw p.error;
    this.#put(frame(p.payload));
  }

  /**
   * Appends a record of another kind (the datapath's packet batches and write sets, later). Its
   * first key is `kind`; readers that do not know the kind keep it and stop replaying there.
   */
  appendRecord(rec: AnyRecord): void {
    if (this.#closed) throw new Error('TraceWriter: append after close');
    if (['event', 'hash', 'state', 'end', 'structures'].includes(rec.kind)) throw new Error(`TraceWriter: use append() for ${rec.kind} records`);
    this.#put(encodeRecord(rec));
    if (this.#fsync === 'always') this.#sink.sync();
  }

  /** Writes the end record (the event count and the final state's hash), syncs and closes. */
  close(finalState?: KernelState): void {
    if (this.#closed) return;
    const state = finalState ?? this.#lastState!;
    this.#put(encodeRecord({ kind: 'end', events: this.#events, hash: stateHash(state) }));
    this.#sink.sync();
    this.#sink.close();
    this.#closed = true;
  }
}
