/**
 * `MemoryStore`: the storage contract (`../contract.ts`) in memory, without
 * durability, for the simulator and for fast tests of the actors above. It
 * passes the same contract suite as LMDB and Cassandra: fencing, gapless
 * seqs, idempotent keys, atomic appends (the wake mark of an append that
 * creates work included), monotonic receipts, CAS on groups,
 * the shared argument checks (`../validate.ts`), and retention on the
 * injected clock. It forgets everything when the process ends.
 *
 * Deterministic: every call does its work synchronously and returns a
 * settled promise; no I/O, no timers. So each call is atomic (nothing
 * interleaves with it), and under a virtual clock a run is reproducible.
 * Expired rows are skipped by every read and forgotten lazily, from the
 * front of a user's or group's logs, when that user or group is touched.
 *
 * Every input is copied in and every output copied out (`structuredClone`),
 * so no caller can change what is stored. `close()` does nothing: one store
 * may stand for the database of a whole simulated cluster.
 */

import { type Clock, type ParleyError, quote, systemClock } from '../../runtime/index.ts';
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
import { groupExists, staleEpoch, toStoreError, versionConflict } from '../errors.ts';
import { type ContentOf, resolveEntry, type StoredEntry } from '../group-ref.ts';
import { compareUtf8 } from '../utf8-order.ts';
import {
  checkEpoch,
  checkGroupLogRecords,
  checkGroupSave,
  checkId,
  checkIdOrNull,
  checkInboxItems,
  checkInt,
  checkKey,
  checkLimit,
  checkMediaMeta,
  checkPushSubscription,
  checkReceipts,
  checkRetention,
  comparePushSubscriptions,
} from '../validate.ts';
import { markChatRead, noteAppended, pageChats } from './chats.ts';
import { expiryOf } from './rows.ts';
import { Groups, Users, withoutUndefined } from './state.ts';

export interface MemoryStoreOptions {
  /** Source of time for expiry; default the system clock. */
  readonly clock?: Clock;
  /** TTLs (0: keep forever); defaults from `DEFAULT_RETENTION`. */
  readonly retention?: Partial<Retention>;
}

const rank: Record<ReceiptStatus, number> = { delivered: 1, read: 2 };

export class MemoryStore implements Store {
  readonly clock: Clock;
  readonly retention: Retention;
  /** When set, every call rejects with this (fault injection for tests). */
  failWith: ParleyError | null = null;
  private readonly epochs = new Map<string, number>();
  private readonly users = new Users();
  private readonly groups = new Groups();
  private readonly metas = new Map<string, GroupMeta>();
  private readonly media = new Map<string, MediaMeta>();
  /** Push subscriptions by user, then id. */
  private readonly push = new Map<string, Map<string, PushSubscriptionRecord>>();
  /** Owners marked with unfinished work: by `markWake`, by appends that create work (see the contract's "Wake list"). */
  private readonly wake = new Set<string>();

  constructor(options: MemoryStoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.retention = checkRetention(options.retention);
  }

  acquireEpoch(owner: string): Promise<number> {
    return this.call('acquireEpoch', owner, () => {
      checkId('owner', owner);
      const next = (this.epochs.get(owner) ?? 0) + 1;
      this.epochs.set(owner, next);
      return next;
    });
  }

  appendInbox(user: string, epoch: number, items: readonly InboxAppend[]): Promise<AppendResult[]> {
    return this.call('appendInbox', user, (now) => {
      checkId('user', user);
      checkEpoch(epoch);
      // Copied before anything is written, so a copy that fails writes nothing.
      const list = structuredClone(checkInboxItems(items));
      if (list.length === 0) return [];
      this.fence(`user:${user}`, epoch);
      const u = this.users.write(user, now);
      const { inboxTtlMs, historyTtlMs } = this.retention;
      return list.map((item) => {
        const known = this.users.liveSeqOf(u, item.record.key, now);
        if (known !== undefined) return { seq: known, duplicate: true };
        const seq = ++u.head;
        const entry = withoutUndefined<StoredEntry>({ ...item.record, user, seq });
        u.inbox.push(seq, entry, expiryOf(inboxTtlMs, now));
        u.keys.set(entry.key, seq);
        const history = this.users.conversationFor(u, item.conversation, now);
        history.push(seq, entry, expiryOf(historyTtlMs, now));
        noteAppended(u, user, item.conversation, entry);
        if (item.pendingFor !== undefined && item.pendingFor.length > 0) {
          u.pending.set(seq, new Set(item.pendingFor));
          this.wake.add(`user:${user}`);
        }
        return { seq, duplicate: false };
      });
    });
  }

