/**
 * `lost`: an acked message (a `sent` reached its sender) that never reached a
 * recipient device connected at the end of the run (PROTOCOL guarantees 1
 * and 3). A device disconnected at the end owes nothing: it gets the message
 * when it comes back, which this run did not see.
 *
 * Figures: `acked` (messages), `required` (deliveries checked), `missing`,
 * `examples` (at most 5: sender `from`, `id`, recipient `user`/`device`, `sentT`).
 */
import type { CheckResult } from '../types.ts';
import { Examples, type Facts } from './facts.ts';
import { forEachRequired } from './required.ts';

export function checkLost(facts: Facts): CheckResult {
  let required = 0;
  let missing = 0;
  const examples = new Examples<object>();
  const acked = forEachRequired(
    facts,
    () => true,
    (r) => {
      required++;
      if (r.delivered !== undefined) return;
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
  return {
    ok: missing === 0,
    acked,
    required,
    missing,
    ...(missing > 0 ? { examples: examples.list } : {}),
  };
}
