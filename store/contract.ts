/**
 * The storage contract: everything the chat must not lose.
 *
 * Two implementations pass the same contract suite (`contract-suite.ts`):
 * embedded LMDB (`lmdb/`) and ScyllaDB/Cassandra (`cassandra/`).
 *
 * Owners and fencing. A user's inbox and a group's log are written only by the
 * actor that owns the key (`user:alice`, `group:g1`). Before writing, the owner
 * takes an epoch with `acquireEpoch`; the epoch is strictly increasing per key.
 * Every write that issues a sequence number carries the epoch, and the store
 * refuses it (ParleyError code `fenced`, class `FencedError`, the message
 * naming the owner and both epochs) unless it is the owner's current epoch:
 * when a newer epoch was taken since, or when it was never taken. The check
 * and the write are one atomic step. So two owners in a split brain can never
 * issue the same `seq` twice: the older one's writes fail. Epochs are
 * integers >= 1 (anything else is `invalid_argument`).
 *
 * Sequences. `seq` per user inbox and per group log starts at 1 and is
 * gapless and strictly increasing. An append is idempotent on `key`: the same
 * key appended again returns the `seq` it got the first time (`duplicate:
 * true`) and writes nothing, even when the rest of the record differs; a key
 * repeated within one call is a duplicate of its first occurrence. Heads and
 * epochs never expire, so sequences stay gapless after entries expire; a key
 * whose entry expired is forgotten (appended again, it gets a new `seq`).
 * A call with no items returns `[]` and writes nothing.
 *
 * Atomicity. One `appendInbox` call is all-or-nothing: its entries, their key
 * index, their history rows, the outbound `pending` marks and the chat list
 * summaries of their conversations (and, in memory and LMDB, the user's wake
 * mark) are written together or not at all.
 * Once the promise resolves, the write survives a crash of the process
 * (and, for Cassandra, of a node at the chosen consistency).
 *
 * Chat list (the conversation index). Each user has one summary per
 * conversation (`u:<peer>`, `g:<group>`) that has at least one entry: its
 * newest entry (`last`), the user's read watermark (`readUpTo`, 0 until
 * the first `markRead`) and `unread`, the number of the conversation's
 * entries with `seq > readUpTo` that someone else sent (`from !== user`;
 * the user's own messages are never unread). `appendInbox` keeps the index
 * in the same atomic step as the entries, so the chat list is one read and
 * never disagrees with the inbox. `markRead` moves the watermark only up
 * (to at most the conversation's newest seq), fenced like appends; then
 * `unread` counts the other party's entries after it that history still
 * holds. `conversations` pages the index by last activity: newest `last.seq`
 * first (seqs are unique per user, so there are no ties). Index rows never
 * expire: a conversation stays listed, with its last entry, after its rows
 * expired from the inbox and from history.
 *
 * Wake list. Owners (`user:<id>`, `group:<id>`) with work that must not
 * wait for a client: a forward not yet confirmed, a group message not yet
 * confirmed by every member. A node wakes the listed owners it owns at start
 * and when it gains a shard. A spurious mark is harmless (the woken actor
 * finds nothing to do); a missing mark is a bug (work that waits for a
 * client). The store derives the marks from the writes that create the work:
 * - `appendInbox` with an item whose `pendingFor` is non-empty marks
 *   `user:<user>`; `appendGroupLog` marks `group:<group>` (when it appends
 *   a new record; duplicates alone mark nothing).
 * - `clearPending` that clears the user's last pending mark clears the
 *   user's wake mark. Groups clear theirs with `clearWake` once every member
 *   confirmed.
 * Memory and LMDB write the mark in the same atomic step as the append (so a
 * refused or failed append marks nothing) and clear it in the same step as
 * the clear of the last pending mark. Cassandra has no atomic write across
 * partitions short of a logged batch: it writes the mark before the append's
 * batch, once per busy period of the owner (a process remembers whom it
 * marked), and clears a user's mark some time after the user's pending set
 * emptied (`cassandra/wake-marks.ts`); so there a failed append can leave a
 * spurious mark, and a mark can outlive the last pending mark. Pending marks
 * that expire (inbox TTL) may leave a spurious wake mark in every store.
 * `markWake` and `clearWake` set and clear a mark directly (groups, tools,
 * tests).
 *
 * Group messages by reference. A group message is stored once, in the group
 * log; a member's inbox may hold a reference to it (`GroupRefRecord`: `group`
 * and `gseq`, no `content`), which takes a `seq`, a key, a history row and the
 * chat list's `last` like any record. Every read that returns an
 * `InboxEntry` (`readInbox`, `findByKey`, `listPending`, `history`,
 * `conversations`) returns it with its content, read from the group log
 * entry (group, gseq) at the time of the read. When that entry is gone
 * (expired, or never written) the reference counts as expired:
 * `readInbox`, `findByKey`, `listPending` and `history` skip it (and still
 * return up to `limit` live entries), and a chat list summary whose `last`
 * is such a reference shows it with content `{ type: 'expired' }`
 * (`EXPIRED_CONTENT`). Owners append the group log entry before its
 * references. With the default retention (inbox 30 days, group log 90
 * days) an inbox reference never outlives its message; history rows (kept
 * forever by default) of group messages last as long as the group log.
 *
 * Push subscriptions. A user's registered push endpoints (`PushSubscriptionRecord`),
 * kept so every node of a cluster can notify the user. `putPushSubscription`
 * upserts on (`user`, `id`): the same id put again replaces the record.
 * `listPushSubscriptions` returns a user's records oldest first (by `ts`,
 * then `id`); `deletePushSubscription` is idempotent. The store bounds
 * nothing per user: the caller (`actors/push/registry.ts`) does. Records
 * never expire; a push service's "gone" answer deletes them.
 *
 * Errors. Every method rejects only with `ParleyError`: `fenced` (stale
 * epoch, group version mismatch), `already_exists` (creating a group that
 * exists), `unavailable` (the database cannot be reached or timed out; nothing
 * is known to be written), `indeterminate` (a write may or may not have
 * happened: re-read before retrying), `invalid_argument` (a caller bug).
 *
 * Limits every implementation accepts (larger values may be refused with
 * `invalid_argument`): ids (users, groups, owners, devices, message ids) up to
 * 256 UTF-8 bytes and keys and conversations up to 512, without NUL; up to
 * 1000 items (receipts, records) per call. Reads return at most `limit`
 * rows, which an implementation may cap (at 10 000 or more).
 */

