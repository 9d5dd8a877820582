/**
 * A scenario's raw form: the plain value `readScenario` reads back to an
 * equal scenario. Every field is written out (a repro file must not change
 * meaning when a default does) except the two defaults that follow another
 * field (`defaults.ts`) when they equal it: `workload.stopS` equal to
 * `durationS` and a storm's `jitter` equal to `clients.reconnect.jitter`.
 */
import type { Scenario } from '../types.ts';
import { distributionToRaw } from './distribution.ts';
import { faultToRaw } from './faults.ts';
import type { Fields } from './fields.ts';

export function scenarioToRaw(s: Scenario): Fields {
  const { stopS, ...workload } = s.workload;
  return {
    name: s.name,
    description: s.description,
    seed: s.seed,
    durationS: s.durationS,
    topology: { ...s.topology },
    network: {
      latencyMs: distributionToRaw(s.network.latencyMs),
      dropRate: s.network.dropRate,
      duplicateRate: s.network.duplicateRate,
      clientLatencyMs: distributionToRaw(s.network.clientLatencyMs),
    },
    store: {
      latencyMs: distributionToRaw(s.store.latencyMs),
      failureRate: s.store.failureRate,
      indeterminateRate: s.store.indeterminateRate,
    },
    users: { ...s.users },
    workload: {
      ...workload,
      groups: { ...workload.groups },
      ...(stopS === s.durationS ? {} : { stopS }),
    },
    clients: { reconnect: { ...s.clients.reconnect }, ackTimeoutMs: s.clients.ackTimeoutMs },
    faults: s.faults.map((f) => faultToRaw(f, s.clients.reconnect.jitter)),
    checks: { ...s.checks, run: [...s.checks.run] },
    sweeps: Object.fromEntries(Object.entries(s.sweeps).map(([k, v]) => [k, [...v]])),
  };
}
