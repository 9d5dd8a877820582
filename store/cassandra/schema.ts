/**
 * The versioned schema: an ordered list of migrations and `migrate`, which
 * creates the keyspace (if missing) and applies each migration newer than the
 * highest version recorded in `schema_version`.
 *
 * Invariants: versions are 1, 2, 3, ... in order; every statement of a
 * migration is idempotent (`IF NOT EXISTS`), so a migration interrupted
 * half-way, or run by two processes at once, converges when run again; a
 * version is recorded only after all its statements succeeded. Only CQL that
 * both ScyllaDB and Cassandra accept: no SAI, no materialized views, no
 * secondary indexes.
 *
 * Tables (see `rows.ts` for the row kinds of the two log tables, and
 * `expiry.ts` for their `exp` column):
 * - `user_log`: one partition per user: inbox, key index, history, pending
 *   marks, receipt statuses and receipt log, with static `epoch`, `head`
 *   (last inbox seq) and `rhead` (last receipt rseq). One partition makes one
 *   conditional batch fenced, gapless and atomic.
 * - `group_log`: one partition per group: log entries and key index, static
 *   `epoch` and `head` (last gseq).
 * - `groups`: group metadata, compare-and-set on `version`.
 * - `epochs`: epochs of owners that are neither `user:` nor `group:`.
 * - `cursors`: per-device cursors, written `USING TIMESTAMP <seq>` (max wins).
 * - `media`: media metadata.
 * - `wake` (version 2): the wake list, owners in fixed buckets (`wake.ts`).
 * - `push_subscriptions` (version 3): push subscriptions, one partition per
 *   user, the record as JSON in `body` (`push.ts`).
 *
 * A change to the schema is a new migration at the end of the list; a
 * migration that was released is never edited.
 */
import { type Clock, ErrorCode, ParleyError } from '../../runtime/index.ts';
import type { Replication } from './options.ts';
import type { Exec } from './session.ts';

export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly statements: (keyspace: string) => readonly string[];
}

/** Tombstone lifetime of the `wake` table: 3 h, the default hint window. */
export const WAKE_GC_GRACE_S = 3 * 3600;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'user log, group log, groups, epochs, cursors, media',
    statements: (ks) => [
      `CREATE TABLE IF NOT EXISTS ${ks}.user_log (
        uid text, kind tinyint, tag text, seq bigint, sub text,
        body text, wid text, exp bigint,
        epoch bigint static, head bigint static, rhead bigint static,
        PRIMARY KEY ((uid), kind, tag, seq, sub))`,
      `CREATE TABLE IF NOT EXISTS ${ks}.group_log (
        gid text, kind tinyint, tag text, seq bigint,
        body text, wid text, exp bigint,
        epoch bigint static, head bigint static,
        PRIMARY KEY ((gid), kind, tag, seq))`,
      `CREATE TABLE IF NOT EXISTS ${ks}.groups (
        gid text PRIMARY KEY, name text, members frozen<list<text>>, admins frozen<list<text>>,
        created_by text, created_ts bigint, version int, wid text)`,
      `CREATE TABLE IF NOT EXISTS ${ks}.epochs (owner text PRIMARY KEY, epoch bigint)`,
      `CREATE TABLE IF NOT EXISTS ${ks}.cursors (
        uid text, device text, seq bigint, PRIMARY KEY ((uid), device))`,
      `CREATE TABLE IF NOT EXISTS ${ks}.media (
        id text PRIMARY KEY, owner text, mime text, size bigint, ts bigint)`,
    ],
  },
  {
    version: 2,
    description: 'wake list: owners with unfinished work, in 16 buckets',
    // A short gc_grace: a tombstone purged too early can only resurrect a cleared mark (see `wake.ts`).
    statements: (ks) => [
      `CREATE TABLE IF NOT EXISTS ${ks}.wake (
        bucket int, owner text, PRIMARY KEY ((bucket), owner))
        WITH gc_grace_seconds = ${WAKE_GC_GRACE_S}`,
    ],
  },
  {
    version: 3,
    description: 'push subscriptions, one partition per user',
    statements: (ks) => [
      `CREATE TABLE IF NOT EXISTS ${ks}.push_subscriptions (
        uid text, id text, body text, PRIMARY KEY ((uid), id))`,
    ],
  },
];

const COMPONENT = 'parley';

export function createKeyspaceCql(keyspace: string, replication: Replication): string {
  const spec =
    replication.class === 'SimpleStrategy'
      ? `'class': 'SimpleStrategy', 'replication_factor': ${replication.replicationFactor}`
      : [
          `'class': 'NetworkTopologyStrategy'`,
          ...Object.entries(replication.dataCenters).map(
            ([dc, rf]) => `'${dc.replaceAll("'", "''")}': ${rf}`,
          ),
        ].join(', ');
  return `CREATE KEYSPACE IF NOT EXISTS ${keyspace} WITH replication = {${spec}}`;
}

/** Brings the keyspace to the newest schema; returns the versions it applied (empty when current). */
export async function migrate(
  exec: Exec,
  keyspace: string,
  replication: Replication,
  clock: Clock,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new ParleyError(
        ErrorCode.Internal,
        `migration ${i} has version ${m.version}, expected ${i + 1}`,
      );
  });
  await exec.ddl(createKeyspaceCql(keyspace, replication));
  await exec.ddl(
    `CREATE TABLE IF NOT EXISTS ${keyspace}.schema_version (
      component text, version int, description text, applied_ms bigint,
      PRIMARY KEY ((component), version))`,
  );
  const current = await schemaVersion(exec, keyspace);
  const applied: number[] = [];
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    for (const cql of migration.statements(keyspace)) await exec.ddl(cql);
    await exec.write(
      `INSERT INTO ${keyspace}.schema_version (component, version, description, applied_ms) VALUES (?, ?, ?, ?)`,
      [COMPONENT, migration.version, migration.description, BigInt(clock.now())],
    );
    applied.push(migration.version);
  }
  return applied;
}

/** The highest applied version (0 before the first migration). */
export async function schemaVersion(exec: Exec, keyspace: string): Promise<number> {
  const row = await exec.first(
    `SELECT version FROM ${keyspace}.schema_version WHERE component = ? ORDER BY version DESC LIMIT 1`,
    [COMPONENT],
  );
  return row ? Number(row.get('version')) : 0;
}