/** Content of a chat message: opaque to the store, JSON-serialisable. */
export type Content = { readonly type: string } & Record<string, unknown>;

/** One message as kept in a user's inbox (and copied into history). */
export interface InboxRecord {
  /** Idempotency key: the sender's message key, `${from}/${id}` for 1:1 and own-copy, `${group}/${gseq}` style keys for groups. */
  readonly key: string;
  readonly from: string;
  /** Client message id chosen by the sender. */
  readonly id: string;
  /** Set for 1:1 messages: the recipient user. */
  readonly to?: string;
  /** Set for group messages: the group id. */
  readonly group?: string;
  /** Server time of the `sent` ack, ms since epoch. */
  readonly ts: number;
  readonly content: Content;
  /** The sender's device that sent it (its own copies are not pushed back to it). Stored and returned as given. */
  readonly device?: string;
  /** For group messages: the group's order of this message. Stored and returned as given. */
  readonly gseq?: number;
}

/**
 * A group message in a member's inbox by reference (see "Group messages by
 * reference"): the record without its content, which reads take from the
 * group log entry (`group`, `gseq`).
 */
export interface GroupRefRecord extends Omit<InboxRecord, 'group' | 'gseq' | 'content'> {
  readonly group: string;
  readonly gseq: number;
  readonly content?: undefined;
}

/** What a chat list summary shows as the content of a reference whose group log entry is gone. */
export const EXPIRED_CONTENT: Content = { type: 'expired' };

export interface InboxEntry extends InboxRecord {
  readonly user: string;
  readonly seq: number;
}

export interface InboxAppend<
  R extends InboxRecord | GroupRefRecord = InboxRecord | GroupRefRecord,
