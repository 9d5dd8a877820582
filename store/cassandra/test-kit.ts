/**
 * Helpers for the Cassandra store's tests: a fresh keyspace name per call and
 * a store on the Cassandra that the global test setup provides.
 * Test-only: nothing outside `*.test.ts` imports this file.
 */
import { inject } from 'vitest';
import { systemRandom } from '../../runtime/index.ts';
import type { Retention } from '../contract.ts';
import { type CassandraStore, openCassandraStore } from './cassandra-store.ts';
import type { CqlSession } from './cql.ts';
import { resolveOptions } from './options.ts';
import { connectSession } from './session.ts';

let counter = 0;

/** A keyspace name no other test (or test run) uses. */
export function freshKeyspace(tag: string): string {
  counter += 1;
  return `t_${tag}_${process.pid}_${counter}_${systemRandom.int(1_000_000_000)}`;
}

export function serviceOptions(keyspace: string) {
  const { contactPoint, localDataCenter } = inject('cassandra');
  return { contactPoints: [contactPoint], localDataCenter, keyspace };
}

export function openTestStore(keyspace: string, retention?: Retention): Promise<CassandraStore> {
  return openCassandraStore({ ...serviceOptions(keyspace), ...(retention ? { retention } : {}) });
}

/** A raw session on the provided Cassandra (for checks the store does not expose, e.g. TTL). */
export function rawSession(keyspace: string): CqlSession {
  return connectSession(resolveOptions(serviceOptions(keyspace)));
}
