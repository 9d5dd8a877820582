/**
 * The simulator's promise (issue 9): same scenario, seed and commit, same
 * run. A small scenario with every kind of trouble (a partition, a crash
 * with restart, link loss with duplicates, a flaky store with indeterminate
 * replies) run twice with one seed records the same trace hash, the same
 * history event for event and the same verdicts; another seed, or one
 * changed scenario parameter, gives another trace.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from './runner/run.ts';
import { applySweep, parseScenario } from './scenario/index.ts';
import type { Scenario } from './types.ts';

const YAML = `
name: determinism
seed: 7
durationS: 20
topology: { nodes: 3 }
users: { count: 30 }
workload: { messagesPerUserPerS: 0.5, groupShare: 0.2, groups: { count: 3, size: 5 } }
faults:
  - { at: 3, kind: partition, shape: split, minority: [0], duration: 3 }
  - { at: 7, kind: crash, node: 1, restartAfterS: 3 }
  - { at: 12, kind: link-loss, dropRate: 0.1, duplicateRate: 0.1, duration: 4 }
  - { at: 14, kind: store-flaky, failureRate: 0.1, indeterminateRate: 0.1, duration: 4 }
checks: { convergenceS: 10 }
`;

const scenario = parseScenario(YAML, 'determinism.yaml');

function run(s: Scenario, seed: number) {
  return runScenario(s, seed, {
    scenarioPath: 'determinism.yaml',
    command: '',
    wallSeconds: () => 0,
  });
}

describe('simulator determinism', () => {
  // The seed-7 run, shared by the three tests (each run takes seconds).
  const first = run(scenario, 7);
  it('same seed: same trace, same history, same verdicts', async () => {
    const a = await first;
    const b = await run(scenario, 7);
    // The run did something with every fault in it (not a trivially equal empty run).
    expect(a.history.events.filter((e) => e.k === 'send').length).toBeGreaterThan(100);
    expect(a.history.faults.map((f) => f.kind)).toEqual(
      expect.arrayContaining(['partition', 'crash', 'link-loss', 'store-flaky']),
    );
    expect(b.result.trace).toBe(a.result.trace);
    expect(b.history.events.length).toBe(a.history.events.length);
    expect(b.history).toEqual(a.history);
    expect(b.result.checks).toEqual(a.result.checks);
    expect(b.result.series).toEqual(a.result.series);
    expect(b.result.nodes).toEqual(a.result.nodes);
  }, 60_000);

  it('another seed: another trace', async () => {
    const a = await first;
    const b = await run(scenario, 8);
    expect(b.result.trace).not.toBe(a.result.trace);
    expect(b.history.events).not.toEqual(a.history.events);
  }, 60_000);

  it('one changed parameter: another trace', async () => {
    const changed = applySweep(scenario, 'faults[1].restartAfterS', 4);
    expect(changed.faults[1]).toMatchObject({ kind: 'crash', restartAfterS: 4 });
    const a = await first;
    const b = await run(changed, 7);
    expect(b.result.trace).not.toBe(a.result.trace);
  }, 60_000);
});
