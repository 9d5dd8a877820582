/**
 * The chat list of the LMDB store (contract: "Chat list" in `../contract.ts`).
 *
 *   [user, 'c', conv]  -> [writtenAt, ChatRow]   the summary of one conversation
 *   [user, 'a', seq]   -> conv                    activity index: seq = its last entry
 *
 * `appendInbox` computes the new summaries (`chatUpdates`) while it decides
 * and writes them (`writeChatUpdates`) in its conditional block, so they land
 * with the entries or not at all. `markRead` is its own fenced decision on the
 * owner state (`user:<id>`), serialized with the appends, so a watermark and
 * an unread count are never computed on a state that changed under them.
 * The chat list is one reverse range over the activity index, a point read
 * per item. Rows never expire (the sweep skips their prefixes).
 *
 * Invariants: one 'a' row per conversation, at its summary's `last.seq`;
 * `readUpTo <= last.seq`; `unread` = live history entries from others after
 * `readUpTo`.
 */
import type { Key } from 'lmdb';
import { type ChatRow, chatRowAfter } from '../chat-row.ts';
import type {
  ConversationPage,
  ConversationSummary,
  InboxAppend,
  InboxEntry,
  ReadMark,
} from '../contract.ts';
import { staleEpoch } from '../errors.ts';
import { checkEpoch, checkId, checkInt, checkKey, checkLimit } from '../validate.ts';
import type { Ctx } from './context.ts';
import { END, historyKey, live, type Stamped, stamped, Tag } from './schema.ts';

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

/** What one append changes in a conversation's summary. */
export interface ChatUpdate {
  readonly conversation: string;
  /** The activity row to drop (the previous last seq), if any. */
  readonly oldSeq: number | undefined;
  readonly row: ChatRow;
}

/** The summaries after appending `fresh` (in seq order), one per conversation touched. */
export function chatUpdates(
  ctx: Ctx,
  user: string,
  fresh: readonly { readonly item: InboxAppend; readonly entry: InboxEntry }[],
): ChatUpdate[] {
  const out = new Map<string, ChatUpdate>();
  for (const { item, entry } of fresh) {
    const conversation = item.conversation;
    const before = out.get(conversation);
    const stored = before === undefined ? chatRow(ctx, user, conversation) : undefined;
    out.set(conversation, {
      conversation,
      oldSeq: before === undefined ? stored?.last.seq : before.oldSeq,
      row: chatRowAfter(before?.row ?? stored, user, entry),
    });
  }
  return [...out.values()];
}

/** Encoded ahead of the conditional block, like the entries, so nothing in it can throw. */
export function encodeChatUpdates(updates: readonly ChatUpdate[], nowMs: number) {
  return updates.map((u) => ({ ...u, encoded: stamped(u.row, nowMs) }));
}

/** The writes of `updates`; call inside the append's conditional block. */
export function writeChatUpdates(
  ctx: Ctx,
  user: string,
  updates: ReturnType<typeof encodeChatUpdates>,
): void {
  const { users } = ctx.dbs;
  for (const u of updates) {
    if (u.oldSeq !== undefined) void users.remove(activityKey(user, u.oldSeq));
    void users.put(activityKey(user, u.row.last.seq), u.conversation);
    void users.put(chatKey(user, u.conversation), u.encoded);
  }
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
    items.push({ conversation, last: row.last, unread: row.unread, readUpTo: row.readUpTo });
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

export async function markRead(
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
  const { owners } = ctx;
  return owners.serialize(owner, () =>
    owners.decideLoop<ReadMark | undefined>('markRead', owner, async () => {
      const seen = owners.read(owner);
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
      const applied = await owners.commit('markRead', owner, seen, seen.state, () => {
        void ctx.dbs.users.put(chatKey(user, conversation), encoded);
      });
      return applied
        ? { done: { readUpTo: next.readUpTo, unread: next.unread, raised: true } }
        : { retry: true };
    }),
  );
}
