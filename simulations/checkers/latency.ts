/**
 * `latency` (figures only, always ok): exact nearest-rank percentiles of
 * - `sentMs`: send → first `sent`, per acked message with a send;
 * - `deliveredMs`: send → first delivery, per (message, recipient device),
 *   for every first delivery at a device other than the sending one.
 * Each is `{ count, p50, p90, p99, max }` (no percentiles when count is 0).
 */
import type { CheckResult } from '../types.ts';
import type { DeliverEvent, Facts } from './facts.ts';
import { summarize } from './stats.ts';

export function checkLatency(facts: Facts): CheckResult {
  const sentMs: number[] = [];
  for (const m of facts.sends) if (m.sent !== undefined) sentMs.push(m.sent.t - m.send!.t);
  const deliveredMs: number[] = [];
  forEachFirstDelivery(facts, (_e, ms) => {
    if (ms !== undefined) deliveredMs.push(ms);
  });
  return { ok: true, sentMs: summarize(sentMs), deliveredMs: summarize(deliveredMs) };
}

/**
 * Calls `fn` for every first delivery (per device), with its send → delivery
 * ms, or undefined when it is no sample (no send seen, or the sending device).
 */
export function forEachFirstDelivery(
  facts: Facts,
  fn: (e: DeliverEvent, ms: number | undefined) => void,
): void {
  for (let d = 0; d < facts.devices.length; d++) {
    const order = facts.firstOrderAt[d]!;
    const events = facts.firstEventsAt[d]!;
    for (let i = 0; i < order.length; i++) {
      const e = events[i]!;
      const send = facts.messages[order[i]!]!.send;
      const sending = send !== undefined && send.deviceIndex === d;
      fn(e, send === undefined || sending ? undefined : e.t - send.t);
    }
  }
}
