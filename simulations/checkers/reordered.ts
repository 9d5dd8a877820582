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
import { convOf, Examples, type Facts, msgKey } from './facts.ts';

export function checkReordered(facts: Facts): CheckResult {
  let pairs = 0;
  let orderViolations = 0;
  let seqViolations = 0;
  const examples = new Examples<object>();
  for (const list of facts.firstDeliveriesByDevice.values()) {
    /** (sender, conversation) → the previous acked first delivery's id and order. */
    const previous = new Map<string, { id: string; order: number }>();
    let lastSeq: { id: string; from: string; seq: number } | undefined;
    for (const e of list) {
      if (lastSeq !== undefined) {
        pairs++;
        if (e.seq <= lastSeq.seq) {
          seqViolations++;
          examples.push({
            kind: 'seq not increasing',
            user: e.user,
            device: e.device,
            before: { from: lastSeq.from, id: lastSeq.id, seq: lastSeq.seq },
            after: { from: e.from, id: e.id, seq: e.seq },
            t: e.t,
          });
        }
      }
      lastSeq = { id: e.id, from: e.from, seq: e.seq };
      const sent = facts.firstSent.get(msgKey(e.from, e.id));
      if (sent === undefined) continue;
      const conv = convOf(facts, e);
      const key = `${e.from}\u0000${conv}`;
      const prev = previous.get(key);
      if (prev !== undefined) {
        pairs++;
        if (sent.order < prev.order) {
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
      previous.set(key, { id: e.id, order: sent.order });
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
