// @bpfsim/datapath: runs what is attached, as the kernel would, without mutating kernel state.
export type { Snapshot, SnapshotProg, SnapshotMap, SnapshotMapData, SnapshotNetdev, SnapshotMprog, ProgArrayData } from './snapshot.ts';
export { runBatch, TCX_NEXT, TCX_PASS, TCX_DROP, TCX_REDIRECT } from './pipeline.ts';
export type { Packet, Direction, Verdict, ProgRun, BatchResult } from './pipeline.ts';
export { testRun, TEST_RUN_MAX_DATA } from './testrun.ts';
export type { TestRunAttr, TestRunOut, TestRunResult } from './testrun.ts';
export type { WriteOp, WriteSet } from './writeset.ts';
export type { DatapathError, FaultKind } from './fault.ts';
export type { LogEntry } from './machine.ts';
export type { RunInputs } from './session.ts';
export type { SkbFields } from './skb.ts';
export { runStandalone, type StandaloneResult } from './standalone.ts';
export { assemble, AsmError, parseDataFile, type DataFile } from './asm/index.ts';
export { BPF_FUNC_NAMES, BPF_FUNC_MAX_ID, helperName } from './helpers/names.ts';
