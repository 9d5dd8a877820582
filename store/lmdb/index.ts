/**
 * The embedded LMDB store: the public face of `store/lmdb/`.
 */
export { LmdbStore, type SweepOutcome } from './lmdb-store.ts';
export {
  type LmdbStoreOptions,
  openLmdbStore,
  SWEEP_BATCH_MAX_DEFAULT,
  SWEEP_INTERVAL_MS_DEFAULT,
} from './open.ts';
