/**
 * One run of a scenario: builds the world, runs it to its end under virtual
 * time, judges its history and returns the `RunResult` (what `--json`
 * prints and the report renders). The wall time it took is measured by the
 * caller's `wallSeconds` (the simulator's one reader of real time).
 */
import { busiestUser, runCheckers, seriesOf, timelineOf } from '../checkers/index.ts';
import type { History, RunResult, Scenario } from '../types.ts';
import type { MutantName } from '../world/mutants.ts';
import { World } from '../world/world.ts';

export interface RunOptions {
  readonly scenarioPath: string;
  readonly command: string;
  readonly params?: Readonly<Record<string, number | string | boolean>>;
  readonly mutant?: MutantName;
  readonly timelineUser?: string;
  /** Real seconds now (for the wall time and speed); injected. */
  readonly wallSeconds: () => number;
  readonly onProgress?: (simulatedS: number, events: number, wallS: number) => void;
}

export interface RunOutcome {
  readonly result: RunResult;
  readonly history: History;
  readonly logs: readonly string[];
}

export async function runScenario(
  scenario: Scenario,
  seed: number,
  options: RunOptions,
): Promise<RunOutcome> {
  const start = options.wallSeconds();
  const world = new World(scenario, seed, {
    ...(options.mutant !== undefined ? { mutant: options.mutant } : {}),
    onProgress: (ms) =>
      options.onProgress?.(ms / 1000, world.trace.events, options.wallSeconds() - start),
  });
  await world.setup();
  await world.runUntil(world.endMs);
  world.stop();
  const wallS = options.wallSeconds() - start;
  const history = world.history();
  const checks = runCheckers(history, scenario.checks);
  const simulatedS = world.endMs / 1000;
  const sends = history.events.filter((e) => e.k === 'send').length;
  const user = options.timelineUser ?? busiestUser(history);
  const result: RunResult = {
    scenario: scenario.name,
    seed,
    trace: world.trace.hex(),
    simulatedS,
    wallS: round(wallS, 3),
    speedup: round(simulatedS / Math.max(wallS, 1e-9), 1),
    ok: Object.values(checks).every((c) => c.ok),
    checks,
    command: options.command,
    ...(options.params !== undefined ? { params: options.params } : {}),
    series: seriesOf(history, {
      bucketMs: 1000,
      availabilityDeadlineMs: scenario.checks.availabilityDeadlineMs,
    }),
    faults: history.faults,
    nodes: world.samples,
    timeline: timelineOf(history, user),
    counters: { ...history.counters, events: world.trace.events, sends },
  };
  return { result, history, logs: world.logLines };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