  readInbox(user: string, afterSeq: number, limit: number): Promise<InboxEntry[]> {
    return this.call('readInbox', user, (now) => {
      checkId('user', user);
      checkInt('afterSeq', afterSeq, 0);
      const max = checkLimit(limit);
      const resolve = this.resolver(now);
      return this.users.read(user, now)?.inbox.after(afterSeq, max, now, resolve) ?? [];
    });
  }

  inboxHead(user: string): Promise<number> {
    return this.call('inboxHead', user, (now) => {
      checkId('user', user);
      return this.users.read(user, now)?.head ?? 0;
    });
  }

  findByKey(user: string, key: string): Promise<InboxEntry | undefined> {
    return this.call('findByKey', user, (now) => {
      checkId('user', user);
      checkKey('key', key);
      const u = this.users.read(user, now);
      const seq = u && this.users.liveSeqOf(u, key, now);
      const entry = seq === undefined ? undefined : u?.inbox.get(seq, now);
      return entry && this.resolver(now)(entry);
    });
  }

  listPending(user: string, limit: number): Promise<PendingForward[]> {
    return this.call('listPending', user, (now) => {
      checkId('user', user);
      const max = checkLimit(limit);
      const u = this.users.read(user, now);
      const resolve = this.resolver(now);
      const out: PendingForward[] = [];
      // Marks were added in seq order, so the map iterates oldest first.
      for (const [seq, recipients] of u?.pending ?? []) {
        const stored = u?.inbox.get(seq, now);
        const entry = stored && resolve(stored);
        if (entry === undefined) continue;
        for (const recipient of [...recipients].sort()) {
          if (out.length >= max) return out;
          out.push({ recipient, entry });
        }
      }
      return out;
    });
  }

  clearPending(user: string, seq: number, recipient: string): Promise<void> {
    return this.call('clearPending', user, (now) => {
      checkId('user', user);
      checkInt('seq', seq, 1);
      checkId('recipient', recipient);
      const pending = this.users.read(user, now)?.pending;
      const recipients = pending?.get(seq);
      recipients?.delete(recipient);
      if (recipients?.size === 0) pending?.delete(seq);
      if (pending === undefined || pending.size === 0) this.wake.delete(`user:${user}`);
    });
  }

  advanceCursor(user: string, device: string, seq: number): Promise<number> {
    return this.call('advanceCursor', user, (now) => {
      checkId('user', user);
      checkId('device', device);
      checkInt('seq', seq, 0);
      const { cursors } = this.users.write(user, now);
      const next = Math.max(cursors.get(device) ?? 0, seq);
      cursors.set(device, next);
      return next;
    });
  }

  cursors(user: string): Promise<Record<string, number>> {
    return this.call('cursors', user, (now) => {
      checkId('user', user);
      return Object.fromEntries(this.users.read(user, now)?.cursors ?? []);
    });
  }

  recordReceipts(
    sender: string,
    epoch: number,
    receipts: readonly Receipt[],
  ): Promise<ReceiptEntry[]> {
    return this.call('recordReceipts', sender, (now) => {
      checkId('sender', sender);
      checkEpoch(epoch);
      const list = checkReceipts(receipts);
      if (list.length === 0) return [];
      this.fence(`user:${sender}`, epoch);
      const u = this.users.write(sender, now);
      const expMs = expiryOf(this.retention.inboxTtlMs, now);
      const out: ReceiptEntry[] = [];
      for (const r of list) {
        const pair = `${r.id}\u0000${r.by}`;
        const stored = this.users.liveStatus(u, pair, now);
        if (stored !== undefined && rank[stored] >= rank[r.status]) continue;
        u.statuses.set(pair, { status: r.status, expMs });
        const entry = withoutUndefined<ReceiptEntry>({ ...r, rseq: ++u.rhead });
        u.receipts.push(entry.rseq, entry, expMs);
        out.push(entry);
      }
      return out;
    });
  }

