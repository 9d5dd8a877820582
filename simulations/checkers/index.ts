/**
 * The simulator's judges: pure functions over a run's `History`.
 *
 * - `runCheckers(history, checks)` runs the checkers named in `checks.run`
 *   (each in its own file, definitions in `facts.ts`) and returns their
 *   results keyed by name: `{ ok, ...figures }`, with at most 5 `examples`
 *   when one fails. An unknown name throws `invalid_argument`.
 * - `seriesOf` buckets the run for the report's plots, `timelineOf` tells
 *   one user's story, `busiestUser` picks the default one.
 * Indexes are built once per History and shared (see `facts.ts`).
 */
import { ErrorCode, ParleyError, quote } from '../../runtime/index.ts';
import type { CheckName, CheckResult, History, Scenario } from '../types.ts';
import { checkAvailability } from './availability.ts';
import { checkConvergence } from './convergence.ts';
import { checkDuplicated } from './duplicated.ts';
import { type Facts, factsOf } from './facts.ts';
import { checkLatency } from './latency.ts';
import { checkLost } from './lost.ts';
import { checkMessagesPerOp } from './messages-per-op.ts';
import { checkReceipts } from './receipts.ts';
import { checkReordered } from './reordered.ts';
import { checkSeqOwners } from './seq-owners.ts';

export { type SeriesOptions, seriesOf } from './series.ts';
export { busiestUser, timelineOf } from './timeline.ts';

const checkers: Readonly<
  Record<CheckName, (facts: Facts, checks: Scenario['checks']) => CheckResult>
> = {
  lost: checkLost,
  duplicated: checkDuplicated,
  reordered: checkReordered,
  receipts: checkReceipts,
  'seq-owners': checkSeqOwners,
  availability: checkAvailability,
  convergence: checkConvergence,
  latency: checkLatency,
  'messages-per-op': checkMessagesPerOp,
};

/** Every checker, in the order a report lists them. */
export const checkNames: readonly CheckName[] = Object.keys(checkers) as CheckName[];

export function runCheckers(
  history: History,
  checks: Scenario['checks'],
): Record<string, CheckResult> {
  for (const name of checks.run)
    if (!Object.hasOwn(checkers, name))
      throw new ParleyError(
        ErrorCode.InvalidArgument,
        `checks.run: unknown checker ${quote(name)}; known: ${checkNames.join(', ')}`,
      );
  const facts = factsOf(history);
  const results: Record<string, CheckResult> = {};
  for (const name of checks.run) results[name] = checkers[name](facts, checks);
  return results;
}
