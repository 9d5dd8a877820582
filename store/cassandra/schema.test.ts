/**
 * The versioned schema on a real Cassandra: migrations run once, in order,
 * and running them again changes nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { systemClock } from '../../runtime/index.ts';
import { CassandraStore } from './cassandra-store.ts';
import { resolveOptions } from './options.ts';
import {
  createKeyspaceCql,
  MIGRATIONS,
  type Migration,
  migrate,
  schemaVersion,
  WAKE_GC_GRACE_S,
} from './schema.ts';
import { connectSession, Exec } from './session.ts';
import { freshKeyspace, openTestStore, serviceOptions } from './test-kit.ts';

describe('schema migrations', () => {
  const keyspace = freshKeyspace('schema');
  const options = resolveOptions(serviceOptions(keyspace));
  const session = connectSession(options);
  const exec = new Exec(session, options);

  beforeAll(async () => {
    await (await openTestStore(keyspace)).close();
  });
  afterAll(() => session.shutdown());

  test('opening a store creates the keyspace at the newest version with every table', async () => {
    expect(await schemaVersion(exec, keyspace)).toBe(MIGRATIONS.length);
    const rows = await exec.rows(
      'SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?',
      [keyspace],
      { limit: 100 },
    );
    expect(rows.map((r) => r.get('table_name')).sort()).toEqual([
      'cursors',
      'epochs',
      'group_log',
      'groups',
      'media',
      'push_subscriptions',
      'schema_version',
      'user_log',
      'wake',
    ]);
  });

  test('migrating again applies nothing, also through a second store', async () => {
    expect(await migrate(exec, keyspace, options.replication, systemClock)).toEqual([]);
    const again = new CassandraStore(connectSession(options), options);
    try {
      expect(await again.migrate()).toEqual([]);
    } finally {
      await again.close();
    }
    const versions = await exec.rows(
      'SELECT version FROM ' + keyspace + '.schema_version WHERE component = ?',
      ['parley'],
      { limit: 100 },
    );
    expect(versions.map((r) => r.get('version'))).toEqual(MIGRATIONS.map((m) => m.version));
  });

  test('a new migration is applied once, after the existing ones', async () => {
    const next: Migration = {
      version: MIGRATIONS.length + 1,
      description: 'test-only table',
      statements: (ks) => [`CREATE TABLE IF NOT EXISTS ${ks}.extra (id text PRIMARY KEY)`],
    };
    const list = [...MIGRATIONS, next];
    expect(await migrate(exec, keyspace, options.replication, systemClock, list)).toEqual([
      next.version,
    ]);
    expect(await migrate(exec, keyspace, options.replication, systemClock, list)).toEqual([]);
    expect(await schemaVersion(exec, keyspace)).toBe(next.version);
  });

  test('a keyspace at version 1 gains the wake list on open, and keeps its data', async () => {
    const old = freshKeyspace('v1');
    const v1 = MIGRATIONS.slice(0, 1);
    expect(await migrate(exec, old, options.replication, systemClock, v1)).toEqual([1]);
    await exec.write(
      `INSERT INTO ${old}.media (id, owner, mime, size, ts) VALUES (?, ?, ?, ?, ?)`,
      ['m1', 'alice', 'image/png', 1n, 1n],
    );
    const store = await openTestStore(old);
    try {
      expect(await schemaVersion(exec, old)).toBe(MIGRATIONS.length);
      const wake = await exec.first(
        'SELECT gc_grace_seconds FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?',
        [old, 'wake'],
      );
      expect(wake?.get('gc_grace_seconds')).toBe(WAKE_GC_GRACE_S);
      expect((await store.getMedia('m1'))?.owner).toBe('alice');
      await store.markWake('user:alice');
      expect(await store.listWake(null, 10)).toEqual(['user:alice']);
    } finally {
      await store.close();
    }
  });

  test('a migration list out of order is refused before anything runs', async () => {
    const bad: Migration = { version: 7, description: 'gap', statements: () => [] };
    await expect(
      migrate(exec, keyspace, options.replication, systemClock, [...MIGRATIONS, bad]),
    ).rejects.toThrow(
      `migration ${MIGRATIONS.length} has version 7, expected ${MIGRATIONS.length + 1}`,
    );
  });

  test('the keyspace is created with the configured replication', () => {
    expect(createKeyspaceCql('ks', { class: 'SimpleStrategy', replicationFactor: 3 })).toBe(
      "CREATE KEYSPACE IF NOT EXISTS ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}",
    );
    expect(
      createKeyspaceCql('ks', {
        class: 'NetworkTopologyStrategy',
        dataCenters: { dc1: 3, dc2: 2 },
      }),
    ).toBe(
      "CREATE KEYSPACE IF NOT EXISTS ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3, 'dc2': 2}",
    );
  });
});
