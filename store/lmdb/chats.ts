/**
 * The chat list of the LMDB store (contract: "Chat list" in `../contract.ts`).
 *
 *   [user, 'c', conv]  -> [writtenAt, ChatRow]   the summary of one conversation
 *   [user, 'a', seq]   -> conv                    activity index: seq = its last entry
 *
 * `appendInbox` computes the new summaries (`chatUpdates`) while it decides
 * and writes them (`writeChatUpdates`) in its conditional block, so they land
 * with the entries or not at all. It takes the previous summary's numbers
 * (`ChatHead`) from the owner's cache (`owners.ts`) when it has them, so the
 * hot path neither reads nor decodes the row it replaces. `markRead` is its own fenced decision on the
 * owner state (`user:<id>`), serialized with the appends, so a watermark and
 * an unread count are never computed on a state that changed under them.
 * The chat list is one reverse range over the activity index, a point read
 * per item. Rows never expire (the sweep skips their prefixes).
 *
 * Invariants: one 'a' row per conversation, at its summary's `last.seq`;
 * `readUpTo <= last.seq`; `unread` = live history entries from others after
 * `readUpTo`.
 */
import type { Binary, Key } from 'lmdb';
import { type ChatRow, chatRowAfter } from '../chat-row.ts';
import type {
  ConversationPage,
  ConversationSummary,
  InboxAppend,
  InboxEntry,
  ReadMark,
} from '../contract.ts';
import { staleEpoch } from '../errors.ts';
import { resolveLast, type StoredEntry } from '../group-ref.ts';
import { checkEpoch, checkId, checkInt, checkKey, checkLimit } from '../validate.ts';
import type { Ctx } from './context.ts';
import { logContent } from './groups.ts';
import { type ChatHead, rememberChat, type SeenState } from './owners.ts';
import { type EncodedEntry, stamped, stampedSummary } from './row-bytes.ts';
import { END, historyKey, live, type Stamped, Tag } from './schema.ts';

export type { ChatRow };

export const chatKey = (user: string, conversation: string): Key[] => [
  user,
  Tag.Chat,
  conversation,
];
export const activityKey = (user: string, seq: number): Key[] => [user, Tag.Activity, seq];

/** A conversation's summary row, if it has one. */
function chatRow(ctx: Ctx, user: string, conversation: string): ChatRow | undefined {
  const row = ctx.dbs.users.get(chatKey(user, conversation));
  return row === undefined ? undefined : (row as Stamped<ChatRow>)[1];
}

/** A new item of an append, with its entry encoded (`inbox.ts`). */
export interface Fresh {
  readonly item: InboxAppend;
  readonly seq: number;
  readonly entry: StoredEntry;
  readonly encoded: EncodedEntry;
}

/** What one append changes in a conversation's summary. */
export interface ChatUpdate {
  readonly conversation: string;
  /** The activity row to drop (the previous last seq), if any. */
  readonly oldSeq: number | undefined;
  readonly head: ChatHead;
  /** The encoded summary row. */
  readonly row: Binary;
}

function headOf(row: ChatRow): ChatHead {
  return { lastSeq: row.last.seq, unread: row.unread, readUpTo: row.readUpTo };
}

/**
 * The summaries after appending `fresh` (in seq order), one per conversation
 * touched, encoded: the heads come from the owner's cache (`seen.chats`), or
 * are read once from the summary rows.
 */
export function chatUpdates(
  ctx: Ctx,
  user: string,
  seen: SeenState,
  fresh: readonly Fresh[],
): ChatUpdate[] {
  if (fresh.length === 1) {
    const only = fresh[0] as Fresh;
    const before = headBefore(ctx, user, seen, only.item.conversation);
    return [update(user, only, before?.lastSeq, before)];
  }
  const last = new Map<string, { oldSeq: number | undefined; head: ChatHead; newest: Fresh }>();
  for (const f of fresh) {
    const conversation = f.item.conversation;
    const before = last.get(conversation);
    const prev = before?.head ?? headBefore(ctx, user, seen, conversation);
    last.set(conversation, {
      oldSeq: before === undefined ? prev?.lastSeq : before.oldSeq,
      head: headAfter(prev, user, f.entry),
      newest: f,
    });
  }
  const out: ChatUpdate[] = [];
  for (const [conversation, { oldSeq, head, newest }] of last)
    out.push({
      conversation,
      oldSeq,
      head,
      row: stampedSummary(newest.encoded, head.unread, head.readUpTo),
    });
  return out;
}

/** The conversation's head before this append: cached, or read from its summary row. */
function headBefore(
  ctx: Ctx,
  user: string,
  seen: SeenState,
  conversation: string,
): ChatHead | undefined {
  const cached = seen.chats.get(conversation);
  if (cached !== undefined) return cached;
  const row = chatRow(ctx, user, conversation);
  return row === undefined ? undefined : headOf(row);
}

