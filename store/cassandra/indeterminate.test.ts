/**
 * Unknown outcomes of lightweight transactions, injected by a faulty session
 * around a real one: the store must learn what happened instead of assuming.
 */
import { errors, types } from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ErrorCode, ParleyError } from '../../runtime/index.ts';
import type { InboxAppend } from '../contract.ts';
import { CassandraStore } from './cassandra-store.ts';
import type { CqlSession } from './cql.ts';
import { Outcome, outcomeOf } from './driver-errors.ts';
import { resolveOptions } from './options.ts';
import { connectSession } from './session.ts';
import { freshKeyspace, openTestStore, serviceOptions } from './test-kit.ts';

function writeTimeout(): Error {
  const err = new errors.ResponseError(
    types.responseErrorCodes.writeTimeout,
    'injected CAS write timeout',
  );
  (err as unknown as { writeType: string }).writeType = 'CAS';
  return err;
}

function noHost(): Error {
  return new errors.NoHostAvailableError({ '127.0.0.1:1': 'injected: connection refused' });
}

type Fault = 'apply-then-timeout' | 'timeout-without-apply' | 'unreachable';

/** A session that fails the next LWT write as told, and, while `down`, every request. */
class FaultySession implements CqlSession {
  /** The fault of the next LWT write (then cleared). */
  nextWrite: Fault | undefined;
  /** While set, every request fails as if no host could be reached. */
  down = false;
  /** When set, the database "goes away" right after an injected apply-then-timeout. */
  downAfterFault = false;
  /** Runs once, just before the next LWT write is sent (after the store decided on it). */
  beforeWrite: (() => Promise<unknown>) | undefined;
  /** LWT writes sent. */
  writes = 0;

  constructor(private readonly inner: CqlSession) {}

  private async lwt<T>(run: () => Promise<T>): Promise<T> {
    if (this.down) throw noHost();
    const hook = this.beforeWrite;
    this.beforeWrite = undefined;
    await hook?.();
    this.writes += 1;
    const fault = this.nextWrite;
    this.nextWrite = undefined;
    if (fault === 'unreachable') throw noHost();
    if (fault === 'timeout-without-apply') throw writeTimeout();
    const result = await run();
    if (fault === 'apply-then-timeout') {
      this.down = this.downAfterFault;
      throw writeTimeout();
    }
    return result;
  }

  execute: CqlSession['execute'] = (query, params, options) => {
    if (!options.isIdempotent) return this.lwt(() => this.inner.execute(query, params, options));
    if (this.down) return Promise.reject(noHost());
    return this.inner.execute(query, params, options);
  };

  batch: CqlSession['batch'] = (queries, options) =>
    this.lwt(() => this.inner.batch(queries, options));

  shutdown = () => this.inner.shutdown();
}

const item = (id: string): InboxAppend => ({
  record: {
    key: `bob/${id}`,
    from: 'bob',
    id,
    to: 'alice',
    ts: 1000,
    content: { type: 'text', text: id },
  },
  conversation: 'u:bob',
  pendingFor: ['bob'],
});

describe('driver error classification', () => {
  test('refusals before sending are NotApplied, timeouts and lost connections Unknown', () => {
    expect(outcomeOf(noHost())).toBe(Outcome.NotApplied);
    expect(
      outcomeOf(new errors.ResponseError(types.responseErrorCodes.unavailableException, 'x')),
    ).toBe(Outcome.NotApplied);
    expect(outcomeOf(new errors.ResponseError(types.responseErrorCodes.overloaded, 'x'))).toBe(
      Outcome.NotApplied,
    );
    expect(outcomeOf(writeTimeout())).toBe(Outcome.Unknown);
    expect(outcomeOf(new errors.ResponseError(types.responseErrorCodes.writeFailure, 'x'))).toBe(
      Outcome.Unknown,
    );
    expect(outcomeOf(new errors.ResponseError(0x1700, 'CAS write unknown (protocol v5)'))).toBe(
      Outcome.Unknown,
    );
    expect(outcomeOf(new errors.OperationTimedOutError('client timeout', '127.0.0.1:9042'))).toBe(
      Outcome.Unknown,
    );
    const lost = Object.assign(new Error('socket closed'), { isSocketError: true });
    expect(outcomeOf(lost)).toBe(Outcome.Unknown);
    const unsent = Object.assign(new Error('socket closed'), {
      isSocketError: true,
      requestNotWritten: true,
    });
    expect(outcomeOf(unsent)).toBe(Outcome.NotApplied);
  });
});

