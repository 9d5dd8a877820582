/**
 * The chat list of `MemoryStore` (contract: "Chat list" in `../contract.ts`):
 * one `ChatRow` per conversation of a user, updated by every append in the
 * same synchronous step, so it never disagrees with the inbox.
 *
 * Invariants: `last` is the conversation's entry with the highest seq;
 * `readUpTo <= last.seq`; `unread` counts the conversation's live history
 * entries from others with seq > `readUpTo` (an append from someone else
 * adds one: its seq is above every seq the watermark can have reached).
 */
import type { ConversationPage, ConversationSummary, ReadMark } from '../contract.ts';
import { type ContentOf, resolveLast, type StoredEntry } from '../group-ref.ts';
import type { UserState, Users } from './state.ts';

/** Records `entry` (just appended to `conversation`) in the chat list of `u`. */
export function noteAppended(
  u: UserState,
  user: string,
  conversation: string,
  entry: StoredEntry,
): void {
  const fromOther = entry.from !== user ? 1 : 0;
  const row = u.chats.get(conversation);
  if (row === undefined) {
    u.chats.set(conversation, { last: entry, unread: fromOther, readUpTo: 0 });
    return;
  }
  row.last = entry;
  row.unread += fromOther;
}

/** One page of the chat list: `last.seq < beforeSeq` (all when null), newest first; references resolved by `contentOf`. */
export function pageChats(
  u: UserState | undefined,
  beforeSeq: number | null,
  limit: number,
  contentOf: ContentOf,
): ConversationPage {
  const all: { conversation: string; last: StoredEntry; unread: number; readUpTo: number }[] = [];
  for (const [conversation, row] of u?.chats ?? []) {
    if (beforeSeq === null || row.last.seq < beforeSeq)
      all.push({ conversation, last: row.last, unread: row.unread, readUpTo: row.readUpTo });
  }
  all.sort((a, b) => b.last.seq - a.last.seq);
  const items: ConversationSummary[] = all
    .slice(0, limit)
    .map((item) => ({ ...item, last: resolveLast(item.last, contentOf) }));
  const more = all.length > limit;
  return { items, nextBeforeSeq: more ? (items.at(-1)?.last.seq ?? null) : null };
}

/** Moves the watermark of `conversation` up to `upTo` (at most its last seq) and recounts unread. */
export function markChatRead(
  users: Users,
  u: UserState,
  user: string,
  conversation: string,
  upTo: number,
  nowMs: number,
): ReadMark | undefined {
  const row = u.chats.get(conversation);
  if (row === undefined) return undefined;
  const target = Math.min(upTo, row.last.seq);
  if (target <= row.readUpTo) return { readUpTo: row.readUpTo, unread: row.unread, raised: false };
  row.readUpTo = target;
  const later = users
    .conversation(u, conversation, nowMs)
    ?.after(target, Number.MAX_SAFE_INTEGER, nowMs);
  row.unread = (later ?? []).filter((e) => e.from !== user).length;
  return { readUpTo: row.readUpTo, unread: row.unread, raised: true };
}
