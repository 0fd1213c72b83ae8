export { crc32c } from './crc32c.ts';
export { stateHash, hashLanes, STATE_HASH_ALGORITHM } from './hash.ts';
export {
  MAGIC, FORMAT_VERSION, DEFAULT_HASH_EVERY, BPFSIM_VERSION, encodeHeader, encodeRecord, encodeEventV1, frame,
  type TraceHeader, type TraceRecord, type AnyRecord, type EventRecord, type HashRecord, type StateRecord, type EndRecord, type StructuresRecord, type OtherRecord,
} from './format.ts';
export { TraceWriter, FileSink, MemorySink, AUTO_SNAPSHOT_EVERY, AUTO_SNAPSHOT_RATIO, type TraceSink, type TraceWriterOptions, type FsyncPolicy } from './writer.ts';
export { Trace, TraceError, scanTrace, readTrace, deepFreeze, type Scan, type TraceStop, type ReadTrace } from './reader.ts';
export { recordKernel, type Recorder } from './recorder.ts';
export { replayTrace, type ReplayReport, type ReplayOptions, type Divergence } from './replay.ts';
export { traceFromEntries } from './memory.ts';
export { ReplayPool, segmentCuts, MIN_SEGMENT, type ReplayPoolOptions } from './pool.ts';
