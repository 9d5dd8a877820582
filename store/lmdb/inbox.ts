/**
 * The per-user inbox: fenced, gapless, idempotent appends; reads; the key
 * index; outbound pending marks; conversation history.
 *
 * One append is one decision on the owner's committed state (epoch, head)
 * and the committed key index, made by `Owners.decide("user:<id>")`, then one
 * conditional block holding every row of every new item:
 * entry, key index, history row, pending marks, the chat list summaries of
 * their conversations (`chats.ts`) and the new head. So it is
 * all-or-nothing, and it lands only if no other write to the owner came in
 * between (else it is decided again). A key seen earlier in the same call,
 * or present in the index with a live entry, is a duplicate: its first seq
 * is returned and nothing is written for it.
 *
 * The entry itself is stored once, in its history row; the inbox row points
 * at it (`schema.ts`). Pending marks and the key index live as long as the
 * inbox row (inbox TTL): an expired entry is not forwarded any more, and its
 * key may be appended anew.
 *
 * Wake marks (the contract's "Wake list"): an append with pending marks puts
 * `user:<id>` in the `wake` database inside its conditional block, so the
 * mark lands exactly when the pending marks do. `clearPending` removes its
 * mark in one transaction that also removes the wake mark when no pending
 * row of the user is left (a pending row of an expired entry, not yet swept,
 * keeps the mark: spurious, allowed).
 */
import { quote } from '../../runtime/index.ts';
import type {
  AppendResult,
  GroupRefRecord,
  HistoryPage,
  InboxAppend,
  InboxEntry,
  InboxRecord,
  PendingForward,
} from '../contract.ts';
import { staleEpoch } from '../errors.ts';
import { resolveEntry, type StoredEntry } from '../group-ref.ts';
import {
  checkEpoch,
  checkId,
  checkInboxItems,
  checkInt,
  checkKey,
  checkLimit,
} from '../validate.ts';
import { chatUpdates, type Fresh, rememberChatUpdates, writeChatUpdates } from './chats.ts';
import { type Ctx, written } from './context.ts';
import { logContent } from './groups.ts';
import type { Decision, SeenState } from './owners.ts';
import { encodeEntry } from './row-bytes.ts';
import {
  END,
  entryKey,
  historyKey,
  keyIndexKey,
  live,
  pendingKey,
  type Stamped,
  Tag,
} from './schema.ts';

/** The stored entry: the record's fields that are set, plus `user` and `seq`. */
function toEntry(user: string, seq: number, r: InboxRecord | GroupRefRecord): StoredEntry {
  // Field by field, not a walk over Object.entries: this runs for every append.
  const entry: Record<string, unknown> = { key: r.key, from: r.from, id: r.id };
  if (r.to !== undefined) entry.to = r.to;
  if (r.group !== undefined) entry.group = r.group;
  entry.ts = r.ts;
  if (r.content !== undefined) entry.content = r.content;
  if (r.device !== undefined) entry.device = r.device;
  if (r.gseq !== undefined) entry.gseq = r.gseq;
  entry.user = user;
  entry.seq = seq;
  return entry as unknown as StoredEntry;
}

/** The conversation of inbox entry `seq` if it is still live. */
function liveConversation(ctx: Ctx, user: string, seq: number, nowMs: number): string | undefined {
  return live<string>(ctx.dbs.users.get(entryKey(user, seq)), ctx.retention.inboxTtlMs, nowMs);
}

/** The inbox entry `seq` in `conversation` (its history row outlives the inbox row), as kept. */
function entryIn(
  ctx: Ctx,
  user: string,
  conversation: string,
  seq: number,
): StoredEntry | undefined {
  const row = ctx.dbs.users.get(historyKey(user, conversation, seq));
  return row === undefined ? undefined : (row as Stamped<StoredEntry>)[1];
}

