/**
 * The checks that span fields of a scenario, run after each field alone was
 * read (and faults checked against the topology and duration, `faults.ts`):
 *
 * - topology.heartbeatMs < topology.downAfterMs (else every node looks down);
 * - store.failureRate + store.indeterminateRate <= 1;
 * - workload.groups.size <= users.count when there are groups, and at least
 *   one group when groupShare > 0;
 * - workload.startS <= workload.stopS;
 * - clients.reconnect.maxDelayMs >= initialDelayMs.
 */
import type { Scenario } from '../types.ts';
import type { Reader } from './fields.ts';

export function validateScenario(r: Reader, s: Scenario): void {
  const { topology, store, users, workload, clients } = s;
  if (topology.heartbeatMs >= topology.downAfterMs) {
    r.fail(
      'topology.heartbeatMs',
      `expected less than downAfterMs (${topology.downAfterMs}), got ${topology.heartbeatMs}`,
    );
  }
  if (store.failureRate + store.indeterminateRate > 1) {
    r.fail(
      'store.indeterminateRate',
      `expected failureRate + indeterminateRate <= 1, got ${store.failureRate} + ${store.indeterminateRate}`,
    );
  }
  const { groups } = workload;
  if (groups.count > 0 && groups.size > users.count) {
    r.fail(
      'workload.groups.size',
      `expected an integer in 2..${Math.max(2, users.count)} (users.count is ${users.count}), got ${groups.size}`,
    );
  }
  if (workload.groupShare > 0 && groups.count === 0) {
    r.fail(
      'workload.groups.count',
      `expected at least 1 group when workload.groupShare is ${workload.groupShare}, got 0`,
    );
  }
  if (workload.startS > workload.stopS) {
    r.fail('workload.stopS', `expected >= startS (${workload.startS}), got ${workload.stopS}`);
  }
  const { reconnect } = clients;
  if (reconnect.maxDelayMs < reconnect.initialDelayMs) {
    r.fail(
      'clients.reconnect.maxDelayMs',
      `expected >= initialDelayMs (${reconnect.initialDelayMs}), got ${reconnect.maxDelayMs}`,
    );
  }
}
