/**
 * The storage layer's public face. Outside `store/`, import only from here.
 *
 * - The contract (`contract.ts`): the `Store` and `BlobStore` interfaces and
 *   their data shapes, which every implementation honours.
 * - Errors (`errors.ts`): `FencedError` and the canonical failures.
 * - Implementations: the embedded LMDB store (the default), the
 *   ScyllaDB/Cassandra store, and the in-memory store (for the simulator and
 *   tests); the filesystem blob store.
 * - The contract suite (`contract-suite.ts`) is for tests and is imported by
 *   path from test files, so vitest never loads into production code.
 */

export { FsBlobStore, type FsBlobStoreOptions, openFsBlobStore } from './blob-fs.ts';
export {
  CassandraStore,
  type CassandraStoreOptions,
  openCassandraStore,
} from './cassandra/index.ts';
export {
  type AppendResult,
  type BlobStore,
  type Content,
  type ConversationPage,
  type ConversationSummary,
  DEFAULT_RETENTION,
  type GroupLogEntry,
  type GroupLogRecord,
  type GroupMeta,
  type HistoryPage,
  type InboxAppend,
  type InboxEntry,
  type InboxRecord,
  type MediaMeta,
  type PendingForward,
  PushKind,
  type PushSubscriptionRecord,
  type ReadMark,
  type Receipt,
  type ReceiptEntry,
  ReceiptStatus,
  type Retention,
  type Store,
} from './contract.ts';
export {
  FencedError,
  groupExists,
  indeterminate,
  invalidArgument,
  staleEpoch,
  toStoreError,
  unavailable,
  versionConflict,
} from './errors.ts';
export {
  LmdbStore,
  type LmdbStoreOptions,
  openLmdbStore,
  type SweepOutcome,
} from './lmdb/index.ts';
export { MemoryStore, type MemoryStoreOptions } from './memory/index.ts';