/** `entry` as reads return it: undefined for a group reference whose log entry is gone. */
function resolved(ctx: Ctx, entry: StoredEntry | undefined, nowMs: number): InboxEntry | undefined {
  return entry && resolveEntry(entry, (group, gseq) => logContent(ctx, group, gseq, nowMs));
}

/** The live inbox entry `seq`, resolved. */
function liveEntry(ctx: Ctx, user: string, seq: number, nowMs: number): InboxEntry | undefined {
  const conversation = liveConversation(ctx, user, seq, nowMs);
  return conversation === undefined
    ? undefined
    : resolved(ctx, entryIn(ctx, user, conversation, seq), nowMs);
}

/** The seq under `key` if its entry is still live. */
function liveSeqOf(ctx: Ctx, user: string, key: string, nowMs: number): number | undefined {
  const seq = ctx.dbs.users.get(keyIndexKey(user, key)) as number | undefined;
  if (seq === undefined) return undefined;
  return liveConversation(ctx, user, seq, nowMs) === undefined ? undefined : seq;
}

export function appendInbox(
  ctx: Ctx,
  user: string,
  epoch: number,
  items: readonly InboxAppend[],
): AppendResult[] | Promise<AppendResult[]> {
  checkId('user', user);
  checkEpoch(epoch);
  const list = checkInboxItems(items);
  if (list.length === 0) return [];
  return ctx.owners.decide('appendInbox', `user:${user}`, (seen) =>
    decideAppend(ctx, user, epoch, list, seen),
  );
}

/** The append of `list` on the owner's state `seen`: the results, and the rows of the new items. */
function decideAppend(
  ctx: Ctx,
  user: string,
  epoch: number,
  list: readonly InboxAppend[],
  seen: SeenState,
): Decision<AppendResult[]> {
  if (seen.state.e !== epoch) throw staleEpoch(`user:${user}`, epoch, seen.state.e);
  const now = ctx.clock.now();
  const results: AppendResult[] = [];
  const fresh: Fresh[] = [];
  // Keys of this call: only a call of several items can repeat one.
  const inCall = list.length > 1 ? new Map<string, number>() : undefined;
  let head = seen.state.i;
  for (const item of list) {
    const key = item.record.key;
    const prior = inCall?.get(key) ?? liveSeqOf(ctx, user, key, now);
    if (prior !== undefined) {
      results.push({ seq: prior, duplicate: true });
      continue;
    }
    head += 1;
    inCall?.set(key, head);
    // Encoded before the conditional block, so nothing in it can throw half-way.
    const entry = toEntry(user, head, item.record);
    fresh.push({ item, seq: head, entry, encoded: encodeEntry(entry, now) });
    results.push({ seq: head, duplicate: false });
  }
  if (fresh.length === 0) return { done: results };
  const chats = chatUpdates(ctx, user, seen, fresh);
  return {
    result: results,
    next: { ...seen.state, i: head },
    rows() {
      const { users, wake } = ctx.dbs;
      let marks = false;
      for (const { item, seq, encoded } of fresh) {
        void users.put(historyKey(user, item.conversation, seq), encoded.row);
        void users.put(keyIndexKey(user, item.record.key), seq);
        void users.put(entryKey(user, seq), [now, item.conversation]);
        const pendingFor = item.pendingFor;
        if (pendingFor === undefined || pendingFor.length === 0) continue;
        marks = true;
        for (const to of pendingFor.length === 1 ? pendingFor : new Set(pendingFor))
          void users.put(pendingKey(user, seq, to), 1);
      }
      if (marks) void wake.put(`user:${user}`, true);
      writeChatUpdates(ctx, user, chats);
    },
    applied(after) {
      rememberChatUpdates(after, chats);
    },
  };
}