> {
  /** A full record, or a reference to a group log entry. */
  readonly record: R;
  /**
   * Conversation this entry belongs to in the user's history: `u:<peer>` for
   * 1:1 (the other party, also for own sends), `g:<group>` for groups.
   */
  readonly conversation: string;
  /**
   * Outbound marks written in the same atomic step: recipients (user ids) that
   * must still confirm this message. Cleared with `clearPending`. A
   * non-empty list puts `user:<user>` on the wake list (see "Wake list").
   */
  readonly pendingFor?: readonly string[];
}

export interface AppendResult {
  readonly seq: number;
  /** True when the key was already present: nothing was written. */
  readonly duplicate: boolean;
}

/** An outbound message the owner must still forward to `recipient`. */
export interface PendingForward {
  readonly recipient: string;
  readonly entry: InboxEntry;
}

export const ReceiptStatus = { Delivered: 'delivered', Read: 'read' } as const;
export type ReceiptStatus = (typeof ReceiptStatus)[keyof typeof ReceiptStatus];

/** A recipient's receipt for a message that `sender` sent. */
export interface Receipt {
  /** The client message id of the sender's message. */
  readonly id: string;
  /** The recipient whose receipt this is. */
  readonly by: string;
  readonly group?: string;
  readonly status: ReceiptStatus;
  readonly ts: number;
}

/** A receipt as kept in the sender's receipt log (its own gapless `rseq`). */
export interface ReceiptEntry extends Receipt {
  readonly rseq: number;
}

export interface HistoryPage {
  /** Oldest first. */
  readonly entries: readonly InboxEntry[];
  /** Pass as `beforeSeq` for the next older page: the oldest `seq` returned when an older entry exists; null when none does. */
  readonly nextBeforeSeq: number | null;
}

/** One conversation of a user's chat list (see "Chat list" above). */
export interface ConversationSummary {
  /** `u:<peer>` or `g:<group>`, as given to `appendInbox`. */
  readonly conversation: string;
  /** The conversation's newest entry in the user's inbox. */
  readonly last: InboxEntry;
  /** Entries from others with `seq > readUpTo`. */
  readonly unread: number;
  /** The user's read watermark in this conversation; 0 when never moved. */
  readonly readUpTo: number;
}

export interface ConversationPage {
  /** Most recent activity first: `last.seq` descending. */
  readonly items: readonly ConversationSummary[];
  /** Pass as `beforeSeq` for the next page: the last item's `last.seq` when more exist; null when none do. */
  readonly nextBeforeSeq: number | null;
}

/** What `markRead` left. */
export interface ReadMark {
  readonly readUpTo: number;
  readonly unread: number;
  /** True when this call moved the watermark up. */
  readonly raised: boolean;
}

export interface GroupMeta {
  readonly id: string;
  readonly name: string;
  readonly members: readonly string[];
  readonly admins: readonly string[];
  readonly createdBy: string;
  readonly createdTs: number;
  /** Bumped on every change; `saveGroup` is a compare-and-set on it. */
  readonly version: number;
}

export interface GroupLogRecord {
  /** Idempotency key: `${from}/${id}`. */
  readonly key: string;
  readonly from: string;
  readonly id: string;
  readonly ts: number;
  readonly content: Content;
  /** The sender's device. Stored and returned as given. */
  readonly device?: string;
}

export interface GroupLogEntry extends GroupLogRecord {
  readonly group: string;
  readonly gseq: number;
}

export interface MediaMeta {
  readonly id: string;
  readonly owner: string;
  readonly mime: string;
  readonly size: number;
  readonly ts: number;
}

/** How a push subscription is reached. */
export const PushKind = { WebPush: 'webpush', Webhook: 'webhook' } as const;
export type PushKind = (typeof PushKind)[keyof typeof PushKind];

