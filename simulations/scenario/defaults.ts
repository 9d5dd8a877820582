/**
 * Every default and every limit of a scenario, in one place. A field left
 * out of a scenario file takes the value here; a value outside the limits is
 * refused when the file is read.
 *
 * Defaults (YAML keys as in `Scenario`, see `simulations/types.ts`):
 *
 * - name: the file's name without `.yaml`; description: ''; seed: 1; durationS: 30
 * - topology: nodes 3, downAfterMs 2000, heartbeatMs 250
 * - network: latencyMs lognormal median 1 ms sigma 0.5, dropRate 0, duplicateRate 0,
 *   clientLatencyMs lognormal median 20 ms sigma 0.5
 * - store: latencyMs lognormal median 2 ms sigma 0.5, failureRate 0, indeterminateRate 0
 * - users: count 100, devicesPerUser 1
 * - workload: messagesPerUserPerS 0.1, groupShare 0.1, groups 10 of size 8,
 *   typingShare 0.1, presenceContacts 4, startS 0, stopS = durationS
 * - clients: reconnect initialDelayMs 250, maxDelayMs 10000, jitter true; ackTimeoutMs 20000
 * - faults: none. A fault's own defaults: crash restarts never unless `restartAfterS`;
 *   link-loss duplicateRate 0; reconnect-storm jitter = clients.reconnect.jitter
 * - checks: run all, availabilityDeadlineMs 5000, availabilityMin 0 (report only),
 *   convergenceS 30
 * - sweeps: none
 *
 * Two defaults follow another field: `workload.stopS` is `durationS`, and a
 * reconnect storm's `jitter` is `clients.reconnect.jitter`. When a scenario is
 * written back (or swept), a value equal to the one it would follow is left
 * out, so that sweeping `durationS` moves the workload's end with it.
 */
import type { CheckName, Distribution } from '../types.ts';

export const ALL_CHECKS = [
  'lost',
  'duplicated',
  'reordered',
  'receipts',
  'seq-owners',
  'availability',
  'convergence',
  'latency',
  'messages-per-op',
] as const satisfies readonly CheckName[];

// Fails to compile when `CheckName` gains a member `ALL_CHECKS` lacks.
const everyCheck: [Exclude<CheckName, (typeof ALL_CHECKS)[number]>] extends [never] ? true : never =
  true;
void everyCheck;

const lognormal = (medianMs: number, sigma: number): Distribution => ({
  dist: 'lognormal',
  medianMs,
  sigma,
});

export const DEFAULTS = {
  description: '',
  seed: 1,
  durationS: 30,
  topology: { nodes: 3, downAfterMs: 2000, heartbeatMs: 250 },
  network: {
    latencyMs: lognormal(1, 0.5),
    dropRate: 0,
    duplicateRate: 0,
    clientLatencyMs: lognormal(20, 0.5),
  },
  store: { latencyMs: lognormal(2, 0.5), failureRate: 0, indeterminateRate: 0 },
  users: { count: 100, devicesPerUser: 1 },
  workload: {
    messagesPerUserPerS: 0.1,
    groupShare: 0.1,
    groups: { count: 10, size: 8 },
    typingShare: 0.1,
    presenceContacts: 4,
    startS: 0,
  },
  clients: {
    reconnect: { initialDelayMs: 250, maxDelayMs: 10_000, jitter: true },
    ackTimeoutMs: 20_000,
  },
  checks: {
    run: ALL_CHECKS,
    availabilityDeadlineMs: 5000,
    availabilityMin: 0,
    convergenceS: 30,
  },
  linkLossDuplicateRate: 0,
} as const;

/** Bounds: "put a limit on everything". */
export const LIMITS = {
  seedMax: 0xffff_ffff,
  durationSMax: 86_400,
  nodes: { min: 1, max: 16 },
  users: { min: 1, max: 100_000 },
  devicesPerUser: { min: 1, max: 4 },
  groupsCount: { min: 0, max: 10_000 },
  groupSize: { min: 2, max: 1024 },
  presenceContactsMax: 1000,
  messagesPerUserPerSMax: 100,
  /** Any latency, timeout or delay in ms: ten minutes. */
  msMax: 600_000,
  convergenceSMax: 3600,
  faultsMax: 1000,
  /** Values of one sweep, and runs of a whole sweep (the cartesian product). */
  sweepValuesMax: 1000,
  sweepRunsMax: 10_000,
} as const;
