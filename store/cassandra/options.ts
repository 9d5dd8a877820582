/**
 * Options of the Cassandra/ScyllaDB store, their defaults, and their
 * validation at the boundary (a bad option names itself and quotes the value).
 *
 * Defaults: consistency LOCAL_QUORUM with serial consistency LOCAL_SERIAL
 * (the store's reads after writes rely on quorum levels; ONE/LOCAL_ONE are
 * accepted for a single node only), SimpleStrategy with RF 1, the contract's
 * DEFAULT_RETENTION, the system clock, a 12 s client read timeout.
 */
import { type Clock, systemClock } from '../../runtime/index.ts';
import type { Retention } from '../contract.ts';
import { invalidArgument } from '../errors.ts';
import { checkRetention } from '../validate.ts';
import type { CqlSession } from './cql.ts';
import { EXPIRY_GRACE_S } from './expiry.ts';

export const Consistency = {
  One: 'ONE',
  LocalOne: 'LOCAL_ONE',
  Quorum: 'QUORUM',
  LocalQuorum: 'LOCAL_QUORUM',
  EachQuorum: 'EACH_QUORUM',
  All: 'ALL',
} as const;
export type Consistency = (typeof Consistency)[keyof typeof Consistency];

export const SerialConsistency = { Serial: 'SERIAL', LocalSerial: 'LOCAL_SERIAL' } as const;
export type SerialConsistency = (typeof SerialConsistency)[keyof typeof SerialConsistency];

/** How the keyspace is created when it does not exist (an existing one is left alone). */
export type Replication =
  | { readonly class: 'SimpleStrategy'; readonly replicationFactor: number }
  | {
      readonly class: 'NetworkTopologyStrategy';
      readonly dataCenters: Readonly<Record<string, number>>;
    };

export interface CassandraStoreOptions {
  /** `host` or `host:port` of at least one node. */
  readonly contactPoints: readonly string[];
  /** The data center this process is in: token-aware routing stays inside it. */
  readonly localDataCenter: string;
  /** Created (with `replication`) and migrated on open. Lowercase identifier. */
  readonly keyspace: string;
  /** Default LOCAL_QUORUM. */
  readonly consistency?: Consistency;
  /** Default LOCAL_SERIAL. */
  readonly serialConsistency?: SerialConsistency;
  /** Default SimpleStrategy, replication factor 1. */
  readonly replication?: Replication;
  /** Each field defaults to DEFAULT_RETENTION of the contract. */
  readonly retention?: Partial<Retention>;
  /** Default systemClock: used for backoff between retries and migration timestamps. */
  readonly clock?: Clock;
  /** Client-side timeout of one request; default 12000. */
  readonly requestTimeoutMs?: number;
  /** Connect timeout per node; default 5000. */
  readonly connectTimeoutMs?: number;
  /** A seam for fault-injection tests: wraps the database session the store uses. */
  readonly wrapSession?: (session: CqlSession) => CqlSession;
}

export interface ResolvedOptions {
  readonly contactPoints: readonly string[];
  readonly localDataCenter: string;
  readonly keyspace: string;
  readonly consistency: Consistency;
  readonly serialConsistency: SerialConsistency;
  readonly replication: Replication;
  readonly retention: Retention;
  readonly clock: Clock;
  readonly requestTimeoutMs: number;
  readonly connectTimeoutMs: number;
}

const KEYSPACE = /^[a-z][a-z0-9_]{0,47}$/;
/** Cassandra's largest TTL (20 years) less the expiry grace the store adds. */
const RETENTION_MAX_MS = (630_720_000 - EXPIRY_GRACE_S) * 1000;

export function resolveOptions(options: CassandraStoreOptions): ResolvedOptions {
  if (!Array.isArray(options.contactPoints) || options.contactPoints.length === 0)
    throw invalidArgument('contactPoints', options.contactPoints, 'need at least one host[:port]');
  if (typeof options.localDataCenter !== 'string' || options.localDataCenter === '')
    throw invalidArgument(
      'localDataCenter',
      options.localDataCenter,
      'need the name of the local data center',
    );
  if (typeof options.keyspace !== 'string' || !KEYSPACE.test(options.keyspace))
    throw invalidArgument('keyspace', options.keyspace, 'must match /^[a-z][a-z0-9_]{0,47}$/');
  const consistency = options.consistency ?? Consistency.LocalQuorum;
  if (!Object.values(Consistency).includes(consistency))
    throw invalidArgument(
      'consistency',
      consistency,
      `must be one of ${Object.values(Consistency).join(', ')}`,
    );
  const serialConsistency = options.serialConsistency ?? SerialConsistency.LocalSerial;
  if (!Object.values(SerialConsistency).includes(serialConsistency))
    throw invalidArgument('serialConsistency', serialConsistency, 'must be SERIAL or LOCAL_SERIAL');
  const replication = options.replication ?? { class: 'SimpleStrategy', replicationFactor: 1 };
  const factors =
    replication.class === 'SimpleStrategy'
      ? [replication.replicationFactor]
      : Object.values(replication.dataCenters ?? {});
  if (factors.length === 0 || !factors.every((f) => Number.isInteger(f) && f >= 1 && f <= 15))
    throw invalidArgument(
      'replication',
      replication,
      'replication factors must be integers in 1..15',
    );
  const retention = checkRetention(options.retention);
  for (const name of ['inboxTtlMs', 'groupLogTtlMs', 'historyTtlMs'] as const)
    if (retention[name] > RETENTION_MAX_MS)
      throw invalidArgument(
        `retention.${name}`,
        retention[name],
        `must be at most ${RETENTION_MAX_MS} (about 20 years)`,
      );
  const requestTimeoutMs = options.requestTimeoutMs ?? 12_000;
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  for (const [name, ms] of [
    ['requestTimeoutMs', requestTimeoutMs],
    ['connectTimeoutMs', connectTimeoutMs],
  ] as const)
    if (!Number.isInteger(ms) || ms < 100 || ms > 600_000)
      throw invalidArgument(name, ms, 'must be whole ms in 100..600000');
  return {
    contactPoints: [...options.contactPoints],
    localDataCenter: options.localDataCenter,
    keyspace: options.keyspace,
    consistency,
    serialConsistency,
    replication,
    retention,
    clock: options.clock ?? systemClock,
    requestTimeoutMs,
    connectTimeoutMs,
  };
}
