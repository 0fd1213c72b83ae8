export { parseScenario, ScenarioError, type Scenario } from './scenario.ts';
export { formatEntry, formatCall, formatResult } from './format/strace.ts';
export { showState } from './format/show.ts';
export * from './trace/index.ts';
export * from './timetravel/index.ts';
export { tsWorker, type TsWorkerOptions } from './threads.ts';
export { noPretenuring, serialScavenges } from './gc-tuning.ts';