  readReceipts(sender: string, afterRseq: number, limit: number): Promise<ReceiptEntry[]> {
    return this.call('readReceipts', sender, (now) => {
      checkId('sender', sender);
      checkInt('afterRseq', afterRseq, 0);
      const max = checkLimit(limit);
      return this.users.read(sender, now)?.receipts.after(afterRseq, max, now) ?? [];
    });
  }

  receiptStatus(sender: string, id: string, by: string): Promise<ReceiptStatus | undefined> {
    return this.call('receiptStatus', sender, (now) => {
      checkId('sender', sender);
      checkId('id', id);
      checkId('by', by);
      const u = this.users.read(sender, now);
      return u && this.users.liveStatus(u, `${id}\u0000${by}`, now);
    });
  }

  history(
    user: string,
    conversation: string,
    beforeSeq: number | null,
    limit: number,
  ): Promise<HistoryPage> {
    return this.call('history', user, (now) => {
      checkId('user', user);
      checkKey('conversation', conversation);
      if (beforeSeq !== null) checkInt('beforeSeq', beforeSeq, 0);
      const max = checkLimit(limit);
      const u = this.users.read(user, now);
      const rows = u && this.users.conversation(u, conversation, now);
      const page = rows?.page(beforeSeq, max, now, this.resolver(now));
      return { entries: page?.values ?? [], nextBeforeSeq: page?.nextBeforeSeq ?? null };
    });
  }

  conversations(user: string, beforeSeq: number | null, limit: number): Promise<ConversationPage> {
    return this.call('conversations', user, (now) => {
      checkId('user', user);
      if (beforeSeq !== null) checkInt('beforeSeq', beforeSeq, 0);
      const max = checkLimit(limit);
      return pageChats(this.users.read(user, now), beforeSeq, max, this.contentOf(now));
    });
  }

  markRead(
    user: string,
    epoch: number,
    conversation: string,
    upTo: number,
  ): Promise<ReadMark | undefined> {
    return this.call('markRead', user, (now) => {
      checkId('user', user);
      checkEpoch(epoch);
      checkKey('conversation', conversation);
      checkInt('upTo', upTo, 0);
      this.fence(`user:${user}`, epoch);
      const u = this.users.read(user, now);
      return u && markChatRead(this.users, u, user, conversation, upTo, now);
    });
  }

  getGroup(id: string): Promise<GroupMeta | undefined> {
    return this.call('getGroup', id, () => {
      checkId('id', id);
      return this.metas.get(id);
    });
  }

  saveGroup(meta: Omit<GroupMeta, 'version'>, expectedVersion: number): Promise<GroupMeta> {
    return this.call('saveGroup', meta?.id, () => {
      const saved = checkGroupSave(meta, expectedVersion);
      const stored = this.metas.get(saved.id)?.version ?? 0;
      if (stored !== expectedVersion)
        throw expectedVersion === 0
          ? groupExists(saved.id, stored)
          : versionConflict(saved.id, expectedVersion, stored);
      this.metas.set(saved.id, saved);
      return saved;
    });
  }

  appendGroupLog(
    group: string,
    epoch: number,
    records: readonly GroupLogRecord[],
  ): Promise<AppendResult[]> {
    return this.call('appendGroupLog', group, (now) => {
      checkId('group', group);
      checkEpoch(epoch);
      const list = structuredClone(checkGroupLogRecords(records));
      if (list.length === 0) return [];
      this.fence(`group:${group}`, epoch);
      const g = this.groups.write(group, now);
      const expMs = expiryOf(this.retention.groupLogTtlMs, now);
      return list.map((r) => {
        const known = this.groups.liveGseqOf(g, r.key, now);
        if (known !== undefined) return { seq: known, duplicate: true };
        const gseq = ++g.head;
        g.log.push(gseq, withoutUndefined<GroupLogEntry>({ ...r, group, gseq }), expMs);
        g.keys.set(r.key, gseq);
        this.wake.add(`group:${group}`);
        return { seq: gseq, duplicate: false };
      });
    });
  }

