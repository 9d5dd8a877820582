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
import { Examples, type Facts } from './facts.ts';

/** What one sender device has got from one reader so far. */
interface ReaderState {
  /** Messages it read. */
  readonly read: Set<number>;
  /** Per conversation, the latest-sent message it read. */
  readonly upTo: Map<string, { id: string; order: number }>;
}

export function checkReceipts(facts: Facts): CheckResult {
  const devices = facts.devices.length;
  const extraUsers = new Map<string, number>();
  const readerIndex = (by: string): number => {
    const u = facts.userIndex(by);
    if (u !== undefined) return u;
    let x = extraUsers.get(by);
    if (x === undefined) extraUsers.set(by, (x = facts.users.length + extraUsers.size));
    return x;
  };
  /** (reader, sender device) → state. */
  const states = new Map<number, ReaderState>();
  let violations = 0;
  const examples = new Examples<object>();
  const { receipts, receiptMessage, receiptDevice } = facts;
  for (let i = 0; i < receipts.length; i++) {
    const e = receipts[i]!;
    const m = facts.messages[receiptMessage[i]!]!;
    const key = readerIndex(e.by) * devices + receiptDevice[i]!;
    let state = states.get(key);
    if (state === undefined) states.set(key, (state = { read: new Set(), upTo: new Map() }));
    const conv = m.send?.to ?? (e.group !== undefined ? `group:${e.group}` : `user:${e.by}`);
    const order = m.sent?.order;
    if (e.status === 'read') {
      state.read.add(m.index);
      const upTo = state.upTo.get(conv);
      if (order !== undefined && (upTo === undefined || order > upTo.order))
        state.upTo.set(conv, { id: e.id, order });
      continue;
    }
    const base = { user: e.user, device: e.device, by: e.by, id: e.id, t: e.t };
    if (state.read.has(m.index)) {
      violations++;
      examples.push({ kind: 'delivered after read', ...base });
      continue;
    }
    const upTo = state.upTo.get(conv);
    if (order !== undefined && upTo !== undefined && order < upTo.order) {
      violations++;
      examples.push({ kind: 'delivered after read of a later message', ...base, read: upTo.id });
    }
  }
  return {
    ok: violations === 0,
    receipts: receipts.length,
    violations,
    ...(violations > 0 ? { examples: examples.list } : {}),
  };
}
