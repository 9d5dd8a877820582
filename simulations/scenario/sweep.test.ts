import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../runtime/index.ts';
import { applySweep, expandSweeps, parseScenario, ScenarioError } from './index.ts';

const base = parseScenario(
  `durationS: 30
users: {count: 50}
faults:
  - {at: 5, kind: partition, shape: isolate, node: 0, duration: 10}
  - {at: 20, kind: crash, node: 1}
sweeps:
  users.count: [20, 40]
  network.dropRate: [0, 0.1]
`,
  'swept.yaml',
);

function thrown(f: () => unknown): ScenarioError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    expect((e as ScenarioError).code).toBe(ErrorCode.InvalidArgument);
    return e as ScenarioError;
  }
  throw new Error('no error');
}

describe('applySweep', () => {
  it('sets the field at a path and drops that sweep', () => {
    const s = applySweep(base, 'users.count', 30);
    expect(s.users.count).toBe(30);
    expect(s.sweeps).toStrictEqual({ 'network.dropRate': [0, 0.1] });
    expect(applySweep(base, 'workload.messagesPerUserPerS', 2).workload.messagesPerUserPerS).toBe(
      2,
    );
    expect(applySweep(base, 'network.latencyMs.median', 4).network.latencyMs).toStrictEqual({
      dist: 'lognormal',
      medianMs: 4,
      sigma: 0.5,
    });
    expect(applySweep(base, 'network.latencyMs', 3).network.latencyMs).toStrictEqual({
      dist: 'constant',
      ms: 3,
    });
  });

  it('reaches faults by index, with duration/durationS and at/atS, and optional fields', () => {
    expect(applySweep(base, 'faults[0].duration', 3).faults[0]).toMatchObject({ durationS: 3 });
    expect(applySweep(base, 'faults[0].durationS', 4).faults[0]).toMatchObject({ durationS: 4 });
    expect(applySweep(base, 'faults[1].atS', 7).faults[1]).toMatchObject({ atS: 7 });
    expect(applySweep(base, 'faults[1].restartAfterS', 2).faults[1]).toStrictEqual({
      atS: 20,
      kind: 'crash',
      node: 1,
      restartAfterS: 2,
    });
  });

  it('moves the workload end with durationS (a default that follows it)', () => {
    const s = applySweep(base, 'durationS', 25);
    expect(s.workload.stopS).toBe(25);
  });

  it('re-validates: a bad value names the parameter and the field', () => {
    expect(thrown(() => applySweep(base, 'network.dropRate', 2)).message).toBe(
      'swept with network.dropRate=2: network.dropRate: expected a number in [0, 1], got 2',
    );
    expect(thrown(() => applySweep(base, 'durationS', 12)).message).toBe(
      'swept with durationS=12: faults[0].duration: expected a number in (0, 7] (the fault starts at 5 and durationS is 12), got 10\n' +
        'swept with durationS=12: faults[1].at: expected a number in [0, 12], got 20',
    );
  });

  it('names a path that does not exist', () => {
    expect(thrown(() => applySweep(base, 'network.dropRat', 1)).message).toBe(
      'swept: network.dropRat: no such field in the scenario; did you mean "network.dropRate"?',
    );
    expect(thrown(() => applySweep(base, 'netwrk.dropRate', 1)).message).toBe(
      'swept: netwrk.dropRate: no such field in the scenario; did you mean "network"?',
    );
    expect(thrown(() => applySweep(base, 'faults[2].at', 1)).message).toBe(
      'swept: faults[2].at: no such field in the scenario (faults has 2 item(s))',
    );
    expect(thrown(() => applySweep(base, 'users.count.max', 1)).message).toBe(
      'swept: users.count.max: no such field in the scenario (users.count is 50, not a mapping)',
    );
    expect(thrown(() => applySweep(base, 'faults[1].shape', 'split')).message).toBe(
      'swept: faults[1].shape: no such field in the scenario',
    );
    expect(thrown(() => applySweep(base, 'users..count', 1)).message).toBe(
      'sweep: users..count: expected a path like workload.messagesPerUserPerS or faults[0].duration',
    );
  });
});

describe('expandSweeps', () => {
  it('is the cartesian product, last path fastest, each run a single point', () => {
    const runs = expandSweeps(base);
    expect(runs.map((r) => r.params)).toStrictEqual([
      { 'users.count': 20, 'network.dropRate': 0 },
      { 'users.count': 20, 'network.dropRate': 0.1 },
      { 'users.count': 40, 'network.dropRate': 0 },
      { 'users.count': 40, 'network.dropRate': 0.1 },
    ]);
    expect(runs.map((r) => [r.scenario.users.count, r.scenario.network.dropRate])).toStrictEqual([
      [20, 0],
      [20, 0.1],
      [40, 0],
      [40, 0.1],
    ]);
    for (const r of runs) expect(r.scenario.sweeps).toStrictEqual({});
  });

  it('adds the CLI sweeps, which replace a scenario sweep of the same path', () => {
    const runs = expandSweeps(base, { 'users.count': [10], 'topology.nodes': [2, 5] });
    expect(runs.map((r) => r.params)).toStrictEqual([
      { 'users.count': 10, 'network.dropRate': 0, 'topology.nodes': 2 },
      { 'users.count': 10, 'network.dropRate': 0, 'topology.nodes': 5 },
      { 'users.count': 10, 'network.dropRate': 0.1, 'topology.nodes': 2 },
      { 'users.count': 10, 'network.dropRate': 0.1, 'topology.nodes': 5 },
    ]);
    expect(runs.map((r) => r.scenario.topology.nodes)).toStrictEqual([2, 5, 2, 5]);
  });

  it('gives the scenario itself when there is nothing to sweep', () => {
    const plain = parseScenario('seed: 3', 'p.yaml');
    expect(expandSweeps(plain)).toStrictEqual([{ params: {}, scenario: plain }]);
  });

  it('validates combinations together (one value may need another)', () => {
    const s = parseScenario('users: {count: 10}\nworkload: {groups: {size: 8}}', 'g.yaml');
    const runs = expandSweeps(s, { 'users.count': [4], 'workload.groups.size': [2, 4] });
    expect(runs.map((r) => r.scenario.workload.groups.size)).toStrictEqual([2, 4]);
    expect(thrown(() => expandSweeps(s, { 'users.count': [4, 6] })).message).toBe(
      'g with users.count=4: workload.groups.size: expected an integer in 2..4 (users.count is 4), got 8',
    );
  });

  it('refuses an empty sweep and more than 10000 runs', () => {
    expect(thrown(() => expandSweeps(base, { seed: [] })).message).toBe(
      'swept: seed: sweep has no values',
    );
    const many = Array.from({ length: 101 }, (_, i) => i);
    expect(
      thrown(() => expandSweeps(base, { seed: many, 'workload.presenceContacts': many })).message,
    ).toBe('swept: sweeps make 40804 runs, more than 10000');
  });
});
