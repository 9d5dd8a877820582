/**
 * `messages-per-op` (figures only, always ok): the run's work
 * (`history.counters`) per acked message: `busPerMessage`,
 * `storeCallsPerMessage`, `actorMessagesPerMessage`. With nothing acked the
 * ratios are 0 (and `acked` says so).
 */
import type { CheckResult } from '../types.ts';
import type { Facts } from './facts.ts';

export function checkMessagesPerOp(facts: Facts): CheckResult {
  const c = facts.history.counters;
  const acked = facts.acked.length;
  const per = (n: number) => (acked === 0 ? 0 : n / acked);
  return {
    ok: true,
    acked,
    busPerMessage: per(c.busMessages),
    storeCallsPerMessage: per(c.storeCalls),
    actorMessagesPerMessage: per(c.actorMessages),
  };
}
