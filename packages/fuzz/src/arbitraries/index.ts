// fast-check arbitraries for bpfsim events. Layers, each usable alone:
//   primitives.ts  pids, fds, ids, bytes, flag words, enum values over a Universe
//   programs.ts    instruction sequences: valid ones, and defective ones labelled by defect
//   bpf.ts         one attr arbitrary per modelled bpf command (stateless, well-formed)
//   events.ts      the other event kinds, and eventArb: any well-formed event
//   malformed.ts   events validateEvent refuses, labelled by mutation
//   stateful.ts    traces whose events refer to what exists (TraceBuilder, traceArb)
export * from './primitives.ts';
export * from './programs.ts';
export * from './bpf.ts';
export * from './events.ts';
export * from './malformed.ts';
export * from './stateful.ts';
