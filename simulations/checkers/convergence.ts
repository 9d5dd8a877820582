/**
 * `convergence`: after the last fault ends (`lastFaultEndMs`, the latest
 * `toMs` of `history.faults`), the system catches up. Among messages acked
 * (first `sent`) strictly before `lastFaultEndMs`, every required delivery
 * (recipient devices connected at the end, see `required.ts`) must have
 * happened, and `convergenceMs` = max(0, latest of their first deliveries −
 * lastFaultEndMs) must be at most `checks.convergenceS` seconds.
 * A fault that never ended fails with a `reason`; no faults pass with 0.
 *
 * Figures: `lastFaultEndMs`, `messages`, `required`, `missing`,
 * `convergenceMs`, `limitMs`, `examples` (at most 5 missing deliveries).
 */
import type { CheckResult, Scenario } from '../types.ts';
import { Examples, type Facts } from './facts.ts';
import { forEachRequired } from './required.ts';

export function checkConvergence(facts: Facts, checks: Scenario['checks']): CheckResult {
  const limitMs = checks.convergenceS * 1000;
  const faults = facts.history.faults;
  if (faults.length === 0) return { ok: true, faults: 0, convergenceMs: 0, limitMs };
  const open = faults.find((f) => f.toMs === undefined);
  if (open !== undefined)
    return {
      ok: false,
      reason: `fault ${JSON.stringify(open.label)} (${open.kind}) from ${open.fromMs} ms never ended`,
      faults: faults.length,
      limitMs,
    };
  const lastFaultEndMs = faults.reduce((m, f) => Math.max(m, f.toMs!), Number.NEGATIVE_INFINITY);
  let required = 0;
  let missing = 0;
  let latestMs = Number.NEGATIVE_INFINITY;
  const examples = new Examples<object>();
  const messages = forEachRequired(
    facts,
    (sent) => sent.t < lastFaultEndMs,
    (r) => {
      required++;
      if (r.delivered !== undefined) {
        latestMs = Math.max(latestMs, r.delivered.t);
        return;
      }
      missing++;
      examples.push({
        from: r.message.user,
        id: r.message.id,
        user: r.device.user,
        device: r.device.device,
        sentT: r.message.sent.t,
      });
    },
  );
  const convergenceMs = Math.max(0, latestMs - lastFaultEndMs);
  return {
    ok: missing === 0 && convergenceMs <= limitMs,
    faults: faults.length,
    lastFaultEndMs,
    messages,
    required,
    missing,
    convergenceMs,
    limitMs,
    ...(missing > 0 ? { examples: examples.list } : {}),
  };
}
