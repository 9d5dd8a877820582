/**
 * `CassandraStore`: the storage contract (`../contract.ts`) on ScyllaDB or
 * Apache Cassandra, through `cassandra-driver`.
 *
 * `openCassandraStore` connects, migrates the keyspace to the newest schema
 * (`schema.ts`) and returns the store. The operations live in one module per
 * noun (`epochs`, `inbox`, `chats`, `receipts`, `groups`, `wake`, `push`); this class wires
 * them, runs the sweep of derived wake marks (`wake-marks.ts`) on a timer of
 * the injected clock, and holds the two small ones:
 * - cursors: `UPDATE ... USING TIMESTAMP <seq> SET seq = <seq>`. The cell
 *   with the highest write timestamp wins in Cassandra and ScyllaDB alike, so
 *   the stored cursor is the max of every seq ever written, whatever the order
 *   of arrival or retries, without an LWT; the returned value is read back at
 *   the same quorum level. (The `cursors` table must never see a write with a
 *   server-side timestamp, which would dwarf every seq.)
 * - media metadata: a plain, idempotent insert.
 *
 * Every method rejects only with ParleyError (`driver-errors.ts`).
 */
import { quote, type TimerHandle } from '../../runtime/index.ts';
import type {
  AppendResult,
  ConversationPage,
  GroupLogEntry,
  GroupLogRecord,
  GroupMeta,
  HistoryPage,
  InboxAppend,
  InboxEntry,
  MediaMeta,
  PendingForward,
  PushSubscriptionRecord,
  ReadMark,
  Receipt,
  ReceiptEntry,
  ReceiptStatus,
  Store,
} from '../contract.ts';
import { unavailable } from '../errors.ts';
import { checkId, checkInt, checkMediaMeta, READ_LIMIT_MAX } from '../validate.ts';
import * as chats from './chats.ts';
import type { Ctx } from './context.ts';
import type { CqlSession } from './cql.ts';
import { guard } from './driver-errors.ts';
import { acquireEpoch } from './epochs.ts';
import * as groups from './groups.ts';
import * as inbox from './inbox.ts';
import { type CassandraStoreOptions, type ResolvedOptions, resolveOptions } from './options.ts';
import { PartitionLock } from './partition-lock.ts';
import * as push from './push.ts';
import * as receipts from './receipts.ts';
import { num } from './rows.ts';
import { migrate } from './schema.ts';
import { connectSession, Exec } from './session.ts';
import { statements } from './statements.ts';
import * as wake from './wake.ts';
import { WAKE_SWEEP_INTERVAL_MS, WakeMarks } from './wake-marks.ts';

export class CassandraStore implements Store {
  private readonly ctx: Ctx;
  private closed = false;
  private readonly marks = new WakeMarks();
  private timer: TimerHandle | undefined;
  private sweeping: Promise<unknown> | undefined;

  constructor(
    private readonly session: CqlSession,
    readonly options: ResolvedOptions,
  ) {
    this.ctx = {
      exec: new Exec(session, options),
      lock: new PartitionLock(),
      st: statements(options.keyspace),
      retention: options.retention,
      clock: options.clock,
    };
    this.schedule();
  }

  /**
   * Clears the wake marks of users marked here, quiet since and with nothing
   * pending (`wake-marks.ts`); resolves with how many. Runs on its own every
   * `WAKE_SWEEP_INTERVAL_MS` of the store's clock.
   */
  sweepWake(): Promise<number> {
    return this.call('sweepWake', 'cassandra', (ctx) => this.marks.sweep(ctx));
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = this.ctx.clock.setTimer(WAKE_SWEEP_INTERVAL_MS, () => {
      this.timer = undefined;
      // A failed sweep leaves its marks (spurious at worst); the next one tries again.
      const done = () => {
        this.sweeping = undefined;
        this.schedule();
      };
      this.sweeping = this.sweepWake().then(done, done);
    });
  }

  /** Runs `fn` unless the store is closed (then `unavailable`, like every store). */
  private async call<T>(method: string, arg: unknown, fn: (ctx: Ctx) => Promise<T>): Promise<T> {
    if (this.closed) throw unavailable(`${method}(${quote(arg)})`, 'the store is closed');
    return fn(this.ctx);
  }

