/**
 * `latency` (figures only, always ok): exact nearest-rank percentiles of
 * - `sentMs`: send → first `sent`, per acked message with a send;
 * - `deliveredMs`: send → first delivery, per (message, recipient device),
 *   for every first delivery at a device other than the sending one.
 * Each is `{ count, p50, p90, p99, max }` (no percentiles when count is 0).
 */
import type { CheckResult } from '../types.ts';
import { devKey, type Facts, msgKey } from './facts.ts';
import { summarize } from './stats.ts';

export function checkLatency(facts: Facts): CheckResult {
  const sentMs: number[] = [];
  for (const [key, send] of facts.sends) {
    const sent = facts.firstSent.get(key);
    if (sent !== undefined) sentMs.push(sent.t - send.t);
  }
  const deliveredMs: number[] = [];
  for (const e of facts.firstDelivery.values()) {
    const send = facts.sends.get(msgKey(e.from, e.id));
    if (send === undefined || devKey(send.user, send.device) === devKey(e.user, e.device)) continue;
    deliveredMs.push(e.t - send.t);
  }
  return { ok: true, sentMs: summarize(sentMs), deliveredMs: summarize(deliveredMs) };
}
