/**
 * The Cassandra store: the shared storage contract suite against the
 * Cassandra of the global test setup (a fresh keyspace per fixture), plus
 * what only this store has: its options and a closed store.
 *
 * Expiry follows the store's clock (`expiry.ts`), so the suite's virtual
 * clock drives the retention tests without waiting for server TTLs.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, ParleyError } from '../../runtime/index.ts';
import { runStoreContract } from '../contract-suite.ts';
import { openCassandraStore } from './cassandra-store.ts';
import { freshKeyspace, serviceOptions } from './test-kit.ts';

runStoreContract(
  'cassandra',
  async ({ clock, retention }) => {
    const options = { ...serviceOptions(freshKeyspace('contract')), clock, retention };
    let store = await openCassandraStore(options);
    return {
      store,
      cleanup: () => store.close(),
      reopen: async () => {
        await store.close();
        store = await openCassandraStore(options);
        return store;
      },
    };
    // Marks are written before the append's batch (`wake-marks.ts`).
  },
  { wakeDerivation: 'before-append' },
);

describe('cassandra store', () => {
  it('a closed store rejects every call with unavailable', async () => {
    const store = await openCassandraStore(serviceOptions(freshKeyspace('closed')));
    await store.close();
    await store.close();
    const err = await store.readInbox('a', 0, 10).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParleyError);
    expect((err as ParleyError).code).toBe(ErrorCode.Unavailable);
    expect((err as ParleyError).message).toBe(
      'readInbox("a"): store unavailable: the store is closed',
    );
    await expect(store.acquireEpoch('user:a')).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('bad options are invalid_argument, naming the option and quoting the value', async () => {
    const base = serviceOptions('ks');
    await expect(openCassandraStore({ ...base, keyspace: 'Bad-Name' })).rejects.toMatchObject({
      code: 'invalid_argument',
      message: 'invalid keyspace "Bad-Name": must match /^[a-z][a-z0-9_]{0,47}$/',
    });
    await expect(
      openCassandraStore({ ...base, retention: { inboxTtlMs: -1 } }),
    ).rejects.toMatchObject({
      code: 'invalid_argument',
      message: 'invalid retention.inboxTtlMs -1: must be a safe integer >= 0',
    });
    await expect(
      openCassandraStore({ ...base, consistency: 'TWO' as never }),
    ).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    await expect(openCassandraStore({ ...base, contactPoints: [] })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
  });

  it('one call takes the contract limit of 1000 items in one atomic batch, and refuses more', async () => {
    const store = await openCassandraStore(serviceOptions(freshKeyspace('limits')));
    try {
      const epoch = await store.acquireEpoch('user:big');
      const items = Array.from({ length: 1000 }, (_, i) => ({
        record: {
          key: `b/${i}`,
          from: 'b',
          id: `${i}`,
          ts: 1,
          content: { type: 'text', text: 'x'.repeat(200) },
        },
        conversation: 'u:b',
        pendingFor: ['b'],
      }));
      const results = await store.appendInbox('big', epoch, items);
      expect(results.map((r) => r.seq)).toEqual(items.map((_, i) => i + 1));
      expect((await store.readInbox('big', 0, 2000)).length).toBe(1000);
      expect((await store.listPending('big', 2000)).length).toBe(1000);
      const receipts = items.map((_, i) => ({
        id: `${i}`,
        by: 'b',
        status: 'read' as const,
        ts: 1,
      }));
      expect((await store.recordReceipts('big', epoch, receipts)).at(-1)?.rseq).toBe(1000);
      await expect(store.appendInbox('big', epoch, [...items, items[0]!])).rejects.toMatchObject({
        code: 'invalid_argument',
        message: 'invalid items.length 1001: must be at most 1000',
      });
      await expect(store.findByKey('big', 'a\u0000b')).rejects.toMatchObject({
        code: 'invalid_argument',
      });
    } finally {
      await store.close();
    }
  });

  it('an unreachable database fails the open with unavailable', async () => {
    const err = await openCassandraStore({
      contactPoints: ['127.0.0.1:1'],
      localDataCenter: 'datacenter1',
      keyspace: 'nowhere',
      connectTimeoutMs: 500,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParleyError);
    expect((err as ParleyError).code).toBe(ErrorCode.Unavailable);
    expect((err as ParleyError).message).toMatch(/^migrate\("nowhere"\): store unavailable: /);
  });
});
