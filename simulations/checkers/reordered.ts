/**
 * `reordered` (guarantee 4), judged on first deliveries only (a repeat of a
 * message the device already had is ignored):
 * (a) at each recipient device, for each (sender, conversation), messages
 *     come in the order of their senders' first `sent` acks: each first
 *     delivery is compared with the previous one of that (device, sender,
 *     conversation). Messages never acked have no such order and are skipped.
 * (b) at each device, the `seq` of successive first deliveries strictly
 *     increases.
 *
 * Figures: `pairs` (adjacent pairs compared, (a) and (b) together),
 * `violations` (= `orderViolations` + `seqViolations`), `examples` (at most 5).
 */
import type { CheckResult } from '../types.ts';
import { Examples, type Facts } from './facts.ts';

export function checkReordered(facts: Facts): CheckResult {
  let pairs = 0;
  let orderViolations = 0;
  let seqViolations = 0;
  const examples = new Examples<object>();
  const users = facts.users.length;
  const convIds = new Map<string, number>();
  const convId = (conv: string): number => {
    let c = convIds.get(conv);
    if (c === undefined) convIds.set(conv, (c = convIds.size));
    return c;
  };
  for (let d = 0; d < facts.devices.length; d++) {
    const order = facts.firstOrderAt[d]!;
    const events = facts.firstEventsAt[d]!;
    /** (conversation, sender) → the previous acked first delivery's id and order. */
    const previous = new Map<number, { id: string; order: number }>();
    let last: { id: string; from: string; seq: number } | undefined;
    for (let i = 0; i < order.length; i++) {
      const e = events[i]!;
      if (last !== undefined) {
        pairs++;
        if (e.seq <= last.seq) {
          seqViolations++;
          examples.push({
            kind: 'seq not increasing',
            user: e.user,
            device: e.device,
            before: { from: last.from, id: last.id, seq: last.seq },
            after: { from: e.from, id: e.id, seq: e.seq },
            t: e.t,
          });
        }
      }
      last = { id: e.id, from: e.from, seq: e.seq };
      const m = facts.messages[order[i]!]!;
      if (m.sent === undefined) continue;
      // The conversation is the send's `to`; a message never sent from a device has only the frame's.
      const conv = m.send?.to ?? e.conv;
      const key = convId(conv) * users + m.userIndex;
      const prev = previous.get(key);
      if (prev !== undefined) {
        pairs++;
        if (m.sent.order < prev.order) {
          orderViolations++;
          examples.push({
            kind: 'not in sent order',
            user: e.user,
            device: e.device,
            from: e.from,
            conv,
            before: prev.id,
            after: e.id,
            t: e.t,
          });
        }
      }
      previous.set(key, { id: e.id, order: m.sent.order });
    }
  }
  const violations = orderViolations + seqViolations;
  return {
    ok: violations === 0,
    pairs,
    violations,
    orderViolations,
    seqViolations,
    ...(violations > 0 ? { examples: examples.list } : {}),
  };
}
