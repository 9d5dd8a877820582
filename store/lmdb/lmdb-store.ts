/**
 * `LmdbStore`: the storage contract (`../contract.ts`) on an embedded LMDB
 * environment (`lmdb` package). Open it with `openLmdbStore` (`open.ts`).
 *
 * The operations live in one module per noun (`inbox`, `chats`, `receipts`,
 * `groups`, `wake`); this class wires them, holds the two small ones (cursors, media),
 * runs the expiry sweep on a timer of the injected clock, and maps every failure to
 * ParleyError: argument checks `invalid_argument`, stale epochs `fenced`,
 * a closed store or a failed read `unavailable`, a failed commit
 * `indeterminate`.
 *
 * Cursors: read-compare-write inside one LMDB transaction, so concurrent
 * advances keep the maximum. Media metadata: a plain put (last write wins).
 */
import type { Clock, TimerHandle } from '../../runtime/index.ts';
import { quote } from '../../runtime/index.ts';
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
  Retention,
  Store,
} from '../contract.ts';
import { toStoreError, unavailable } from '../errors.ts';
import { checkId, checkInt, checkMediaMeta } from '../validate.ts';
import * as chats from './chats.ts';
import { type Ctx, written } from './context.ts';
import { sweepOnce } from './expiry.ts';
import * as groups from './groups.ts';
import * as inbox from './inbox.ts';
import { Owners } from './owners.ts';
import * as push from './push.ts';
import * as receipts from './receipts.ts';
import { cursorKey, type Dbs, END, Tag } from './schema.ts';
import * as wake from './wake.ts';

/** What one background sweep did, for logs and metrics. */
export type SweepOutcome = { readonly purged: number } | { readonly error: unknown };

export interface LmdbStoreSettings {
  readonly clock: Clock;
  readonly retention: Retention;
  /** Between background sweeps; 0: no timer (call `sweep()`). */
  readonly sweepIntervalMs: number;
  /** Rows visited per sweep transaction. */
  readonly sweepBatchMax: number;
  /** Owners whose state is cached. */
  readonly ownerCacheMax: number;
  readonly onSweep?: (outcome: SweepOutcome) => void;
}

export class LmdbStore implements Store {
  private readonly ctx: Ctx;
  private closed = false;
  private timer: TimerHandle | undefined;
  private sweeping: Promise<void> | undefined;
  private committedTxns = 0;

  constructor(
    private readonly dbs: Dbs,
    readonly settings: LmdbStoreSettings,
  ) {
    this.ctx = {
      dbs,
      owners: new Owners(dbs, settings.ownerCacheMax),
      clock: settings.clock,
      retention: settings.retention,
    };
    // Every write transaction, however many appends it holds (group commit).
    dbs.env.on('aftercommit', () => {
      this.committedTxns++;
    });
    this.schedule();
  }

  /** Write transactions committed since open: each is one `fdatasync` (`noSync` is never on). */
  get commits(): number {
    return this.committedTxns;
  }

  acquireEpoch(owner: string): Promise<number> {
    return this.guard('acquireEpoch', owner, () => {
      checkId('owner', owner);
      return this.ctx.owners.decide('acquireEpoch', owner, (seen) => {
        const next = { ...seen.state, e: seen.state.e + 1 };
        return { result: next.e, next, rows() {} };
      });
    });
  }

  appendInbox(user: string, epoch: number, items: readonly InboxAppend[]): Promise<AppendResult[]> {
    return this.guard('appendInbox', user, () => inbox.appendInbox(this.ctx, user, epoch, items));
  }

  readInbox(user: string, afterSeq: number, limit: number): Promise<InboxEntry[]> {
    return this.guard('readInbox', user, () => inbox.readInbox(this.ctx, user, afterSeq, limit));
  }

  inboxHead(user: string): Promise<number> {
    return this.guard('inboxHead', user, () => inbox.inboxHead(this.ctx, user));
  }

