export { parseScenario, ScenarioError, type Scenario } from './scenario.ts';
export { formatEntry, formatCall, formatResult } from './format/strace.ts';
export { showState } from './format/show.ts';
