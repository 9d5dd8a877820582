/**
 * A scenario from the plain value a YAML document gives (its "raw" form):
 * every field checked, every default of `defaults.ts` filled in, and every
 * problem collected. The raw form's keys are `Scenario`'s, except that
 * distributions and faults take their file forms (`distribution.ts`,
 * `faults.ts`). Sweep paths are checked by `parse.ts`, which can apply them.
 */
import { basename } from 'node:path';
import { quote } from '../../runtime/index.ts';
import type { CheckName, Scenario } from '../types.ts';
import { ALL_CHECKS, DEFAULTS, LIMITS } from './defaults.ts';
import { readDistribution } from './distribution.ts';
import type { Problem } from './errors.ts';
import { readFaults } from './faults.ts';
import { item, Reader } from './fields.ts';
import { validateScenario } from './validate.ts';

type Sweeps = Record<string, (number | string | boolean)[]>;

const TOP = [
  'name',
  'description',
  'seed',
  'durationS',
  'topology',
  'network',
  'store',
  'users',
  'workload',
  'clients',
  'faults',
  'checks',
  'sweeps',
];

/** The scenario's default name: the file's name without its extension. */
export const nameFromSource = (source: string): string =>
  basename(source).replace(/\.(ya?ml)$/i, '') || 'scenario';

export function readScenario(
  raw: unknown,
  source: string,
): { readonly scenario: Scenario; readonly problems: readonly Problem[] } {
  const r = new Reader();
  const top = r.object('', raw, TOP);
  const pos = { min: 0, above: true, max: LIMITS.msMax };
  const durationS = r.number('durationS', top.durationS, DEFAULTS.durationS, {
    min: 0,
    above: true,
    max: LIMITS.durationSMax,
  });

  const t = r.object('topology', top.topology, ['nodes', 'downAfterMs', 'heartbeatMs']);
  const d = DEFAULTS.topology;
  const topology = {
    nodes: r.number('topology.nodes', t.nodes, d.nodes, { ...LIMITS.nodes, integer: true }),
    downAfterMs: r.number('topology.downAfterMs', t.downAfterMs, d.downAfterMs, pos),
    heartbeatMs: r.number('topology.heartbeatMs', t.heartbeatMs, d.heartbeatMs, pos),
  };

  const n = r.object('network', top.network, [
    'latencyMs',
    'dropRate',
    'duplicateRate',
    'clientLatencyMs',
  ]);
  const dn = DEFAULTS.network;
  const network = {
    latencyMs: readDistribution(r, 'network.latencyMs', n.latencyMs, dn.latencyMs),
    dropRate: r.rate('network.dropRate', n.dropRate, dn.dropRate),
    duplicateRate: r.rate('network.duplicateRate', n.duplicateRate, dn.duplicateRate),
    clientLatencyMs: readDistribution(
      r,
      'network.clientLatencyMs',
      n.clientLatencyMs,
      dn.clientLatencyMs,
    ),
  };

  const s = r.object('store', top.store, ['latencyMs', 'failureRate', 'indeterminateRate']);
  const ds = DEFAULTS.store;
  const store = {
    latencyMs: readDistribution(r, 'store.latencyMs', s.latencyMs, ds.latencyMs),
    failureRate: r.rate('store.failureRate', s.failureRate, ds.failureRate),
    indeterminateRate: r.rate('store.indeterminateRate', s.indeterminateRate, ds.indeterminateRate),
  };

  const u = r.object('users', top.users, ['count', 'devicesPerUser']);
  const users = {
    count: r.number('users.count', u.count, DEFAULTS.users.count, {
      ...LIMITS.users,
      integer: true,
    }),
    devicesPerUser: r.number(
      'users.devicesPerUser',
      u.devicesPerUser,
      DEFAULTS.users.devicesPerUser,
      {
        ...LIMITS.devicesPerUser,
        integer: true,
      },
    ),
  };

  const w = r.object('workload', top.workload, [
    'messagesPerUserPerS',
    'groupShare',
    'groups',
    'typingShare',
    'presenceContacts',
    'startS',
    'stopS',
  ]);
  const dw = DEFAULTS.workload;
  const g = r.object('workload.groups', w.groups, ['count', 'size']);
  const seconds = { min: 0, max: durationS };
  const workload = {
    messagesPerUserPerS: r.number(
      'workload.messagesPerUserPerS',
      w.messagesPerUserPerS,
      dw.messagesPerUserPerS,
      {
        min: 0,
        max: LIMITS.messagesPerUserPerSMax,
      },
    ),
    groupShare: r.rate('workload.groupShare', w.groupShare, dw.groupShare),
    groups: {
      count: r.number('workload.groups.count', g.count, dw.groups.count, {
        ...LIMITS.groupsCount,
        integer: true,
      }),
      size: r.number('workload.groups.size', g.size, dw.groups.size, {
        ...LIMITS.groupSize,
        integer: true,
      }),
    },
    typingShare: r.rate('workload.typingShare', w.typingShare, dw.typingShare),
    presenceContacts: r.number(
      'workload.presenceContacts',
      w.presenceContacts,
      dw.presenceContacts,
      {
        min: 0,
        max: LIMITS.presenceContactsMax,
        integer: true,
      },
    ),
    startS: r.number('workload.startS', w.startS, dw.startS, seconds),
    stopS: r.number('workload.stopS', w.stopS, durationS, seconds),
  };

  const c = r.object('clients', top.clients, ['reconnect', 'ackTimeoutMs']);
  const rc = r.object('clients.reconnect', c.reconnect, ['initialDelayMs', 'maxDelayMs', 'jitter']);
  const dc = DEFAULTS.clients;
  const clients = {
    reconnect: {
      initialDelayMs: r.number(
        'clients.reconnect.initialDelayMs',
        rc.initialDelayMs,
        dc.reconnect.initialDelayMs,
        pos,
      ),
      maxDelayMs: r.number(
        'clients.reconnect.maxDelayMs',
        rc.maxDelayMs,
        dc.reconnect.maxDelayMs,
        pos,
      ),
      jitter: r.bool('clients.reconnect.jitter', rc.jitter, dc.reconnect.jitter),
    },
    ackTimeoutMs: r.number('clients.ackTimeoutMs', c.ackTimeoutMs, dc.ackTimeoutMs, pos),
  };

  const faults = readFaults(r, top.faults, {
    nodes: topology.nodes,
    durationS,
    jitter: clients.reconnect.jitter,
  });

  const k = r.object('checks', top.checks, [
    'run',
    'availabilityDeadlineMs',
    'availabilityMin',
    'convergenceS',
  ]);
  const dk = DEFAULTS.checks;
  const checks = {
    run: readChecks(r, k.run),
    availabilityDeadlineMs: r.number(
      'checks.availabilityDeadlineMs',
      k.availabilityDeadlineMs,
      dk.availabilityDeadlineMs,
      pos,
    ),
    availabilityMin: r.rate('checks.availabilityMin', k.availabilityMin, dk.availabilityMin),
    convergenceS: r.number('checks.convergenceS', k.convergenceS, dk.convergenceS, {
      min: 0,
      max: LIMITS.convergenceSMax,
    }),
  };

  const scenario: Scenario = {
    name: r.string('name', top.name, nameFromSource(source)),
    description: r.string('description', top.description, DEFAULTS.description),
    seed: r.number('seed', top.seed, DEFAULTS.seed, { min: 0, max: LIMITS.seedMax, integer: true }),
    durationS,
    topology,
    network,
    store,
    users,
    workload,
    clients,
    faults,
    checks,
    sweeps: readSweeps(r, top.sweeps),
  };
  validateScenario(r, scenario);
  return { scenario, problems: r.problems };
}

