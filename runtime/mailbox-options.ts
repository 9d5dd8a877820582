/**
 * Mailbox options shared between actors: every spawn asking for the same
 * capacity and overflow gets the same frozen object, so a node of many
 * actors (an edge per connection, all with one bound) holds one copy, not
 * one per actor.
 *
 * Invariant: the cache holds at most `SHARED_MAX` entries; past it the
 * options are still merged, just not shared.
 */
import { DEFAULT_MAILBOX, type MailboxOptions } from './behavior.ts';

const SHARED_MAX = 64;
const shared = new Map<string, MailboxOptions>();

/** `DEFAULT_MAILBOX` with `options` over it, shared with every equal one. */
export function mailboxOptionsOf(options: Partial<MailboxOptions> | undefined): MailboxOptions {
  if (options === undefined) return DEFAULT_MAILBOX;
  const capacity = options.capacity ?? DEFAULT_MAILBOX.capacity;
  const overflow = options.overflow ?? DEFAULT_MAILBOX.overflow;
  if (capacity === DEFAULT_MAILBOX.capacity && overflow === DEFAULT_MAILBOX.overflow)
    return DEFAULT_MAILBOX;
  const key = `${String(capacity)}/${overflow}`;
  let out = shared.get(key);
  if (out === undefined) {
    out = Object.freeze({ capacity, overflow });
    if (shared.size < SHARED_MAX) shared.set(key, out);
  }
  return out;
}
