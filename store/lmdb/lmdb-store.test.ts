/**
 * The LMDB store: the storage contract suite, plus what only LMDB has:
 * the expiry sweep, reopening a directory, and a closed store.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { afterAll, describe, expect, it } from 'vitest';
import { ParleyError } from '../../runtime/index.ts';
import { VirtualClock } from '../../runtime/testing/index.ts';
import { runStoreContract } from '../contract-suite.ts';
import { openLmdbStore } from './open.ts';

const root = await mkdtemp(join(tmpdir(), 'parley-lmdb-'));
let stores = 0;
const freshPath = () => join(root, `store-${++stores}`);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

runStoreContract('lmdb', async ({ clock, retention }) => {
  const path = freshPath();
  const open = () => openLmdbStore({ path, clock, retention, sweepIntervalMs: 0 });
  let store = await open();
  return {
    store,
    cleanup: () => store.close(),
    // Run the sweep too, so the retention tests see reads after purging.
    elapse: async () => {
      await store.sweep();
    },
    reopen: async () => {
      await store.close();
      store = await open();
      return store;
    },
  };
});

/** Rows per named database, read from a closed store's directory. */
async function rowCounts(path: string): Promise<Record<string, number>> {
  const env = open({ path, maxDbs: 8 });
  const out: Record<string, number> = {};
  for (const name of ['owners', 'users', 'groups', 'glog', 'media', 'wake'])
    out[name] = env
      .openDB(name, name === 'owners' || name === 'groups' ? { useVersions: true } : {})
      .getKeysCount();
  await env.close();
  return out;
}

