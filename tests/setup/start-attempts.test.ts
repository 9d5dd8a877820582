/**
 * Retrying on fresh ports: a clash is retried with a new pick, anything else
 * is not, and the final error lists every attempt exactly.
 */
import { expect, test } from 'vitest';
import { PortClash, startOnFreshPorts } from './start-attempts.ts';

function plan(outcomes: Array<'clash' | 'boom' | 'ok' | 'no-ports'>) {
  const picked: number[] = [];
  return {
    picked,
    plan: {
      what: 'svc',
      attempts: 3,
      async pick(attempt: number) {
        if (outcomes[attempt - 1] === 'no-ports') throw new PortClash('found no free port');
        picked.push(1000 + attempt);
        return 1000 + attempt;
      },
      describe: (p: number) => `port ${p}`,
      async start(p: number, attempt: number) {
        const outcome = outcomes[attempt - 1];
        if (outcome === 'clash') throw new PortClash(`${p} in use`, `log of ${p}`);
        if (outcome === 'boom') throw new Error(`bad config\nlog of ${p}`);
        return `up on ${p}`;
      },
    },
  };
}

test('a clash is retried on freshly picked ports; the earlier attempts are returned', async () => {
  const { plan: p, picked } = plan(['clash', 'no-ports', 'ok']);
  expect(await startOnFreshPorts(p)).toEqual({
    value: 'up on 1003',
    failed: [
      'attempt 1 on port 1001: 1001 in use',
      'attempt 2 (picking ports): found no free port',
    ],
  });
  expect(picked).toEqual([1001, 1003]);
});

test('gives up after the last attempt, listing each one, then the last details', async () => {
  const { plan: p } = plan(['clash', 'clash', 'clash']);
  await expect(startOnFreshPorts(p)).rejects.toThrow(
    new Error(
      'svc did not start after 3 attempt(s):\n' +
        '  attempt 1 on port 1001: 1001 in use\n' +
        '  attempt 2 on port 1002: 1002 in use\n' +
        '  attempt 3 on port 1003: 1003 in use\n' +
        'log of 1003',
    ),
  );
});

test('a failure that is not a clash is not retried', async () => {
  const { plan: p, picked } = plan(['clash', 'boom', 'ok']);
  await expect(startOnFreshPorts(p)).rejects.toThrow(
    new Error(
      'svc did not start after 2 attempt(s) (not a port clash: not retried):\n' +
        '  attempt 1 on port 1001: 1001 in use\n' +
        '  attempt 2 on port 1002: bad config\n' +
        'log of 1002',
    ),
  );
  expect(picked).toEqual([1001, 1002]);
});