  /** Creates or migrates the keyspace; returns the migration versions applied. */
  migrate(): Promise<number[]> {
    const { keyspace, replication, clock } = this.options;
    return this.call('migrate', keyspace, (ctx) =>
      guard(`migrate(${quote(keyspace)})`, () => migrate(ctx.exec, keyspace, replication, clock)),
    );
  }

  acquireEpoch(owner: string): Promise<number> {
    return this.call('acquireEpoch', owner, (ctx) => acquireEpoch(ctx, owner));
  }

  appendInbox(user: string, epoch: number, items: readonly InboxAppend[]): Promise<AppendResult[]> {
    return this.call('appendInbox', user, (ctx) =>
      inbox.appendInbox(ctx, this.marks, user, epoch, items),
    );
  }

  readInbox(user: string, afterSeq: number, limit: number): Promise<InboxEntry[]> {
    return this.call('readInbox', user, (ctx) => inbox.readInbox(ctx, user, afterSeq, limit));
  }

  inboxHead(user: string): Promise<number> {
    return this.call('inboxHead', user, (ctx) => inbox.inboxHead(ctx, user));
  }

  findByKey(user: string, key: string): Promise<InboxEntry | undefined> {
    return this.call('findByKey', user, (ctx) => inbox.findByKey(ctx, user, key));
  }

  listPending(user: string, limit: number): Promise<PendingForward[]> {
    return this.call('listPending', user, (ctx) => inbox.listPending(ctx, user, limit));
  }

  clearPending(user: string, seq: number, recipient: string): Promise<void> {
    return this.call('clearPending', user, (ctx) => inbox.clearPending(ctx, user, seq, recipient));
  }

  advanceCursor(user: string, device: string, seq: number): Promise<number> {
    return this.call('advanceCursor', user, async ({ exec, st }) => {
      checkId('user', user);
      checkId('device', device);
      checkInt('seq', seq, 0);
      return guard(`advanceCursor(${quote(user)}, ${quote(device)}, ${seq})`, async () => {
        await exec.write(st.cursorAdvance, [BigInt(seq), BigInt(seq), user, device]);
        const row = await exec.first(st.cursor, [user, device]);
        return Math.max(seq, num(row?.get('seq')));
      });
    });
  }

  cursors(user: string): Promise<Record<string, number>> {
    return this.call('cursors', user, async ({ exec, st }) => {
      checkId('user', user);
      const rows = await guard(`cursors(${quote(user)})`, () =>
        exec.rows(st.cursorsOf, [user], { limit: READ_LIMIT_MAX }),
      );
      return Object.fromEntries(
        rows.map((row) => [row.get('device') as string, num(row.get('seq'))]),
      );
    });
  }

  recordReceipts(sender: string, epoch: number, list: readonly Receipt[]): Promise<ReceiptEntry[]> {
    return this.call('recordReceipts', sender, (ctx) =>
      receipts.recordReceipts(ctx, sender, epoch, list),
    );
  }

  readReceipts(sender: string, afterRseq: number, limit: number): Promise<ReceiptEntry[]> {
    return this.call('readReceipts', sender, (ctx) =>
      receipts.readReceipts(ctx, sender, afterRseq, limit),
    );
  }

  receiptStatus(sender: string, id: string, by: string): Promise<ReceiptStatus | undefined> {
    return this.call('receiptStatus', sender, (ctx) => receipts.receiptStatus(ctx, sender, id, by));
  }

  history(
    user: string,
    conversation: string,
    beforeSeq: number | null,
    limit: number,
  ): Promise<HistoryPage> {
    return this.call('history', user, (ctx) =>
      inbox.history(ctx, user, conversation, beforeSeq, limit),
    );
  }

  conversations(user: string, beforeSeq: number | null, limit: number): Promise<ConversationPage> {
    return this.call('conversations', user, (ctx) =>
      chats.conversations(ctx, user, beforeSeq, limit),
    );
  }