describe('lmdb store', () => {
  it('the sweep deletes expired rows with their key index, pending marks and receipt status, and keeps the heads', async () => {
    const clock = new VirtualClock();
    const path = freshPath();
    const retention = { inboxTtlMs: 1000, groupLogTtlMs: 1000, historyTtlMs: 1000 };
    const store = await openLmdbStore({
      path,
      clock,
      retention,
      sweepIntervalMs: 0,
      sweepBatchMax: 3,
    });
    const epoch = await store.acquireEpoch('user:a');
    const gEpoch = await store.acquireEpoch('group:g');
    for (let i = 0; i < 5; i++) {
      await store.appendInbox('a', epoch, [
        {
          record: { key: `b/${i}`, from: 'b', id: `${i}`, to: 'a', ts: 1, content: { type: 't' } },
          conversation: i % 2 ? 'u:b' : 'u:c',
          pendingFor: ['b', 'c'],
        },
      ]);
      await store.recordReceipts('a', epoch, [{ id: `${i}`, by: 'b', status: 'read', ts: 1 }]);
      await store.appendGroupLog('g', gEpoch, [
        { key: `b/${i}`, from: 'b', id: `${i}`, ts: 1, content: { type: 't' } },
      ]);
    }
    await store.advanceCursor('a', 'phone', 5);
    expect(await store.sweep()).toBe(0);
    clock.setNow(clock.now() + 1000);
    // 5 history rows (taking their inbox rows along), 5 receipt log rows, 5 group log entries.
    expect(await store.sweep()).toBe(15);
    expect(await store.sweep()).toBe(0);
    await store.close();
    // Left: the cursor and the chat list of two conversations (a summary and an
    // activity row each, which never expire) in users; the two owner state rows;
    // the wake mark of group:g (a group clears its own with clearWake; user:a's
    // went with its last pending mark).
    expect(await rowCounts(path)).toEqual({
      owners: 2,
      users: 5,
      groups: 0,
      glog: 0,
      media: 0,
      wake: 1,
    });

    const again = await openLmdbStore({ path, clock, retention, sweepIntervalMs: 0 });
    expect(await again.inboxHead('a')).toBe(5);
    const e2 = await again.acquireEpoch('user:a');
    expect(e2).toBe(epoch + 1);
    expect(
      await again.appendInbox('a', e2, [
        {
          record: { key: 'b/0', from: 'b', id: '0', to: 'a', ts: 1, content: { type: 't' } },
          conversation: 'u:b',
        },
      ]),
    ).toEqual([{ seq: 6, duplicate: false }]);
    await again.close();
  });

  it('with a longer history TTL the sweep drops the inbox rows first and the history rows later', async () => {
    const clock = new VirtualClock();
    const path = freshPath();
    const retention = { inboxTtlMs: 1000, groupLogTtlMs: 0, historyTtlMs: 5000 };
    const store = await openLmdbStore({ path, clock, retention, sweepIntervalMs: 0 });
    const epoch = await store.acquireEpoch('user:a');
    for (let i = 0; i < 3; i++)
      await store.appendInbox('a', epoch, [
        {
          record: { key: `b/${i}`, from: 'b', id: `${i}`, to: 'a', ts: 1, content: { type: 't' } },
          conversation: 'u:b',
          pendingFor: ['b'],
        },
      ]);
    clock.setNow(clock.now() + 1000);
    expect(await store.sweep()).toBe(3);
    expect(await store.readInbox('a', 0, 10)).toEqual([]);
    expect((await store.history('a', 'u:b', null, 10)).entries.map((e) => e.seq)).toEqual([
      1, 2, 3,
    ]);
    clock.setNow(clock.now() + 4000);
    expect(await store.sweep()).toBe(3);
    await store.close();
    // Left: the chat list summary of u:b and its activity row, which never expire.
    expect(await rowCounts(path)).toEqual({
      owners: 1,
      users: 2,
      groups: 0,
      glog: 0,
      media: 0,
      wake: 0,
    });
  });

  it('the background sweep runs on the injected clock and reports what it did', async () => {
    const clock = new VirtualClock();
    const outcomes: unknown[] = [];
    const store = await openLmdbStore({
      path: freshPath(),
      clock,
      retention: { inboxTtlMs: 500 },
      sweepIntervalMs: 1000,
      onSweep: (o) => outcomes.push(o),
    });
    const epoch = await store.acquireEpoch('user:a');
    await store.appendInbox('a', epoch, [
      {
        record: { key: 'b/1', from: 'b', id: '1', to: 'a', ts: 1, content: { type: 't' } },
        conversation: 'u:b',
      },
    ]);
    clock.setNow(clock.now() + 1000);
    clock.fireDue();
    await expect.poll(() => outcomes.length).toBe(1);
    expect(outcomes).toEqual([{ purged: 1 }]);
    await store.close();
  });

  it('what was written survives close and reopen', async () => {
    const path = freshPath();
    const first = await openLmdbStore({ path, sweepIntervalMs: 0 });
    const epoch = await first.acquireEpoch('user:a');
    await first.appendInbox('a', epoch, [
      {
        record: { key: 'b/1', from: 'b', id: '1', to: 'a', ts: 1, content: { type: 't' } },
        conversation: 'u:b',
        pendingFor: ['b'],
      },
    ]);
    await first.saveGroup(
      { id: 'g', name: 'G', members: ['a'], admins: ['a'], createdBy: 'a', createdTs: 1 },
      0,
    );
    await first.close();
    const second = await openLmdbStore({ path, sweepIntervalMs: 0 });
    expect((await second.readInbox('a', 0, 10)).map((e) => e.key)).toEqual(['b/1']);
    expect(await second.listPending('a', 10)).toHaveLength(1);
    expect((await second.getGroup('g'))?.version).toBe(1);
    await expect(second.appendInbox('a', epoch, [])).resolves.toEqual([]);
    expect(await second.acquireEpoch('user:a')).toBe(epoch + 1);
    await second.close();
  });

  it('a second store writing the same owner makes the first decide again on fresh state, chat list heads included', async () => {
    const path = freshPath();
    const first = await openLmdbStore({ path, sweepIntervalMs: 0 });
    const second = await openLmdbStore({ path, sweepIntervalMs: 0 });
    const item = (n: number) => ({
      record: { key: `b/${n}`, from: 'b', id: `${n}`, to: 'a', ts: n, content: { type: 't' } },
      conversation: 'u:b',
    });
    const e1 = await first.acquireEpoch('user:a');
    await first.appendInbox('a', e1, [item(1)]);
    const e2 = await second.acquireEpoch('user:a');
    await second.appendInbox('a', e2, [item(2)]);
    await second.markRead('a', e2, 'u:b', 1);
    // The first store's cached state (epoch 1, head 1, unread 1) is refused by the version.
    await expect(first.appendInbox('a', e1, [item(3)])).rejects.toMatchObject({
      code: 'fenced',
      message: `"user:a": epoch 1 is stale: epoch 2 was acquired since`,
    });
    const e3 = await first.acquireEpoch('user:a');
    expect(e3).toBe(3);
    expect(await first.appendInbox('a', e3, [item(3), item(2)])).toEqual([
      { seq: 3, duplicate: false },
      { seq: 2, duplicate: true },
    ]);
    const page = await second.conversations('a', null, 10);
    expect(page.items.map((c) => [c.conversation, c.last.seq, c.unread, c.readUpTo])).toEqual([
      ['u:b', 3, 2, 1],
    ]);
    await first.close();
    await second.close();
  });

  it('a closed store rejects every call with unavailable', async () => {
    const store = await openLmdbStore({ path: freshPath(), sweepIntervalMs: 0 });
    await store.close();
    await store.close();
    const err = await store.readInbox('a', 0, 10).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParleyError);
    expect((err as ParleyError).code).toBe('unavailable');
    expect((err as ParleyError).message).toBe(
      'readInbox("a"): store unavailable: the store is closed',
    );
  });

  it('bad options are invalid_argument', async () => {
    await expect(openLmdbStore({ path: '' })).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(
      openLmdbStore({ path: freshPath(), retention: { inboxTtlMs: -1 } }),
    ).rejects.toMatchObject({
      code: 'invalid_argument',
      message: 'invalid retention.inboxTtlMs -1: must be a safe integer >= 0',
    });
  });
});

describe('group commit', () => {
  const record = (user: string, n: number) => ({
    record: {
      key: `${user}/m${n}`,
      from: user,
      id: `m${n}`,
      to: 'x',
      ts: 1,
      content: { type: 'text', body: '' },
    },
    conversation: 'u:x',
  });

  it('commits the appends of many owners issued in one turn in one transaction; awaited ones in one each', async () => {
    const store = await openLmdbStore({ path: freshPath(), sweepIntervalMs: 0 });
    try {
      const users = Array.from({ length: 50 }, (_, i) => `u${i}`);
      const epochs = await Promise.all(users.map((u) => store.acquireEpoch(`user:${u}`)));
      const before = store.commits;
      await Promise.all(users.map((u, i) => store.appendInbox(u, epochs[i]!, [record(u, 1)])));
      const together = store.commits - before;
      expect(together).toBeGreaterThanOrEqual(1);
      expect(together).toBeLessThanOrEqual(2);
      const start = store.commits;
      for (let n = 2; n <= 6; n++) await store.appendInbox('u0', epochs[0]!, [record('u0', n)]);
      expect(store.commits - start).toBe(5);
    } finally {
      await store.close();
    }
  });
});
