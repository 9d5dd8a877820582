/**
 * `receipts` (guarantee 5), judged at each sender device over the receipts it
 * got, in time order:
 * - for one (message id, by): no `delivered` after a `read`;
 * - after a `read` of message m by B, no `delivered` from B for a message the
 *   sender got its first `sent` for earlier than m's (read implies read, so
 *   delivered, for every earlier message) in the same conversation.
 * A message's conversation is its send's `to`, else `group:G` for a group
 * receipt and `user:B` for one by B. Unacked messages are judged by the
 * first rule only (they have no sent order).
 *
 * Figures: `receipts` (events), `violations`, `examples` (at most 5).
 */
import type { CheckResult } from '../types.ts';
import { Examples, type Facts, msgKey, type ReceiptEvent } from './facts.ts';

export function checkReceipts(facts: Facts): CheckResult {
  /** (device, by, id) read so far. */
  const read = new Set<string>();
  /** (device, by, conv) → the latest-sent read message so far. */
  const readUpTo = new Map<string, { id: string; order: number }>();
  let violations = 0;
  const examples = new Examples<object>();
  const conversation = (e: ReceiptEvent): string =>
    facts.sends.get(msgKey(e.user, e.id))?.to ??
    (e.group !== undefined ? `group:${e.group}` : `user:${e.by}`);

  for (const e of facts.receipts) {
    const dev = `${e.user}\u0000${e.device}`;
    const idKey = `${dev}\u0000${e.by}\u0000${e.id}`;
    const convKey = `${dev}\u0000${e.by}\u0000${conversation(e)}`;
    const order = facts.firstSent.get(msgKey(e.user, e.id))?.order;
    if (e.status === 'read') {
      read.add(idKey);
      const upTo = readUpTo.get(convKey);
      if (order !== undefined && (upTo === undefined || order > upTo.order))
        readUpTo.set(convKey, { id: e.id, order });
      continue;
    }
    const base = { user: e.user, device: e.device, by: e.by, id: e.id, t: e.t };
    if (read.has(idKey)) {
      violations++;
      examples.push({ kind: 'delivered after read', ...base });
      continue;
    }
    const upTo = readUpTo.get(convKey);
    if (order !== undefined && upTo !== undefined && order < upTo.order) {
      violations++;
      examples.push({ kind: 'delivered after read of a later message', ...base, read: upTo.id });
    }
  }
  return {
    ok: violations === 0,
    receipts: facts.receipts.length,
    violations,
    ...(violations > 0 ? { examples: examples.list } : {}),
  };
}
