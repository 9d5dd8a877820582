/**
 * One conversation's row of a user's chat list, as every store keeps it, and
 * the one rule that moves it when an entry is appended: the entry becomes
 * `last`, an entry from someone else adds one to `unread`, the read
 * watermark stays. Pure, so the stores cannot drift apart on it.
 */
import type { StoredEntry } from './group-ref.ts';

export interface ChatRow {
  /** As kept: a group reference is resolved when read (`group-ref.ts`). */
  readonly last: StoredEntry;
  readonly unread: number;
  readonly readUpTo: number;
}

/** `prev` (undefined: the conversation's first entry) after `entry` was appended to `user`'s inbox. */
export function chatRowAfter(prev: ChatRow | undefined, user: string, entry: StoredEntry): ChatRow {
  return {
    last: entry,
    unread: (prev?.unread ?? 0) + (entry.from !== user ? 1 : 0),
    readUpTo: prev?.readUpTo ?? 0,
  };
}