/** `prev` after `entry`, by the rule every store shares (`chatRowAfter`). */
function headAfter(prev: ChatHead | undefined, user: string, entry: StoredEntry): ChatHead {
  const row = chatRowAfter(
    prev === undefined ? undefined : { last: entry, unread: prev.unread, readUpTo: prev.readUpTo },
    user,
    entry,
  );
  return { lastSeq: entry.seq, unread: row.unread, readUpTo: row.readUpTo };
}

function update(
  user: string,
  newest: Fresh,
  oldSeq: number | undefined,
  prev: ChatHead | undefined,
): ChatUpdate {
  const head = headAfter(prev, user, newest.entry);
  return {
    conversation: newest.item.conversation,
    oldSeq,
    head,
    row: stampedSummary(newest.encoded, head.unread, head.readUpTo),
  };
}

/** The writes of `updates`; call inside the append's conditional block. */
export function writeChatUpdates(ctx: Ctx, user: string, updates: readonly ChatUpdate[]): void {
  const { users } = ctx.dbs;
  for (const u of updates) {
    if (u.oldSeq !== undefined) void users.remove(activityKey(user, u.oldSeq));
    void users.put(activityKey(user, u.head.lastSeq), u.conversation);
    void users.put(chatKey(user, u.conversation), u.row);
  }
}

/** Caches the heads of `updates` once their append applied. */
export function rememberChatUpdates(after: SeenState, updates: readonly ChatUpdate[]): void {
  for (const u of updates) rememberChat(after, u.conversation, u.head);
}

export function conversations(
  ctx: Ctx,
  user: string,
  beforeSeq: number | null,
  limit: number,
): ConversationPage {
  checkId('user', user);
  if (beforeSeq !== null) checkInt('beforeSeq', beforeSeq, 0);
  const max = checkLimit(limit);
  const now = ctx.clock.now();
  const contentOf = (group: string, gseq: number) => logContent(ctx, group, gseq, now);
  const items: ConversationSummary[] = [];
  let more = false;
  for (const { key, value } of ctx.dbs.users.getRange({
    start: beforeSeq === null ? [user, Tag.Activity, END] : activityKey(user, beforeSeq),
    end: [user, Tag.Activity],
    reverse: true,
  })) {
    if (beforeSeq !== null && (key[2] as number) >= beforeSeq) continue;
    if (items.length >= max) {
      more = true;
      break;
    }
    const conversation = value as string;
    const row = chatRow(ctx, user, conversation);
    if (row === undefined) continue;
    const last = resolveLast(row.last, contentOf);
    items.push({ conversation, last, unread: row.unread, readUpTo: row.readUpTo });
  }
  return { items, nextBeforeSeq: more ? (items.at(-1)?.last.seq ?? null) : null };
}

/** Live history entries of `conversation` after `seq` that someone else sent. */
function unreadAfter(ctx: Ctx, user: string, conversation: string, seq: number): number {
  const now = ctx.clock.now();
  let count = 0;
  for (const { value } of ctx.dbs.users.getRange({
    start: historyKey(user, conversation, seq + 1),
    end: [user, Tag.History, conversation, END],
  })) {
    const entry = live<InboxEntry>(value, ctx.retention.historyTtlMs, now);
    if (entry !== undefined && entry.from !== user) count++;
  }
  return count;
}

export function markRead(
  ctx: Ctx,
  user: string,
  epoch: number,
  conversation: string,
  upTo: number,
): Promise<ReadMark | undefined> {
  checkId('user', user);
  checkEpoch(epoch);
  checkKey('conversation', conversation);
  checkInt('upTo', upTo, 0);
  const owner = `user:${user}`;
  return ctx.owners.decide<ReadMark | undefined>('markRead', owner, (seen) => {
    if (seen.state.e !== epoch) throw staleEpoch(owner, epoch, seen.state.e);
    const row = chatRow(ctx, user, conversation);
    if (row === undefined) return { done: undefined };
    const target = Math.min(upTo, row.last.seq);
    if (target <= row.readUpTo)
      return { done: { readUpTo: row.readUpTo, unread: row.unread, raised: false } };
    const next: ChatRow = {
      last: row.last,
      unread: unreadAfter(ctx, user, conversation, target),
      readUpTo: target,
    };
    const encoded = stamped(next, ctx.clock.now());
    // The owner state is written unchanged: its version moves, which orders
    // this write with the appends deciding on the same state.
    return {
      result: { readUpTo: next.readUpTo, unread: next.unread, raised: true },
      next: seen.state,
      rows() {
        void ctx.dbs.users.put(chatKey(user, conversation), encoded);
      },
      applied(after) {
        rememberChat(after, conversation, headOf(next));
      },
    };
  });
}
