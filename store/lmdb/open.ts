/**
 * `openLmdbStore`: opens (creating if needed) the LMDB environment in a
 * directory and returns the store on it.
 *
 * Durability: every write promise of the store resolves only after its LMDB
 * transaction is on disk, so whatever was reported written survives `kill -9`
 * of the process, and a crash of the machine too. The settings that give it:
 * - `noSync: false`: commits call fdatasync; never turn this on here.
 * - `overlappingSync: true` (the lmdb-js default on Linux and macOS):
 *   the next transaction may start while the previous one is being flushed,
 *   but the flush is still part of the commit: in lmdb-js 3.5 `mdb_txn_commit`
 *   returns only after `mdb_env_sync` (fdatasync of the data file, then the
 *   meta page written through an O_DSYNC descriptor), and the promise of a
 *   write resolves only after `mdb_txn_commit` returned (checked with strace:
 *   pwrite, fdatasync, meta pwrite, then the promise). (With `separateFlushed`
 *   the promise would resolve at commit and a separate `flushed` promise at
 *   the flush; we do not set it.) After `kill -9` the OS still holds every
 *   page written, and LMDB reopens on the last committed meta page; after a
 *   power loss (a new boot id) it falls back to the last flushed one, which
 *   covers every resolved write.
 * - `eventTurnBatching: true`, `commitDelay: 0`: writes issued in one
 *   event-loop turn share one transaction (group commit), which is what makes
 *   the per-append cost of the fsync small under load.
 * - `noSubdir: false`: `path` is always a directory, even with a dot in it.
 */
import { mkdirSync } from 'node:fs';
import { open } from 'lmdb';
import { type Clock, quote, systemClock } from '../../runtime/index.ts';
import type { Retention } from '../contract.ts';
import { invalidArgument, unavailable } from '../errors.ts';
import { checkInt, checkRetention } from '../validate.ts';
import { LmdbStore, type SweepOutcome } from './lmdb-store.ts';
import { openDbs } from './schema.ts';

export interface LmdbStoreOptions {
  /** Directory of the environment (created if missing). */
  readonly path: string;
  /** Source of time for expiry; default the system clock. */
  readonly clock?: Clock;
  /** TTLs (0: keep forever); defaults from `DEFAULT_RETENTION`. */
  readonly retention?: Partial<Retention>;
  /** Between background expiry sweeps; default 60 000 ms; 0: no timer. */
  readonly sweepIntervalMs?: number;
  /** Rows visited per sweep transaction; default 1000. */
  readonly sweepBatchMax?: number;
  /** Owners whose state is kept in memory; default 100 000. */
  readonly ownerCacheMax?: number;
  /** Initial map size (virtual address space; LMDB grows it as needed); default 1 GiB. */
  readonly mapSizeBytes?: number;
  /** Told what each background sweep did (for logs and metrics). */
  readonly onSweep?: (outcome: SweepOutcome) => void;
}

export const SWEEP_INTERVAL_MS_DEFAULT = 60_000;
export const SWEEP_BATCH_MAX_DEFAULT = 1000;
export const OWNER_CACHE_MAX_DEFAULT = 100_000;
export const MAP_SIZE_BYTES_DEFAULT = 2 ** 30;

export async function openLmdbStore(options: LmdbStoreOptions): Promise<LmdbStore> {
  const { path } = options;
  if (typeof path !== 'string' || path.length === 0)
    throw invalidArgument('path', path, 'must be a non-empty directory path');
  const retention = checkRetention(options.retention);
  const sweepIntervalMs = checkInt(
    'sweepIntervalMs',
    options.sweepIntervalMs ?? SWEEP_INTERVAL_MS_DEFAULT,
    0,
  );
  const sweepBatchMax = checkInt(
    'sweepBatchMax',
    options.sweepBatchMax ?? SWEEP_BATCH_MAX_DEFAULT,
    1,
  );
  const ownerCacheMax = checkInt(
    'ownerCacheMax',
    options.ownerCacheMax ?? OWNER_CACHE_MAX_DEFAULT,
    0,
  );
  const mapSize = checkInt('mapSizeBytes', options.mapSizeBytes ?? MAP_SIZE_BYTES_DEFAULT, 1 << 20);
  let env: ReturnType<typeof open>;
  try {
    mkdirSync(path, { recursive: true });
    env = open({
      path,
      noSubdir: false,
      maxDbs: 8,
      mapSize,
      noSync: false,
      noMetaSync: false,
      overlappingSync: true,
      eventTurnBatching: true,
      commitDelay: 0,
    });
  } catch (err) {
    throw unavailable(`openLmdbStore(${quote(path)})`, 'cannot open the environment', err);
  }
  return new LmdbStore(openDbs(env), {
    clock: options.clock ?? systemClock,
    retention,
    sweepIntervalMs,
    sweepBatchMax,
    ownerCacheMax,
    ...(options.onSweep ? { onSweep: options.onSweep } : {}),
  });
}