  findByKey(user: string, key: string): Promise<InboxEntry | undefined> {
    return this.guard('findByKey', user, () => inbox.findByKey(this.ctx, user, key));
  }

  listPending(user: string, limit: number): Promise<PendingForward[]> {
    return this.guard('listPending', user, () => inbox.listPending(this.ctx, user, limit));
  }

  clearPending(user: string, seq: number, recipient: string): Promise<void> {
    return this.guard('clearPending', user, () =>
      inbox.clearPending(this.ctx, user, seq, recipient),
    );
  }

  advanceCursor(user: string, device: string, seq: number): Promise<number> {
    return this.guard('advanceCursor', user, () => {
      checkId('user', user);
      checkId('device', device);
      checkInt('seq', seq, 0);
      const { users, env } = this.dbs;
      const key = cursorKey(user, device);
      const what = `advanceCursor(${quote(user)}, ${quote(device)}, ${seq})`;
      return written(
        what,
        env.transaction(() => {
          const current = users.get(key) as number | undefined;
          if (current !== undefined && seq <= current) return current;
          void users.put(key, seq);
          return seq;
        }),
      );
    });
  }

  cursors(user: string): Promise<Record<string, number>> {
    return this.guard('cursors', user, () => {
      checkId('user', user);
      const out: Record<string, number> = {};
      for (const { key, value } of this.dbs.users.getRange({
        start: [user, Tag.Cursor],
        end: [user, Tag.Cursor, END],
      }))
        out[key[2] as string] = value as number;
      return out;
    });
  }

  recordReceipts(sender: string, epoch: number, list: readonly Receipt[]): Promise<ReceiptEntry[]> {
    return this.guard('recordReceipts', sender, () =>
      receipts.recordReceipts(this.ctx, sender, epoch, list),
    );
  }

  readReceipts(sender: string, afterRseq: number, limit: number): Promise<ReceiptEntry[]> {
    return this.guard('readReceipts', sender, () =>
      receipts.readReceipts(this.ctx, sender, afterRseq, limit),
    );
  }

  receiptStatus(sender: string, id: string, by: string): Promise<ReceiptStatus | undefined> {
    return this.guard('receiptStatus', sender, () =>
      receipts.receiptStatus(this.ctx, sender, id, by),
    );
  }

  history(
    user: string,
    conversation: string,
    beforeSeq: number | null,
    limit: number,
  ): Promise<HistoryPage> {
    return this.guard('history', user, () =>
      inbox.history(this.ctx, user, conversation, beforeSeq, limit),
    );
  }

  conversations(user: string, beforeSeq: number | null, limit: number): Promise<ConversationPage> {
    return this.guard('conversations', user, () =>
      chats.conversations(this.ctx, user, beforeSeq, limit),
    );
  }

  markRead(
    user: string,
    epoch: number,
    conversation: string,
    upTo: number,
  ): Promise<ReadMark | undefined> {
    return this.guard('markRead', user, () =>
      chats.markRead(this.ctx, user, epoch, conversation, upTo),
    );
  }

  getGroup(id: string): Promise<GroupMeta | undefined> {
    return this.guard('getGroup', id, () => groups.getGroup(this.ctx, id));
  }

  saveGroup(meta: Omit<GroupMeta, 'version'>, expectedVersion: number): Promise<GroupMeta> {
    return this.guard('saveGroup', meta?.id, () =>
      groups.saveGroup(this.ctx, meta, expectedVersion),
    );
  }

  appendGroupLog(
    group: string,
    epoch: number,
    records: readonly GroupLogRecord[],
  ): Promise<AppendResult[]> {
    return this.guard('appendGroupLog', group, () =>
      groups.appendGroupLog(this.ctx, group, epoch, records),
    );
  }

  readGroupLog(group: string, afterGseq: number, limit: number): Promise<GroupLogEntry[]> {
    return this.guard('readGroupLog', group, () =>
      groups.readGroupLog(this.ctx, group, afterGseq, limit),
    );
  }

