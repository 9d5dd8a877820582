/**
 * `availability`: the share of sends (distinct messages with a `send` event)
 * whose first `sent` came within `checks.availabilityDeadlineMs` of the send.
 * A refused or never-acked send counts against it. Passes iff the share is at
 * least `checks.availabilityMin`; with no sends the share is 1.
 *
 * Figures: `sends`, `acked`, `ackedInDeadline`, `share`, `deadlineMs`, `min`.
 */
import type { CheckResult, Scenario } from '../types.ts';
import type { Facts } from './facts.ts';

export function checkAvailability(facts: Facts, checks: Scenario['checks']): CheckResult {
  const deadlineMs = checks.availabilityDeadlineMs;
  let acked = 0;
  let ackedInDeadline = 0;
  for (const m of facts.sends) {
    if (m.sent === undefined) continue;
    acked++;
    if (m.sent.t - m.send!.t <= deadlineMs) ackedInDeadline++;
  }
  const sends = facts.sends.length;
  const share = sends === 0 ? 1 : ackedInDeadline / sends;
  return {
    ok: share >= checks.availabilityMin,
    sends,
    acked,
    ackedInDeadline,
    share,
    deadlineMs,
    min: checks.availabilityMin,
  };
}