describe('conditions checked by the database, not only by the store', () => {
  const keyspace = freshKeyspace('toctou');
  let faulty: FaultySession;
  let store: CassandraStore;
  let other: CassandraStore;

  beforeAll(async () => {
    other = await openTestStore(keyspace);
    const options = resolveOptions(serviceOptions(keyspace));
    faulty = new FaultySession(connectSession(options));
    store = new CassandraStore(faulty, options);
  });
  afterAll(async () => {
    await store?.close();
    await other?.close();
  });

  test('an epoch taken between the read and the write fences the write', async () => {
    const epoch = await store.acquireEpoch('user:t1');
    faulty.beforeWrite = () => other.acquireEpoch('user:t1');
    const err = await store.appendInbox('t1', epoch, [item('1')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParleyError);
    expect((err as ParleyError).code).toBe(ErrorCode.Fenced);
    expect((err as ParleyError).message).toBe(
      `"user:t1": epoch ${epoch} is stale: epoch ${epoch + 1} was acquired since`,
    );
    expect(await store.inboxHead('t1')).toBe(0);

    const g = await store.acquireEpoch('group:t1');
    faulty.beforeWrite = () => other.acquireEpoch('group:t1');
    const log = await store
      .appendGroupLog('t1', g, [{ key: 'a/1', from: 'a', id: '1', ts: 1, content: { type: 't' } }])
      .catch((e: unknown) => e);
    expect((log as ParleyError).code).toBe(ErrorCode.Fenced);

    const r = await store.acquireEpoch('user:t2');
    faulty.beforeWrite = () => other.acquireEpoch('user:t2');
    const receipts = await store
      .recordReceipts('t2', r, [{ id: 'm', by: 'b', status: 'read', ts: 1 }])
      .catch((e: unknown) => e);
    expect((receipts as ParleyError).code).toBe(ErrorCode.Fenced);
    expect(await store.receiptStatus('t2', 'm', 'b')).toBeUndefined();
  });

  test('an append that lost the race for the head takes the next seq', async () => {
    const epoch = await store.acquireEpoch('user:t3');
    faulty.beforeWrite = () => other.appendInbox('t3', epoch, [item('9')]);
    expect(await store.appendInbox('t3', epoch, [item('1')])).toEqual([
      { seq: 2, duplicate: false },
    ]);
    expect((await store.readInbox('t3', 0, 10)).map((e) => [e.seq, e.key])).toEqual([
      [1, 'bob/9'],
      [2, 'bob/1'],
    ]);
  });

  test('a receipt raised by someone else between read and write is not recorded twice', async () => {
    const epoch = await store.acquireEpoch('user:t4');
    faulty.beforeWrite = () =>
      other.recordReceipts('t4', epoch, [{ id: 'm', by: 'b', status: 'read', ts: 1 }]);
    expect(
      await store.recordReceipts('t4', epoch, [{ id: 'm', by: 'b', status: 'delivered', ts: 2 }]),
    ).toEqual([]);
    expect((await store.readReceipts('t4', 0, 10)).map((e) => [e.rseq, e.status])).toEqual([
      [1, 'read'],
    ]);
  });
});

describe('unknown outcomes of lightweight transactions', () => {
  const keyspace = freshKeyspace('indet');
  let faulty: FaultySession;
  let store: CassandraStore;

  beforeAll(async () => {
    await (await openTestStore(keyspace)).close(); // creates and migrates the keyspace
    const options = resolveOptions(serviceOptions(keyspace));
    faulty = new FaultySession(connectSession(options));
    store = new CassandraStore(faulty, options);
  });
  afterAll(async () => {
    await store?.close();
  });

  test('an append that applied but timed out returns its seqs, not duplicates, and is not written twice', async () => {
    const epoch = await store.acquireEpoch('user:u1');
    faulty.nextWrite = 'apply-then-timeout';
    const writesBefore = faulty.writes;
    expect(await store.appendInbox('u1', epoch, [item('1'), item('2')])).toEqual([
      { seq: 1, duplicate: false },
      { seq: 2, duplicate: false },
    ]);
    expect(faulty.writes - writesBefore).toBe(1); // learned by reading, not by writing again
    expect((await store.readInbox('u1', 0, 10)).map((e) => [e.seq, e.key])).toEqual([
      [1, 'bob/1'],
      [2, 'bob/2'],
    ]);
    expect(await store.inboxHead('u1')).toBe(2);
  });

  test('an append that timed out without applying is written exactly once by the retry', async () => {
    const epoch = await store.acquireEpoch('user:u2');
    faulty.nextWrite = 'timeout-without-apply';
    expect(await store.appendInbox('u2', epoch, [item('1')])).toEqual([
      { seq: 1, duplicate: false },
    ]);
    expect(await store.appendInbox('u2', epoch, [item('1'), item('2')])).toEqual([
      { seq: 1, duplicate: true },
      { seq: 2, duplicate: false },
    ]);
    expect((await store.readInbox('u2', 0, 10)).map((e) => e.seq)).toEqual([1, 2]);
  });

  test('an unknown outcome that cannot be re-read rejects as indeterminate, and a later read learns it', async () => {
    const epoch = await store.acquireEpoch('user:u3');
    faulty.nextWrite = 'apply-then-timeout';
    faulty.downAfterFault = true;
    const failure = await store.appendInbox('u3', epoch, [item('1')]).catch((err: unknown) => err);
    faulty.down = false;
    faulty.downAfterFault = false;
    expect(failure).toBeInstanceOf(ParleyError);
    expect((failure as ParleyError).code).toBe(ErrorCode.Indeterminate);
    expect((failure as ParleyError).message).toBe(
      'appendInbox("u3"): outcome unknown: the write may or may not have been applied, and re-reading failed too: ' +
        'All host(s) tried for query failed. First host tried, 127.0.0.1:1: injected: connection refused. See innerErrors.',
    );
    // It did apply: the same key again is a duplicate at seq 1.
    expect(await store.appendInbox('u3', epoch, [item('1')])).toEqual([
      { seq: 1, duplicate: true },
    ]);
  });

  test('an unreachable database before any write rejects as unavailable', async () => {
    const epoch = await store.acquireEpoch('user:u4');
    faulty.nextWrite = 'unreachable';
    const failure = await store.appendInbox('u4', epoch, [item('1')]).catch((err: unknown) => err);
    expect((failure as ParleyError).code).toBe(ErrorCode.Unavailable);
    expect((failure as ParleyError).message).toMatch(
      /^appendInbox\("u4"\): store unavailable: All host/,
    );
    expect(await store.inboxHead('u4')).toBe(0);
    faulty.down = true;
    const read = await store.readInbox('u4', 0, 10).catch((err: unknown) => err);
    faulty.down = false;
    expect((read as ParleyError).code).toBe(ErrorCode.Unavailable);
  });

  test('receipts that applied but timed out return their rseqs once', async () => {
    const epoch = await store.acquireEpoch('user:s1');
    faulty.nextWrite = 'apply-then-timeout';
    const entries = await store.recordReceipts('s1', epoch, [
      { id: 'm1', by: 'r1', status: 'delivered', ts: 1 },
      { id: 'm1', by: 'r2', status: 'read', ts: 2 },
    ]);
    expect(entries.map((e) => [e.rseq, e.by, e.status])).toEqual([
      [1, 'r1', 'delivered'],
      [2, 'r2', 'read'],
    ]);
    expect((await store.readReceipts('s1', 0, 10)).map((e) => e.rseq)).toEqual([1, 2]);
  });

  test('a group save that applied but timed out returns the saved meta, not already_exists', async () => {
    faulty.nextWrite = 'apply-then-timeout';
    const meta = {
      id: 'g1',
      name: 'G',
      members: ['a'],
      admins: ['a'],
      createdBy: 'a',
      createdTs: 1,
    };
    expect(await store.saveGroup(meta, 0)).toEqual({ ...meta, version: 1 });
    faulty.nextWrite = 'timeout-without-apply';
    expect(await store.saveGroup({ ...meta, name: 'H' }, 1)).toEqual({
      ...meta,
      name: 'H',
      version: 2,
    });
    expect(await store.getGroup('g1')).toEqual({ ...meta, name: 'H', version: 2 });
  });

  test('an epoch acquisition with an unknown outcome still returns an epoch newer than all before', async () => {
    expect(await store.acquireEpoch('user:e1')).toBe(1);
    faulty.nextWrite = 'apply-then-timeout';
    const epoch = await store.acquireEpoch('user:e1');
    expect(epoch).toBe(3); // 2 landed unseen; the retry took 3
    const fenced = await store.appendInbox('e1', 2, [item('1')]).catch((err: unknown) => err);
    expect((fenced as ParleyError).code).toBe(ErrorCode.Fenced);
    expect(await store.appendInbox('e1', epoch, [item('1')])).toEqual([
      { seq: 1, duplicate: false },
    ]);
  });
});