  groupHistory(
    group: string,
    beforeGseq: number | null,
    limit: number,
  ): Promise<{ entries: GroupLogEntry[]; nextBeforeSeq: number | null }> {
    return this.guard('groupHistory', group, () =>
      groups.groupHistory(this.ctx, group, beforeGseq, limit),
    );
  }

  markWake(owner: string): Promise<void> {
    return this.guard('markWake', owner, () => wake.markWake(this.ctx, owner));
  }

  clearWake(owner: string): Promise<void> {
    return this.guard('clearWake', owner, () => wake.clearWake(this.ctx, owner));
  }

  listWake(after: string | null, limit: number): Promise<string[]> {
    return this.guard('listWake', after, () => wake.listWake(this.ctx, after, limit));
  }

  putMedia(meta: MediaMeta): Promise<void> {
    return this.guard('putMedia', meta?.id, async () => {
      const saved = checkMediaMeta(meta);
      await written(`putMedia(${quote(saved.id)})`, this.dbs.media.put(saved.id, saved));
    });
  }

  getMedia(id: string): Promise<MediaMeta | undefined> {
    return this.guard('getMedia', id, () => {
      checkId('id', id);
      return this.dbs.media.get(id);
    });
  }

  putPushSubscription(sub: PushSubscriptionRecord): Promise<void> {
    return this.guard('putPushSubscription', sub?.user, () =>
      push.putPushSubscription(this.ctx, sub),
    );
  }

  listPushSubscriptions(user: string): Promise<PushSubscriptionRecord[]> {
    return this.guard('listPushSubscriptions', user, () =>
      push.listPushSubscriptions(this.ctx, user),
    );
  }

  deletePushSubscription(user: string, id: string): Promise<void> {
    return this.guard('deletePushSubscription', user, () =>
      push.deletePushSubscription(this.ctx, user, id),
    );
  }

  /**
   * Deletes every row expired at the clock's now (see `expiry.ts`); resolves
   * with how many. Runs on its own every `sweepIntervalMs`.
   */
  sweep(): Promise<number> {
    return this.guard('sweep', 'lmdb', () =>
      sweepOnce(this.ctx, this.ctx.clock.now(), this.settings.sweepBatchMax),
    );
  }

  /** Waits for every operation under way, stops the sweep timer, closes LMDB. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) this.ctx.clock.clearTimer(this.timer);
    await this.sweeping;
    await this.ctx.owners.drain();
    await this.dbs.env.close();
  }

  private schedule(): void {
    const { sweepIntervalMs, onSweep } = this.settings;
    if (this.closed || sweepIntervalMs === 0) return;
    this.timer = this.ctx.clock.setTimer(sweepIntervalMs, () => {
      this.timer = undefined;
      this.sweeping = this.sweep().then(
        (purged) => {
          this.sweeping = undefined;
          onSweep?.({ purged });
          this.schedule();
        },
        (error: unknown) => {
          this.sweeping = undefined;
          onSweep?.({ error });
          this.schedule();
        },
      );
    });
  }

  /**
   * Runs `op`, mapping whatever it throws or rejects with to ParleyError.
   * Not an async function: the hot path allocates one promise, `op`'s.
   */
  private guard<T>(method: string, subject: unknown, op: () => T | Promise<T>): Promise<T> {
    if (this.closed)
      return Promise.reject(unavailable(what(method, subject), 'the store is closed'));
    let result: T | Promise<T>;
    try {
      result = op();
    } catch (err) {
      return Promise.reject(toStoreError(err, what(method, subject)));
    }
    if (!(result instanceof Promise)) return Promise.resolve(result);
    return result.then(undefined, (err: unknown) => {
      throw toStoreError(err, what(method, subject));
    });
  }
}

/** The call named in an error message. */
function what(method: string, subject: unknown): string {
  return `${method}(${quote(subject)})`;
}