/** One device's push registration (see "Push subscriptions"). */
export interface PushSubscriptionRecord {
  /** Unique per user; chosen by the caller. */
  readonly id: string;
  readonly user: string;
  readonly kind: PushKind;
  /** `webpush`: the push service endpoint URL; `webhook`: the device token. */
  readonly target: string;
  /** `webpush`: the subscription's P-256 public key and auth secret (base64url). */
  readonly p256dh?: string;
  readonly auth?: string;
  /** `webhook`: the native platform (`apns`, `fcm`, ...). */
  readonly platform?: string;
  /** Whether a plain text body may be shown in the notification. */
  readonly previews: boolean;
  /** When it was (last) registered, ms since epoch. */
  readonly ts: number;
}

export interface Retention {
  /**
   * Inbox entries, with their key index and pending marks, and the sender's
   * receipts (log and statuses) expire this long after they were written;
   * default 30 days. For every TTL, 0 = keep forever.
   */
  readonly inboxTtlMs: number;
  /**
   * Group log entries (and their keys) expire after this; default 90 days.
   * Inbox references to an entry expire with it ("Group messages by
   * reference" above): keep it >= `inboxTtlMs` so a reference never outlives
   * its message.
   */
  readonly groupLogTtlMs: number;
  /** History rows expire after this; 0 = keep forever (the default). */
  readonly historyTtlMs: number;
}

export const DEFAULT_RETENTION: Retention = {
  inboxTtlMs: 30 * 24 * 3600 * 1000,
  groupLogTtlMs: 90 * 24 * 3600 * 1000,
  historyTtlMs: 0,
};

export interface Store {
  // ---- fencing --------------------------------------------------------------
  /** Takes a new epoch for `owner` (`user:alice`, `group:g1`): greater than every epoch taken before. */
  acquireEpoch(owner: string): Promise<number>;

  // ---- per-user inbox (offline mailbox) -------------------------------------
  /** Appends in order, atomically; returns one result per item. Fenced by `epoch` of `user:<user>`. */
  appendInbox(
    user: string,
    epoch: number,
    items: readonly InboxAppend<InboxRecord | GroupRefRecord>[],
  ): Promise<AppendResult[]>;
  /** Entries with `seq > afterSeq`, ascending, at most `limit`. */
  readInbox(user: string, afterSeq: number, limit: number): Promise<InboxEntry[]>;
  /** The highest `seq` issued for `user` (0 when none). */
  inboxHead(user: string): Promise<number>;
  /** The entry appended under `key`, if any (dedupe of client message ids). */
  findByKey(user: string, key: string): Promise<InboxEntry | undefined>;

  // ---- outbound state --------------------------------------------------------
  /** Messages of `user` not yet confirmed by some recipient, oldest first (by seq, then recipient); one item per (seq, recipient). */
  listPending(user: string, limit: number): Promise<PendingForward[]>;
  /** Clears the pending mark of (`seq`, `recipient`); idempotent. Clearing the user's last one clears `user:<user>` from the wake list (see "Wake list"). */
  clearPending(user: string, seq: number, recipient: string): Promise<void>;

  // ---- per-device delivery cursors (cumulative) -----------------------------
  /** Moves the device's cursor to `max(current, seq)` (`seq` >= 0; the first call creates it, even at 0); returns the cursor after. */
  advanceCursor(user: string, device: string, seq: number): Promise<number>;
  /** Every device's cursor for `user`. */
  cursors(user: string): Promise<Record<string, number>>;

  // ---- receipts --------------------------------------------------------------
  /**
   * Records receipts for messages `sender` sent. Monotonic: a receipt that
   * does not raise the stored status of (id, by) is ignored. Returns the ones
   * that raised it, with their new `rseq` (gapless per sender). Fenced by the
   * epoch of `user:<sender>`.
   */
  recordReceipts(
    sender: string,
    epoch: number,
    receipts: readonly Receipt[],
  ): Promise<ReceiptEntry[]>;
  /** Receipt log of `sender` after `afterRseq`, ascending, at most `limit`. */
  readReceipts(sender: string, afterRseq: number, limit: number): Promise<ReceiptEntry[]>;
  /** The stored status of (`id`, `by`) for `sender`'s message, if any. */
  receiptStatus(sender: string, id: string, by: string): Promise<ReceiptStatus | undefined>;

