/**
 * The ScyllaDB/Cassandra store: the public face of `store/cassandra/`.
 */
export { CassandraStore, openCassandraStore } from './cassandra-store.ts';
export type { BatchQuery, CqlOptions, CqlResult, CqlSession } from './cql.ts';
export {
  type CassandraStoreOptions,
  Consistency,
  type Replication,
  SerialConsistency,
} from './options.ts';
export { MIGRATIONS, type Migration } from './schema.ts';