export function readInbox(ctx: Ctx, user: string, afterSeq: number, limit: number): InboxEntry[] {
  checkId('user', user);
  checkInt('afterSeq', afterSeq, 0);
  const max = checkLimit(limit);
  const now = ctx.clock.now();
  const ttl = ctx.retention.inboxTtlMs;
  const out: InboxEntry[] = [];
  for (const { key, value } of ctx.dbs.users.getRange({
    start: entryKey(user, afterSeq + 1),
    end: [user, Tag.Entry, END],
  })) {
    const conversation = live<string>(value, ttl, now);
    if (conversation === undefined) continue;
    const entry = resolved(ctx, entryIn(ctx, user, conversation, key[2] as number), now);
    if (entry === undefined) continue;
    out.push(entry);
    if (out.length >= max) break;
  }
  return out;
}

export function inboxHead(ctx: Ctx, user: string): number {
  checkId('user', user);
  return ctx.owners.committed(`user:${user}`).i;
}

export function findByKey(ctx: Ctx, user: string, key: string): InboxEntry | undefined {
  checkId('user', user);
  checkKey('key', key);
  const seq = ctx.dbs.users.get(keyIndexKey(user, key)) as number | undefined;
  return seq === undefined ? undefined : liveEntry(ctx, user, seq, ctx.clock.now());
}

export function listPending(ctx: Ctx, user: string, limit: number): PendingForward[] {
  checkId('user', user);
  const max = checkLimit(limit);
  const { users } = ctx.dbs;
  const now = ctx.clock.now();
  const out: PendingForward[] = [];
  let seqSeen = -1;
  let entry: InboxEntry | undefined;
  for (const key of users.getKeys({ start: [user, Tag.Pending], end: [user, Tag.Pending, END] })) {
    const [, , seq, recipient] = key as [string, string, number, string];
    if (seq !== seqSeen) {
      seqSeen = seq;
      entry = liveEntry(ctx, user, seq, now);
    }
    if (entry === undefined) continue;
    out.push({ recipient, entry });
    if (out.length >= max) break;
  }
  return out;
}

export async function clearPending(
  ctx: Ctx,
  user: string,
  seq: number,
  recipient: string,
): Promise<void> {
  checkId('user', user);
  checkInt('seq', seq, 1);
  checkId('recipient', recipient);
  const what = `clearPending(${quote(user)}, ${seq}, ${quote(recipient)})`;
  const { env, users, wake } = ctx.dbs;
  await written(
    what,
    env.transaction(() => {
      void users.remove(pendingKey(user, seq, recipient));
      // Reads in the transaction see its own remove, and an append's marks
      // commit in another transaction, before or after this one: either this
      // one sees them, or that one marks again.
      const left = users.getKeys({
        start: [user, Tag.Pending],
        end: [user, Tag.Pending, END],
        limit: 1,
      });
      if (left[Symbol.iterator]().next().done === true) void wake.remove(`user:${user}`);
    }),
  );
}

export function history(
  ctx: Ctx,
  user: string,
  conversation: string,
  beforeSeq: number | null,
  limit: number,
): HistoryPage {
  checkId('user', user);
  checkKey('conversation', conversation);
  if (beforeSeq !== null) checkInt('beforeSeq', beforeSeq, 0);
  const max = checkLimit(limit);
  const now = ctx.clock.now();
  const newest: InboxEntry[] = [];
  // One entry more than asked tells whether an older page exists.
  for (const { value } of ctx.dbs.users.getRange({
    start:
      beforeSeq === null
        ? [user, Tag.History, conversation, END]
        : historyKey(user, conversation, beforeSeq),
    end: [user, Tag.History, conversation],
    reverse: true,
  })) {
    const kept = live<StoredEntry>(value, ctx.retention.historyTtlMs, now);
    if (kept === undefined || (beforeSeq !== null && kept.seq >= beforeSeq)) continue;
    const entry = resolved(ctx, kept, now);
    if (entry === undefined) continue;
    newest.push(entry);
    if (newest.length > max) break;
  }
  const more = newest.length > max;
  const entries = newest.slice(0, max).reverse();
  return { entries, nextBeforeSeq: more ? (entries[0]?.seq ?? null) : null };
}