  markRead(
    user: string,
    epoch: number,
    conversation: string,
    upTo: number,
  ): Promise<ReadMark | undefined> {
    return this.call('markRead', user, (ctx) =>
      chats.markRead(ctx, user, epoch, conversation, upTo),
    );
  }

  getGroup(id: string): Promise<GroupMeta | undefined> {
    return this.call('getGroup', id, (ctx) => groups.getGroup(ctx, id));
  }

  saveGroup(meta: Omit<GroupMeta, 'version'>, expectedVersion: number): Promise<GroupMeta> {
    return this.call('saveGroup', meta?.id, (ctx) => groups.saveGroup(ctx, meta, expectedVersion));
  }

  appendGroupLog(
    group: string,
    epoch: number,
    records: readonly GroupLogRecord[],
  ): Promise<AppendResult[]> {
    return this.call('appendGroupLog', group, (ctx) =>
      groups.appendGroupLog(ctx, this.marks, group, epoch, records),
    );
  }

  readGroupLog(group: string, afterGseq: number, limit: number): Promise<GroupLogEntry[]> {
    return this.call('readGroupLog', group, (ctx) =>
      groups.readGroupLog(ctx, group, afterGseq, limit),
    );
  }

  groupHistory(
    group: string,
    beforeGseq: number | null,
    limit: number,
  ): Promise<{ entries: GroupLogEntry[]; nextBeforeSeq: number | null }> {
    return this.call('groupHistory', group, (ctx) =>
      groups.groupHistory(ctx, group, beforeGseq, limit),
    );
  }

  markWake(owner: string): Promise<void> {
    return this.call('markWake', owner, (ctx) => wake.markWake(ctx, owner));
  }

  clearWake(owner: string): Promise<void> {
    return this.call('clearWake', owner, async (ctx) => {
      // Forgotten before and after: an append that comes after the clear marks again.
      this.marks.forget(owner);
      await wake.clearWake(ctx, owner);
      this.marks.forget(owner);
    });
  }

  listWake(after: string | null, limit: number): Promise<string[]> {
    return this.call('listWake', after, (ctx) => wake.listWake(ctx, after, limit));
  }

  putMedia(meta: MediaMeta): Promise<void> {
    return this.call('putMedia', meta?.id, async ({ exec, st }) => {
      const m = checkMediaMeta(meta);
      const params = [m.id, m.owner, m.mime, BigInt(m.size), BigInt(m.ts)];
      await guard(`putMedia(${quote(m.id)})`, () => exec.write(st.mediaPut, params));
    });
  }

  getMedia(id: string): Promise<MediaMeta | undefined> {
    return this.call('getMedia', id, async ({ exec, st }) => {
      checkId('id', id);
      const row = await guard(`getMedia(${quote(id)})`, () => exec.first(st.mediaGet, [id]));
      if (!row) return undefined;
      return {
        id: row.get('id') as string,
        owner: row.get('owner') as string,
        mime: row.get('mime') as string,
        size: num(row.get('size')),
        ts: num(row.get('ts')),
      };
    });
  }

  putPushSubscription(sub: PushSubscriptionRecord): Promise<void> {
    return this.call('putPushSubscription', sub?.user, (ctx) => push.putPushSubscription(ctx, sub));
  }

  listPushSubscriptions(user: string): Promise<PushSubscriptionRecord[]> {
    return this.call('listPushSubscriptions', user, (ctx) => push.listPushSubscriptions(ctx, user));
  }

  deletePushSubscription(user: string, id: string): Promise<void> {
    return this.call('deletePushSubscription', user, (ctx) =>
      push.deletePushSubscription(ctx, user, id),
    );
  }

  /** Closes the connections; idempotent. Every call after it rejects with `unavailable`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) this.ctx.clock.clearTimer(this.timer);
    await this.sweeping;
    await guard('close()', () => this.session.shutdown());
  }
}

/** Connects, creates/migrates the keyspace, and returns the store. */
export async function openCassandraStore(options: CassandraStoreOptions): Promise<CassandraStore> {
  const resolved = resolveOptions(options);
  const session = connectSession(resolved);
  const store = new CassandraStore(
    options.wrapSession ? options.wrapSession(session) : session,
    resolved,
  );
  try {
    await store.migrate();
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  return store;
}