  readGroupLog(group: string, afterGseq: number, limit: number): Promise<GroupLogEntry[]> {
    return this.call('readGroupLog', group, (now) => {
      checkId('group', group);
      checkInt('afterGseq', afterGseq, 0);
      const max = checkLimit(limit);
      return this.groups.read(group, now)?.log.after(afterGseq, max, now) ?? [];
    });
  }

  groupHistory(
    group: string,
    beforeGseq: number | null,
    limit: number,
  ): Promise<{ entries: GroupLogEntry[]; nextBeforeSeq: number | null }> {
    return this.call('groupHistory', group, (now) => {
      checkId('group', group);
      if (beforeGseq !== null) checkInt('beforeGseq', beforeGseq, 0);
      const max = checkLimit(limit);
      const page = this.groups.read(group, now)?.log.page(beforeGseq, max, now);
      return { entries: page?.values ?? [], nextBeforeSeq: page?.nextBeforeSeq ?? null };
    });
  }

  markWake(owner: string): Promise<void> {
    return this.call('markWake', owner, () => {
      this.wake.add(checkId('owner', owner));
    });
  }

  clearWake(owner: string): Promise<void> {
    return this.call('clearWake', owner, () => {
      this.wake.delete(checkId('owner', owner));
    });
  }

  listWake(after: string | null, limit: number): Promise<string[]> {
    return this.call('listWake', after, () => {
      const from = checkIdOrNull('after', after);
      const max = checkLimit(limit);
      const owners = [...this.wake].filter((o) => from === null || compareUtf8(o, from) > 0);
      return owners.sort(compareUtf8).slice(0, max);
    });
  }

  putMedia(meta: MediaMeta): Promise<void> {
    return this.call('putMedia', meta?.id, () => {
      const saved = checkMediaMeta(meta);
      this.media.set(saved.id, saved);
    });
  }

  getMedia(id: string): Promise<MediaMeta | undefined> {
    return this.call('getMedia', id, () => {
      checkId('id', id);
      return this.media.get(id);
    });
  }

  putPushSubscription(sub: PushSubscriptionRecord): Promise<void> {
    return this.call('putPushSubscription', sub?.user, () => {
      const saved = checkPushSubscription(sub);
      let subs = this.push.get(saved.user);
      if (subs === undefined) this.push.set(saved.user, (subs = new Map()));
      subs.set(saved.id, saved);
    });
  }

  listPushSubscriptions(user: string): Promise<PushSubscriptionRecord[]> {
    return this.call('listPushSubscriptions', user, () => {
      checkId('user', user);
      return [...(this.push.get(user)?.values() ?? [])].sort(comparePushSubscriptions);
    });
  }

  deletePushSubscription(user: string, id: string): Promise<void> {
    return this.call('deletePushSubscription', user, () => {
      checkId('user', user);
      checkId('id', id);
      const subs = this.push.get(user);
      subs?.delete(id);
      if (subs?.size === 0) this.push.delete(user);
    });
  }

  async close(): Promise<void> {}

  /** Live group log contents at `nowMs`, for group references. */
  private contentOf(nowMs: number): ContentOf {
    return (group, gseq) => this.groups.content(group, gseq, nowMs);
  }

  /** A kept entry as reads return it: undefined for a reference whose log entry is gone. */
  private resolver(nowMs: number): (entry: StoredEntry) => InboxEntry | undefined {
    const contentOf = this.contentOf(nowMs);
    return (entry) => resolveEntry(entry, contentOf);
  }

  /** Refuses a write of `owner` fenced by anything but its current epoch. */
  private fence(owner: string, epoch: number): void {
    const current = this.epochs.get(owner) ?? 0;
    if (epoch !== current) throw staleEpoch(owner, epoch, current);
  }

  /**
   * Runs `op` at the clock's now, synchronously, and settles with a copy of
   * its result; every failure becomes a ParleyError naming the call.
   */
  private call<T>(method: string, subject: unknown, op: (nowMs: number) => T): Promise<T> {
    try {
      if (this.failWith !== null) throw this.failWith;
      return Promise.resolve(structuredClone(op(this.clock.now())));
    } catch (err) {
      return Promise.reject(toStoreError(err, `${method}(${quote(subject)})`));
    }
  }
}