  // ---- history ---------------------------------------------------------------
  /** Pages back through `user`'s conversation (`u:<peer>` or `g:<group>`): entries with seq < beforeSeq (all when null), newest `limit`, returned oldest first. */
  history(
    user: string,
    conversation: string,
    beforeSeq: number | null,
    limit: number,
  ): Promise<HistoryPage>;

  // ---- chat list (conversation index, maintained by appendInbox) -------------
  /** `user`'s conversations whose `last.seq < beforeSeq` (all when null), newest activity first, at most `limit`. */
  conversations(user: string, beforeSeq: number | null, limit: number): Promise<ConversationPage>;
  /**
   * Moves `user`'s read watermark in `conversation` to `max(readUpTo,
   * min(upTo, last.seq))` and recounts `unread`; idempotent and monotonic.
   * Fenced by `epoch` of `user:<user>`. Resolves undefined (writing nothing)
   * when the user has no such conversation. `upTo` >= 0.
   */
  markRead(
    user: string,
    epoch: number,
    conversation: string,
    upTo: number,
  ): Promise<ReadMark | undefined>;

  // ---- groups ----------------------------------------------------------------
  getGroup(id: string): Promise<GroupMeta | undefined>;
  /** Creates (expectedVersion 0) or updates a group if its stored version equals `expectedVersion`; the saved meta has version+1. Rejects `already_exists` (create, the group exists) or `fenced` (update, another version is stored, also when the group does not exist). */
  saveGroup(meta: Omit<GroupMeta, 'version'>, expectedVersion: number): Promise<GroupMeta>;
  /** Appends to the group log in group order, atomically, idempotent on key; fenced by the epoch of `group:<id>`. A new record puts `group:<id>` on the wake list (see "Wake list"). */
  appendGroupLog(
    group: string,
    epoch: number,
    records: readonly GroupLogRecord[],
  ): Promise<AppendResult[]>;
  readGroupLog(group: string, afterGseq: number, limit: number): Promise<GroupLogEntry[]>;
  /** Pages back through the group log: gseq < beforeGseq (all when null), newest `limit`, returned oldest first. */
  groupHistory(
    group: string,
    beforeGseq: number | null,
    limit: number,
  ): Promise<{ entries: GroupLogEntry[]; nextBeforeSeq: number | null }>;

  // ---- wake list: owners with work that must not wait for a client -----------
  /**
   * Marks `owner` (`user:alice`, `group:g1`) as having unfinished work.
   * The appends that create such work mark their owner themselves (see
   * "Wake list"); this is for groups, tools and tests. Idempotent.
   */
  markWake(owner: string): Promise<void>;
  /** Clears the mark of `owner`; idempotent. A caller clears only an owner whose work is done. */
  clearWake(owner: string): Promise<void>;
  /**
   * Marked owners greater than `after` (all when null), ascending, at most
   * `limit`: a node wakes them at start. Ascending is by Unicode code point
   * (the UTF-8 byte order, see `utf8-order.ts`). Marks never expire.
   */
  listWake(after: string | null, limit: number): Promise<string[]>;

  // ---- media metadata (bytes live in a BlobStore) ----------------------------
  putMedia(meta: MediaMeta): Promise<void>;
  getMedia(id: string): Promise<MediaMeta | undefined>;

  // ---- push subscriptions (see "Push subscriptions") --------------------------
  /** Inserts or replaces the record of (`sub.user`, `sub.id`). */
  putPushSubscription(sub: PushSubscriptionRecord): Promise<void>;
  /** `user`'s records, oldest first (by `ts`, then `id`). */
  listPushSubscriptions(user: string): Promise<PushSubscriptionRecord[]>;
  /** Deletes the record of (`user`, `id`); idempotent. */
  deletePushSubscription(user: string, id: string): Promise<void>;

  close(): Promise<void>;
}

/** Where media bytes live: the filesystem by default. */
export interface BlobStore {
  put(id: string, bytes: Uint8Array): Promise<void>;
  /** The bytes, or undefined when there is no such blob. */
  get(id: string): Promise<Uint8Array | undefined>;
}
