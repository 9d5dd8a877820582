/**
 * Derived wake marks on Cassandra (`wake-marks.ts`), against the Cassandra of
 * the global test setup: the mark is written before the append once per busy
 * period, and a user's mark is cleared by the sweep only once the user was
 * quiet, at the epoch it marked at, with nothing pending.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../runtime/testing/index.ts';
import { dm, groupRecord, uid } from '../contract-tests/kit.ts';
import { type CassandraStore, openCassandraStore } from './cassandra-store.ts';
import type { CqlSession } from './cql.ts';
import { resolveOptions } from './options.ts';
import { Exec } from './session.ts';
import { freshKeyspace, rawSession, serviceOptions } from './test-kit.ts';
import { wakeBucket } from './wake.ts';
import { WAKE_KNOWN_MS, WAKE_QUIET_MS, WAKE_SWEEP_INTERVAL_MS } from './wake-marks.ts';

const keyspace = freshKeyspace('wakemarks');
const clock = new VirtualClock();
let store: CassandraStore;
let raw: CqlSession;
let exec: Exec;

beforeAll(async () => {
  store = await openCassandraStore({ ...serviceOptions(keyspace), clock });
  raw = rawSession(keyspace);
  exec = new Exec(raw, resolveOptions(serviceOptions(keyspace)));
}, 120_000);

afterAll(async () => {
  await store?.close();
  await raw?.shutdown();
});

/** A fresh user: its id, owner key and whether the wake list holds it. */
function freshUser() {
  const base = uid('wm');
  const user = `${base}/u`;
  const owner = `user:${user}`;
  return {
    user,
    owner,
    marked: async () => (await store.listWake(`user:${base}/`, 10)).includes(owner),
  };
}

/** Deletes a mark behind the store's back, as another process would. */
async function deleteMark(owner: string): Promise<void> {
  await exec.write(`DELETE FROM ${keyspace}.wake WHERE bucket = ? AND owner = ?`, [
    wakeBucket(owner),
    owner,
  ]);
}

describe('cassandra derived wake marks', () => {
  it('writes the mark before the first append of a busy period only, again after WAKE_KNOWN_MS or at a new epoch', async () => {
    const { user, owner, marked } = freshUser();
    let epoch = await store.acquireEpoch(owner);
    await store.appendInbox(user, epoch, [dm(user, 'a', 'bob', { pendingFor: ['bob'] })]);
    expect(await marked()).toBe(true);

    // Known written: the next appends write no mark (so one deleted elsewhere stays deleted).
    await deleteMark(owner);
    await store.appendInbox(user, epoch, [dm(user, 'b', 'bob', { pendingFor: ['bob'] })]);
    expect(await marked()).toBe(false);
    clock.setNow(clock.now() + WAKE_KNOWN_MS);
    await store.appendInbox(user, epoch, [dm(user, 'c', 'bob', { pendingFor: ['bob'] })]);
    expect(await marked()).toBe(true);

    await deleteMark(owner);
    epoch = await store.acquireEpoch(owner);
    await store.appendInbox(user, epoch, [dm(user, 'd', 'bob', { pendingFor: ['bob'] })]);
    expect(await marked()).toBe(true);
  });

  it('an append without pending marks writes no mark; a group log append marks its group', async () => {
    const { user, owner, marked } = freshUser();
    const epoch = await store.acquireEpoch(owner);
    await store.appendInbox(user, epoch, [dm(user, 'a', 'bob')]);
    expect(await marked()).toBe(false);

    const base = uid('wmg');
    const group = `${base}/g`;
    const gEpoch = await store.acquireEpoch(`group:${group}`);
    await store.appendGroupLog(group, gEpoch, [groupRecord('alice', 'm1')]);
    const listed = await store.listWake(`group:${base}/`, 10);
    expect(listed.filter((o) => o.startsWith(`group:${base}/`))).toEqual([`group:${group}`]);
  });

  it('the sweep clears a user quiet for WAKE_QUIET_MS with nothing pending, and only such a user', async () => {
    const { user, owner, marked } = freshUser();
    const epoch = await store.acquireEpoch(owner);
    const [a, b] = await store.appendInbox(user, epoch, [
      dm(user, 'a', 'bob', { pendingFor: ['bob'] }),
      dm(user, 'b', 'bob', { pendingFor: ['bob'] }),
    ]);
    await store.clearPending(user, a!.seq, 'bob');
    await store.clearPending(user, b!.seq, 'bob');
    // Nothing pending, but not quiet yet: kept (the next message would mark again).
    await store.sweepWake();
    expect(await marked()).toBe(true);

    const [c] = await store.appendInbox(user, epoch, [
      dm(user, 'c', 'bob', { pendingFor: ['bob'] }),
    ]);
    clock.setNow(clock.now() + WAKE_QUIET_MS);
    // Quiet, but a forward is still pending: kept, checked again a quiet period later.
    await store.sweepWake();
    expect(await marked()).toBe(true);
    await store.clearPending(user, c!.seq, 'bob');
    clock.setNow(clock.now() + WAKE_QUIET_MS - 1);
    await store.sweepWake();
    expect(await marked()).toBe(true);
    clock.setNow(clock.now() + 1);
    expect(await store.sweepWake()).toBeGreaterThanOrEqual(1);
    expect(await marked()).toBe(false);

    // Forgotten with its clear: the next append marks again.
    await store.appendInbox(user, epoch, [dm(user, 'd', 'bob', { pendingFor: ['bob'] })]);
    expect(await marked()).toBe(true);
  });

  it('leaves the mark of a user whose epoch moved on (a newer incarnation owns it)', async () => {
    const { user, owner, marked } = freshUser();
    const epoch = await store.acquireEpoch(owner);
    const [a] = await store.appendInbox(user, epoch, [
      dm(user, 'a', 'bob', { pendingFor: ['bob'] }),
    ]);
    await store.clearPending(user, a!.seq, 'bob');
    await store.acquireEpoch(owner);
    clock.setNow(clock.now() + WAKE_QUIET_MS);
    await store.sweepWake();
    expect(await marked()).toBe(true);
  });

  it('sweeps on its own on the store clock', async () => {
    const { user, owner, marked } = freshUser();
    const epoch = await store.acquireEpoch(owner);
    const [a] = await store.appendInbox(user, epoch, [
      dm(user, 'a', 'bob', { pendingFor: ['bob'] }),
    ]);
    await store.clearPending(user, a!.seq, 'bob');
    clock.setNow(clock.now() + WAKE_QUIET_MS + WAKE_SWEEP_INTERVAL_MS);
    expect(clock.fireDue()).toBe(1);
    // The sweep runs against the real database: poll, each poll a round trip.
    for (let i = 0; i < 200 && (await marked()); i++);
    expect(await marked()).toBe(false);
  });
});
