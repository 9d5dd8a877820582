/**
 * Scenario files for the simulator: read and validate them (`parseScenario`,
 * `loadScenario`), sweep their parameters (`applySweep`, `expandSweeps`),
 * and write them back (`scenarioToYaml`). Every default and limit is in
 * `defaults.ts`.
 */
export { ALL_CHECKS, DEFAULTS, LIMITS } from './defaults.ts';
export { formatProblems, type Problem, ScenarioError } from './errors.ts';
export { loadScenario, parseScenario } from './parse.ts';
export { didYouMean } from './suggest.ts';
export { applySweep, expandSweeps, type SweepRun, type SweepValue } from './sweep.ts';
export { scenarioToYaml } from './write.ts';
