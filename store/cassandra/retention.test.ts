/**
 * Retention on a real Cassandra: rows carry `exp` by the store's clock and
 * are written `USING TTL` of the retention plus the grace; reads skip
 * expired rows exactly when the clock passes `exp`; heads never expire.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { VirtualClock } from '../../runtime/testing/index.ts';
import type { InboxAppend } from '../contract.ts';
import { type CassandraStore, openCassandraStore } from './cassandra-store.ts';
import type { CqlSession } from './cql.ts';
import { EXPIRY_GRACE_S } from './expiry.ts';
import { resolveOptions } from './options.ts';
import { Kind } from './rows.ts';
import { Exec } from './session.ts';
import { freshKeyspace, rawSession, serviceOptions } from './test-kit.ts';

const retention = { inboxTtlMs: 3_600_000, groupLogTtlMs: 7_200_000, historyTtlMs: 0 };
const rec = (id: string, pendingFor?: string[]): InboxAppend => ({
  record: { key: `b/${id}`, from: 'b', id, to: 't', ts: 1, content: { type: 'text' } },
  conversation: 'u:b',
  ...(pendingFor ? { pendingFor } : {}),
});

describe('retention', () => {
  const keyspace = freshKeyspace('ttl');
  const clock = new VirtualClock();
  let store: CassandraStore;
  let session: CqlSession;
  let exec: Exec;

  beforeAll(async () => {
    store = await openCassandraStore({ ...serviceOptions(keyspace), retention, clock });
    session = rawSession(keyspace);
    exec = new Exec(session, resolveOptions(serviceOptions(keyspace)));
  });
  afterAll(async () => {
    await store?.close();
    await session?.shutdown();
  });

  /** [kind, exp, TTL(wid)] of every clustered row of a partition. */
  async function rowsOf(table: 'user_log' | 'group_log', id: string) {
    const pk = table === 'user_log' ? 'uid' : 'gid';
    const rows = await exec.rows(
      `SELECT kind, exp, TTL(wid) AS ttl FROM ${keyspace}.${table} WHERE ${pk} = ?`,
      [id],
      { limit: 1000 },
    );
    return rows
      .filter((r) => r.get('kind') !== null)
      .map((r) => {
        const exp = r.get('exp') as bigint | null;
        return [
          r.get('kind') as number,
          exp === null ? null : Number(exp),
          r.get('ttl') as number | null,
        ];
      });
  }

  const near = (expected: number) => (ttl: unknown) =>
    typeof ttl === 'number' && ttl <= expected && ttl > expected - 60;

  test('inbox rows, key index, pending marks and receipts expire by the inbox retention; history and the chat list never', async () => {
    const epoch = await store.acquireEpoch('user:t1');
    const writtenMs = clock.now();
    await store.appendInbox('t1', epoch, [rec('1', ['b'])]);
    await store.recordReceipts('t1', epoch, [{ id: '1', by: 'b', status: 'read', ts: 2 }]);
    const rows = await rowsOf('user_log', 't1');
    const kinds = rows.map(([kind]) => kind).sort();
    expect(kinds).toEqual([
      Kind.Entry,
      Kind.Key,
      Kind.History,
      Kind.Pending,
      Kind.ReceiptStatus,
      Kind.ReceiptLog,
      Kind.Chat,
      Kind.Activity,
    ]);
    for (const [kind, exp, ttl] of rows) {
      if (kind === Kind.History || kind === Kind.Chat || kind === Kind.Activity) {
        expect([exp, ttl], `kind ${kind}`).toEqual([null, null]);
        continue;
      }
      expect(exp, `kind ${kind}`).toBe(writtenMs + retention.inboxTtlMs);
      expect(near(3600 + EXPIRY_GRACE_S)(ttl), `kind ${kind}: TTL ${ttl}`).toBe(true);
    }
  });

  test('group log entries and keys expire by the group log retention', async () => {
    const epoch = await store.acquireEpoch('group:tg');
    await store.appendGroupLog('tg', epoch, [
      { key: 'a/1', from: 'a', id: '1', ts: 1, content: { type: 't' } },
    ]);
    const rows = await rowsOf('group_log', 'tg');
    expect(rows).toHaveLength(2);
    for (const [, exp, ttl] of rows) {
      expect(exp).toBe(clock.now() + retention.groupLogTtlMs);
      expect(near(7200 + EXPIRY_GRACE_S)(ttl)).toBe(true);
    }
  });

  test('reads stop returning rows the moment the clock passes their expiry; heads stay', async () => {
    const epoch = await store.acquireEpoch('user:x');
    await store.appendInbox('x', epoch, [rec('1', ['b']), rec('2')]);
    await store.recordReceipts('x', epoch, [{ id: '1', by: 'b', status: 'delivered', ts: 1 }]);
    clock.setNow(clock.now() + retention.inboxTtlMs - 1);
    expect((await store.readInbox('x', 0, 10)).map((e) => e.seq)).toEqual([1, 2]);
    expect(await store.receiptStatus('x', '1', 'b')).toBe('delivered');
    clock.setNow(clock.now() + 1);
    expect(await store.readInbox('x', 0, 10)).toEqual([]);
    expect(await store.findByKey('x', 'b/1')).toBeUndefined();
    expect(await store.listPending('x', 10)).toEqual([]);
    expect(await store.readReceipts('x', 0, 10)).toEqual([]);
    expect(await store.receiptStatus('x', '1', 'b')).toBeUndefined();
    expect((await store.history('x', 'u:b', null, 10)).entries.map((e) => e.seq)).toEqual([1, 2]);
    expect(await store.inboxHead('x')).toBe(2);
    // The expired key is forgotten: appended again it gets the next seq, and reads see only the new row.
    expect(await store.appendInbox('x', epoch, [rec('1')])).toEqual([{ seq: 3, duplicate: false }]);
    expect((await store.findByKey('x', 'b/1'))?.seq).toBe(3);
    expect(await store.appendInbox('x', epoch, [rec('1')])).toEqual([{ seq: 3, duplicate: true }]);
    expect(
      await store.recordReceipts('x', epoch, [{ id: '1', by: 'b', status: 'delivered', ts: 3 }]),
    ).toEqual([{ id: '1', by: 'b', status: 'delivered', ts: 3, rseq: 2 }]);
  });

  test('reads page past expired rows to fill their limit', async () => {
    const epoch = await store.acquireEpoch('user:p');
    const old = Array.from({ length: 30 }, (_, i) => rec(`old${i}`));
    await store.appendInbox('p', epoch, old);
    clock.setNow(clock.now() + 1000);
    await store.appendInbox('p', epoch, [rec('new1'), rec('new2'), rec('new3')]);
    clock.setNow(clock.now() + retention.inboxTtlMs - 500); // the 30 old ones expired, the new ones not
    expect((await store.readInbox('p', 0, 2)).map((e) => e.seq)).toEqual([31, 32]);
    expect((await store.readInbox('p', 0, 10)).map((e) => e.seq)).toEqual([31, 32, 33]);
  });
});