function readChecks(r: Reader, value: unknown): readonly CheckName[] {
  if (value === undefined || value === 'all') return DEFAULTS.checks.run;
  const out: CheckName[] = [];
  r.list('checks.run', value).forEach((v, i) => {
    const name = r.choice(item('checks.run', i), v, ALL_CHECKS);
    if (name === undefined) return;
    if (out.includes(name))
      r.fail(item('checks.run', i), `expected each check once, got ${quote(name)} twice`);
    else out.push(name);
  });
  return out;
}

function readSweeps(r: Reader, value: unknown): Sweeps {
  const out: Sweeps = {};
  const sweeps = r.mapping('sweeps', value, 'scenario paths, each with a list of values');
  for (const [key, values] of Object.entries(sweeps)) {
    const path = `sweeps[${quote(key)}]`;
    const list = r.list(path, values);
    if (list.length === 0 || list.length > LIMITS.sweepValuesMax) {
      r.fail(path, `expected a list of 1..${LIMITS.sweepValuesMax} values, got ${quote(values)}`);
      continue;
    }
    const ok = list.filter((v, i) => {
      const scalar = typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';
      if (!scalar) r.fail(item(path, i), `expected a number, string or boolean, got ${quote(v)}`);
      return scalar;
    });
    out[key] = ok as (number | string | boolean)[];
  }
  return out;
}
