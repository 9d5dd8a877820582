/**
 * Keys and orders of messages and receipts, shared by the state and its
 * cache: a message is known once per (from, id); a conversation's messages
 * are ordered by server time, unsent ones last in writing order; an own
 * message's status only goes up (`STATUS_RANK`).
 */

export const STATUS_RANK = { pending: 0, sent: 1, delivered: 2, read: 3 };

export function messageKey(from, id) {
  return `${from}\u0000${id}`;
}

/** Server time first; messages without one (not yet sent) last, in writing order. */
export function byTime(a, b) {
  const ta = a.ts ?? Number.POSITIVE_INFINITY;
  const tb = b.ts ?? Number.POSITIVE_INFINITY;
  return ta === tb ? a.order - b.order : ta - tb;
}

export function lastActivity(conv) {
  const last = conv.messages.at(-1);
  return Math.max(last?.ts ?? last?.localTs ?? 0, conv.lastTs ?? 0);
}

export function higher(a, b) {
  if (a === undefined) return b;
  return STATUS_RANK[b] > STATUS_RANK[a] ? b : a;
}

export function lower(a, b) {
  if (a === undefined || b === undefined) return undefined;
  return STATUS_RANK[b] < STATUS_RANK[a] ? b : a;
}
