// @bpfsim/fuzz: random events and traces for bpfsim (fast-check arbitraries), and differential
// fuzzing of the model against the live kernel (diff/).
export * from './universe.ts';
export * from './arbitraries/index.ts';
export * from './ranked.ts';
export * from './diff/compare.ts';
export * from './diff/shrink.ts';
export * from './diff/tally.ts';
export * from './diff/campaign.ts';
export * from './diff/progress.ts';
export * from './diff/preflight.ts';
export * from './model/index.ts'; // model-based fuzzing: fuzz(spec), adversaries
