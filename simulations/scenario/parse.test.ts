import { describe, expect, it } from 'vitest';
import { ErrorCode, ParleyError } from '../../runtime/index.ts';
import { ALL_CHECKS, parseScenario, ScenarioError } from './index.ts';

/** The message of the error `parseScenario` throws for `text`. */
function problems(text: string, source = 'x.yaml'): string {
  try {
    parseScenario(text, source);
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    expect(e).toBeInstanceOf(ParleyError);
    expect((e as ScenarioError).code).toBe(ErrorCode.InvalidArgument);
    return (e as Error).message;
  }
  throw new Error('parseScenario accepted it');
}

describe('parseScenario', () => {
  it('fills every default into an empty file, the name from the file name', () => {
    expect(parseScenario('', 'dir/quiet.yaml')).toStrictEqual({
      name: 'quiet',
      description: '',
      seed: 1,
      durationS: 30,
      topology: { nodes: 3, downAfterMs: 2000, heartbeatMs: 250 },
      network: {
        latencyMs: { dist: 'lognormal', medianMs: 1, sigma: 0.5 },
        dropRate: 0,
        duplicateRate: 0,
        clientLatencyMs: { dist: 'lognormal', medianMs: 20, sigma: 0.5 },
      },
      store: {
        latencyMs: { dist: 'lognormal', medianMs: 2, sigma: 0.5 },
        failureRate: 0,
        indeterminateRate: 0,
      },
      users: { count: 100, devicesPerUser: 1 },
      workload: {
        messagesPerUserPerS: 0.1,
        groupShare: 0.1,
        groups: { count: 10, size: 8 },
        typingShare: 0.1,
        presenceContacts: 4,
        startS: 0,
        stopS: 30,
      },
      clients: {
        reconnect: { initialDelayMs: 250, maxDelayMs: 10_000, jitter: true },
        ackTimeoutMs: 20_000,
      },
      faults: [],
      checks: {
        run: ALL_CHECKS,
        availabilityDeadlineMs: 5000,
        availabilityMin: 0,
        convergenceS: 30,
      },
      sweeps: {},
    });
  });

  it('maps every distribution form to the Distribution union', () => {
    const s = parseScenario(
      `network:
  latencyMs: 5
  clientLatencyMs: {dist: uniform, min: 1, max: 5}
store:
  latencyMs: {dist: normal, mean: 3, sd: 1}
faults:
  - {at: 1, kind: store-slow, latencyMs: {dist: exponential, mean: 50}, duration: 2}
  - {at: 4, kind: store-slow, latencyMs: {dist: constant, ms: 7}, duration: 2}
  - {at: 7, kind: store-slow, latencyMs: {dist: lognormal, median: 9, sigma: 1}, duration: 2}
`,
      'd.yaml',
    );
    expect(s.network.latencyMs).toStrictEqual({ dist: 'constant', ms: 5 });
    expect(s.network.clientLatencyMs).toStrictEqual({ dist: 'uniform', minMs: 1, maxMs: 5 });
    expect(s.store.latencyMs).toStrictEqual({ dist: 'normal', meanMs: 3, sdMs: 1 });
    expect(s.faults.map((f) => (f.kind === 'store-slow' ? f.latencyMs : undefined))).toStrictEqual([
      { dist: 'exponential', meanMs: 50 },
      { dist: 'constant', ms: 7 },
      { dist: 'lognormal', medianMs: 9, sigma: 1 },
    ]);
  });

  it('maps at and duration to atS and durationS and fills a fault kind defaults', () => {
    const s = parseScenario(
      `clients: {reconnect: {jitter: false}}
faults:
  - {at: 1, kind: partition, shape: bridge, a: [0], b: [2], bridge: 1, duration: 3}
  - {at: 2, kind: link-loss, dropRate: 0.5, duration: 1}
  - {at: 3, kind: reconnect-storm, share: 0.5}
  - {at: 4, kind: crash, node: 2}
`,
      'f.yaml',
    );
    expect(s.faults).toStrictEqual([
      { atS: 1, kind: 'partition', shape: 'bridge', a: [0], b: [2], bridge: 1, durationS: 3 },
      { atS: 2, kind: 'link-loss', dropRate: 0.5, duplicateRate: 0, durationS: 1 },
      { atS: 3, kind: 'reconnect-storm', share: 0.5, jitter: false },
      { atS: 4, kind: 'crash', node: 2 },
    ]);
  });

  it('names the file and the exact path of a node index out of range', () => {
    expect(
      problems(
        `faults:
  - {at: 1, kind: crash, node: 0}
  - {at: 2, kind: partition, shape: isolate, node: 5, duration: 1}
`,
        'partition-heal.yaml',
      ),
    ).toBe(
      'partition-heal.yaml: faults[1].node: expected an integer in 0..2 (topology.nodes is 3), got 5',
    );
  });

  it('reports every problem, one per line, with did-you-mean for close unknown fields', () => {
    expect(
      problems(`durationS: 20
topology: {nodes: 20, heartbeatMs: 5000}
netwrok: {}
network: {dropRat: 0.1, duplicateRate: 1.5, latencyMs: {dist: uniform, min: 5, max: 1}}
users: {count: 2.5}
workload: {groups: {size: 1025}, startS: 25}
checks: {run: [lost, lost, latncy], bogus: 1}
`),
    ).toBe(
      [
        'x.yaml: netwrok: unknown field; did you mean "network"?',
        'x.yaml: topology.nodes: expected an integer in 1..16, got 20',
        'x.yaml: network.dropRat: unknown field; did you mean "dropRate"?',
        'x.yaml: network.latencyMs.max: expected >= min (5), got 1',
        'x.yaml: network.duplicateRate: expected a number in [0, 1], got 1.5',
        'x.yaml: users.count: expected an integer in 1..100000, got 2.5',
        'x.yaml: workload.groups.size: expected an integer in 2..1024, got 1025',
        'x.yaml: workload.startS: expected a number in [0, 20], got 25',
        'x.yaml: checks.bogus: unknown field (expected one of: run, availabilityDeadlineMs, availabilityMin, convergenceS)',
        'x.yaml: checks.run[1]: expected each check once, got "lost" twice',
        'x.yaml: checks.run[2]: expected one of lost, duplicated, reordered, receipts, seq-owners, availability, convergence, latency, messages-per-op, got "latncy"; did you mean "latency"?',
        'x.yaml: topology.heartbeatMs: expected less than downAfterMs (2000), got 5000',
      ].join('\n'),
    );
  });

  it('checks faults against the timeline and their kind', () => {
    expect(
      problems(`durationS: 30
faults:
  - {at: 31, kind: drain, node: 0}
  - {at: 25, kind: store-outage, duration: 10}
  - {at: 5, kind: store-outage}
  - {at: 5, kind: crash, node: 1, duration: 3}
  - {at: 25, kind: crash, node: 1, restartAfterS: 6}
  - {at: 5, kind: rolling-restart, downS: 6, intervalS: 5}
  - {at: 5, kind: explode}
  - {kind: link-loss, dropRate: 2, duration: 1}
  - 7
`),
    ).toBe(
      [
        'x.yaml: faults[0].at: expected a number in [0, 30], got 31',
        'x.yaml: faults[1].duration: expected a number in (0, 5] (the fault starts at 25 and durationS is 30), got 10',
        'x.yaml: faults[2].duration: required: store-outage lasts: give its duration in seconds',
        'x.yaml: faults[3].duration: crash takes no duration (use restartAfterS)',
        'x.yaml: faults[4].restartAfterS: expected a number in [0, 5] (the crash is at 25 and durationS is 30), got 6',
        'x.yaml: faults[5]: rolling restart of 3 nodes ends at 33 s (at + 3 * downS + 2 * intervalS), after durationS (30)',
        'x.yaml: faults[6].kind: expected one of partition, crash, rolling-restart, drain, store-outage, store-slow, store-flaky, link-loss, reconnect-storm, got "explode"',
        'x.yaml: faults[7].at: required: the start, in seconds',
        'x.yaml: faults[7].dropRate: expected a number in [0, 1], got 2',
        "x.yaml: faults[8]: expected a mapping with at, kind and the kind's fields, got 7",
      ].join('\n'),
    );
  });

  it('accepts a fault that ends exactly at durationS in decimal (0.1 + 0.2 is not 0.3 in binary)', () => {
    const s = parseScenario(
      `durationS: 0.3
workload: {groups: {count: 1}}
faults: [{at: 0.1, kind: store-outage, duration: 0.2}]`,
      'e.yaml',
    );
    expect(s.faults[0]).toStrictEqual({ atS: 0.1, kind: 'store-outage', durationS: 0.2 });
  });

  it('checks partition shapes', () => {
    expect(
      problems(`faults:
  - {at: 1, kind: partition, shape: split, minority: [0, 1, 2], duration: 1}
  - {at: 1, kind: partition, shape: split, minority: [], duration: 1}
  - {at: 1, kind: partition, shape: bridge, a: [0, 1], b: [1], bridge: 1, duration: 1}
  - {at: 1, kind: partition, shape: asymmetric, from: 2, to: 2, duration: 1}
  - {at: 1, kind: partition, shape: split, minority: [1, 1], duration: 1}
  - {at: 1, kind: partition, shape: circle, duration: 1}
  - {at: 1, kind: partition, duration: 1}
`),
    ).toBe(
      [
        'x.yaml: faults[0].minority: expected fewer than every node (topology.nodes is 3), got [0,1,2]',
        'x.yaml: faults[1].minority: expected at least one node, got none',
        'x.yaml: faults[2].a: expected the bridge (1) not to be in a, got [0,1]',
        'x.yaml: faults[2].b: expected the bridge (1) not to be in b, got [1]',
        'x.yaml: faults[2].b: expected no node in both a and b, got [1] in both',
        'x.yaml: faults[3].to: expected a node other than from (2), got 2',
        'x.yaml: faults[4].minority[1]: expected distinct nodes, got 1 twice',
        'x.yaml: faults[5].shape: expected one of isolate, split, bridge, asymmetric, got "circle"',
        'x.yaml: faults[6].shape: required: one of isolate, split, bridge, asymmetric',
      ].join('\n'),
    );
  });

  it('refuses partitions and drains on one node, and cross-field nonsense', () => {
    expect(
      problems(`topology: {nodes: 1}
users: {count: 4}
workload: {groups: {count: 0}}
store: {failureRate: 0.7, indeterminateRate: 0.5}
clients: {reconnect: {initialDelayMs: 500, maxDelayMs: 100}}
faults:
  - {at: 1, kind: drain, node: 0}
  - {at: 1, kind: store-flaky, failureRate: 0.6, indeterminateRate: 0.6, duration: 1}
`),
    ).toBe(
      [
        'x.yaml: faults[0].kind: drain needs topology.nodes >= 2, got 1',
        'x.yaml: faults[1].indeterminateRate: expected failureRate + indeterminateRate <= 1, got 0.6 + 0.6',
        'x.yaml: store.indeterminateRate: expected failureRate + indeterminateRate <= 1, got 0.7 + 0.5',
        'x.yaml: workload.groups.count: expected at least 1 group when workload.groupShare is 0.1, got 0',
        'x.yaml: clients.reconnect.maxDelayMs: expected >= initialDelayMs (500), got 100',
      ].join('\n'),
    );
    expect(problems('users: {count: 4}')).toBe(
      'x.yaml: workload.groups.size: expected an integer in 2..4 (users.count is 4), got 8',
    );
  });

  it('names line and column of YAML syntax errors, and refuses duplicate keys', () => {
    expect(problems('seed: 1\nfaults: [1, 2\n')).toMatch(
      /^x\.yaml: YAML syntax error at line 3, column 1: /,
    );
    expect(problems('seed: 1\nseed: 2\n')).toBe(
      'x.yaml: YAML syntax error at line 2, column 1: Map keys must be unique',
    );
  });

  it('refuses a document that is not a mapping, and wrong scalar types', () => {
    expect(problems('- 1')).toMatch(/^x\.yaml: expected a mapping \(with name, description/);
    expect(problems('seed: -1\nname: 3\nclients: {reconnect: {jitter: yes}}')).toBe(
      [
        'x.yaml: clients.reconnect.jitter: expected true or false, got "yes"',
        'x.yaml: name: expected a string, got 3',
        'x.yaml: seed: expected an integer in 0..4294967295, got -1',
      ].join('\n'),
    );
  });

  it('takes checks.run: all, and a sweep path that names no field is an error', () => {
    expect(parseScenario('checks: {run: all}', 'a.yaml').checks.run).toStrictEqual(ALL_CHECKS);
    expect(problems('sweeps: {users.cont: [1, 2], network.dropRate: [], seed: 3}')).toBe(
      [
        'x.yaml: sweeps["network.dropRate"]: expected a list of 1..1000 values, got []',
        'x.yaml: sweeps["seed"]: expected a list, got 3',
        'x.yaml: sweeps["seed"]: expected a list of 1..1000 values, got 3',
      ].join('\n'),
    );
    expect(problems('sweeps: {users.cont: [1, 2], "faults[0].at": [1]}')).toBe(
      [
        'x.yaml: sweeps["users.cont"]: no such field in the scenario; did you mean "users.count"?',
        'x.yaml: sweeps["faults[0].at"]: no such field in the scenario (faults has 0 item(s))',
      ].join('\n'),
    );
  });
});
