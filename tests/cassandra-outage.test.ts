/**
 * The Cassandra store through database outages, on a dedicated Cassandra
 * node this file owns (so pausing and killing it disturbs no other test):
 * a hung node (SIGSTOP) and a crashed one (SIGKILL, then restarted on the
 * same data). Operations fail with typed errors, nothing acked is lost, and
 * the store works again once the node is back.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ErrorCode, ParleyError } from '../runtime/index.ts';
import {
  type CassandraStore,
  type CqlOptions,
  openCassandraStore,
} from '../store/cassandra/index.ts';
import type { InboxAppend } from '../store/contract.ts';
import { type OwnedCassandra, startOwnedCassandra } from './setup/cassandra.ts';

const item = (id: string): InboxAppend => ({
  record: {
    key: `bob/${id}`,
    from: 'bob',
    id,
    to: 'alice',
    ts: 1,
    content: { type: 'text', text: id },
  },
  conversation: 'u:bob',
});

async function rejection(promise: Promise<unknown>): Promise<ParleyError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ParleyError)) throw new Error(`expected a ParleyError, got ${String(err)}`);
  return err;
}

/** Retries `fn` until it resolves (the node and the driver need a moment after an outage). */
async function eventually<T>(fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

describe('the Cassandra store through database outages', () => {
  let node: OwnedCassandra;
  let store: CassandraStore;
  let epoch: number;
  let pauseBeforeNextWrite = false;
  /** Every append the store acknowledged: key -> seq. */
  const acked = new Map<string, number>();

  async function append(id: string): Promise<void> {
    const [result] = await store.appendInbox('alice', epoch, [item(id)]);
    acked.set(`bob/${id}`, result!.seq);
  }

  async function expectAllAckedAndGapless(): Promise<void> {
    const stored = await eventually(() => store.readInbox('alice', 0, 1000));
    expect(stored.map((e) => e.seq)).toEqual(
      Array.from({ length: stored.length }, (_, i) => i + 1),
    );
    const bySeq = new Map(stored.map((e) => [e.seq, e.key]));
    for (const [key, seq] of acked) expect(bySeq.get(seq), key).toBe(key);
  }

  beforeAll(async () => {
    // Commitlog synced before each ack: a killed node must not forget what it acknowledged.
    node = await startOwnedCassandra({ heap: '768m', syncCommitlog: true });
    store = await openCassandraStore({
      contactPoints: [node.contactPoint],
      localDataCenter: node.localDataCenter,
      keyspace: 'outage',
      requestTimeoutMs: 1500,
      connectTimeoutMs: 1000,
      // Pauses the node just before the next conditional write goes out.
      wrapSession: (inner) => {
        const hang = (options: CqlOptions) => {
          if (options.isIdempotent || !pauseBeforeNextWrite) return;
          pauseBeforeNextWrite = false;
          node.pause();
        };
        return {
          execute(query, params, options) {
            hang(options);
            return inner.execute(query, params, options);
          },
          batch(queries, options) {
            hang(options);
            return inner.batch(queries, options);
          },
          shutdown: () => inner.shutdown(),
        };
      },
    });
    epoch = await store.acquireEpoch('user:alice');
  }, 180_000);

  afterAll(async () => {
    await store?.close().catch(() => {});
    await node?.stop();
  });

  test('a hung database: unavailable before anything is sent, indeterminate once a write is in flight; nothing lost or doubled after it resumes', async () => {
    for (const id of ['1', '2', '3']) await append(id);

    node.pause(); // hung before the append has read anything: nothing can have been written
    try {
      const early = await rejection(store.appendInbox('alice', epoch, [item('refused')]));
      expect(early.code).toBe(ErrorCode.Unavailable);
      expect(early.message).toMatch(/^appendInbox\("alice"\): store unavailable: /);
      const read = await rejection(store.readInbox('alice', 0, 10));
      expect(read.code).toBe(ErrorCode.Unavailable);
    } finally {
      node.resume();
    }
    await eventually(() => store.inboxHead('alice'));

    pauseBeforeNextWrite = true; // hung while the conditional batch is in flight
    try {
      const write = await rejection(store.appendInbox('alice', epoch, [item('in-flight')]));
      expect(write.code).toBe(ErrorCode.Indeterminate);
      expect(write.message).toMatch(
        /^appendInbox\("alice"\): outcome unknown: the write may or may not have been applied/,
      );
    } finally {
      node.resume();
    }
    // The client resends: the message lands exactly once, right after the acked ones.
    const [resent] = await eventually(() => store.appendInbox('alice', epoch, [item('in-flight')]));
    expect(resent!.seq).toBe(4);
    acked.set('bob/in-flight', 4);
    await append('4');
    await expectAllAckedAndGapless();
    expect(await store.findByKey('alice', 'bob/refused')).toBeUndefined();
  }, 60_000);

  test('a crashed database: writes and reads are unavailable; after a restart every acked append is there', async () => {
    await append('5');
    const media = { id: 'photo-1', owner: 'alice', mime: 'image/png', size: 42, ts: 7 };
    await store.putMedia(media);
    expect(await store.advanceCursor('alice', 'phone', 5)).toBe(5);
    await node.kill();
    // Reads first, so the driver has noticed the closed connections before the write.
    const read = await rejection(store.inboxHead('alice'));
    expect(read.code).toBe(ErrorCode.Unavailable);
    const write = await rejection(store.appendInbox('alice', epoch, [item('while-down')]));
    expect(write.code).toBe(ErrorCode.Unavailable);
    expect(write.message).toMatch(/^appendInbox\("alice"\): store unavailable: /);
    await node.restart();
    const [after] = await eventually(() => store.appendInbox('alice', epoch, [item('6')]));
    expect(after).toEqual({ seq: acked.size + 1, duplicate: false });
    acked.set('bob/6', after!.seq);
    await expectAllAckedAndGapless();
    // The refused write was never applied.
    expect(await store.findByKey('alice', 'bob/while-down')).toBeUndefined();
    expect(await store.getMedia('photo-1')).toEqual(media);
    expect(await store.cursors('alice')).toEqual({ phone: 5 });
  }, 120_000);
});
