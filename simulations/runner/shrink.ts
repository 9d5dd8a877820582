/**
 * Shrinking a failing run to a minimal scenario that still fails the same
 * way (the same checkers fail, same seed), with fast-check's shrinkers: the
 * fault schedule shrinks by dropping faults, the workload by fewer users,
 * a lower rate, a shorter run, smaller and fewer groups, fewer devices.
 * The failing scenario is fast-check's first example, so shrinking starts
 * from it; every candidate is a whole simulated run, so the search is
 * bounded by `budgetRuns` and `outOfTime` (after that every candidate counts as passing and
 * fast-check stops at the smallest failure found so far).
 */
import fc from 'fast-check';
import { parseScenario, scenarioToYaml } from '../scenario/index.ts';
import type { Scenario } from '../types.ts';

export interface ShrinkOptions {
  /** Runs `s` with the original seed; true when the same checkers still fail. */
  readonly fails: (s: Scenario) => Promise<boolean>;
  readonly budgetRuns: number;
  /** Optional: true once the search must stop (a wall-time budget). */
  readonly outOfTime?: () => boolean;
}

export interface ShrinkResult {
  readonly scenario: Scenario;
  readonly runs: number;
  /** Whether the shrunk scenario is smaller than the original. */
  readonly smaller: boolean;
}

interface Knobs {
  readonly faults: readonly number[];
  readonly users: number;
  readonly devices: number;
  readonly ratePct: number;
  readonly durationS: number;
  readonly groups: number;
  readonly groupSize: number;
}

/** The scenario `k` describes, or undefined when it is not a valid one. */
function build(original: Scenario, k: Knobs): Scenario | undefined {
  const faults = k.faults.map((i) => original.faults[i]!);
  const lastFault = Math.max(0, ...faults.map((f) => f.atS + (f.durationS ?? 0)));
  const durationS = Math.max(k.durationS, Math.ceil(lastFault));
  const w = original.workload;
  const candidate: Scenario = {
    ...original,
    name: `${original.name}-shrunk`,
    durationS,
    users: { count: k.users, devicesPerUser: k.devices },
    workload: {
      ...w,
      messagesPerUserPerS: (w.messagesPerUserPerS * k.ratePct) / 100,
      groups: { count: k.groups, size: Math.min(k.groupSize, k.users) },
      startS: Math.min(w.startS, durationS),
      stopS: Math.min(w.stopS, durationS),
    },
    faults,
    sweeps: {},
  };
  try {
    // Re-validated through the file format: what we write out must load back.
    return parseScenario(scenarioToYaml(candidate), `${candidate.name}.yaml`);
  } catch {
    return undefined;
  }
}

export async function shrinkScenario(
  original: Scenario,
  options: ShrinkOptions,
): Promise<ShrinkResult> {
  const w = original.workload;
  const full: Knobs = {
    faults: original.faults.map((_, i) => i),
    users: original.users.count,
    devices: original.users.devicesPerUser,
    ratePct: 100,
    durationS: original.durationS,
    groups: w.groups.count,
    groupSize: w.groups.size,
  };
  const arb = fc.record({
    faults: fc.subarray([...full.faults]),
    users: fc.integer({ min: 2, max: full.users }),
    devices: fc.integer({ min: 1, max: full.devices }),
    ratePct: fc.integer({ min: 1, max: 100 }),
    durationS: fc.integer({ min: 1, max: full.durationS }),
    groups: fc.integer({ min: 0, max: full.groups }),
    groupSize: fc.integer({ min: 2, max: Math.max(2, full.groupSize) }),
  });
  let runs = 0;
  let smallest: Scenario = original;
  const cache = new Map<string, boolean>();
  const property = fc.asyncProperty(arb, async (k) => {
    const s = build(original, k);
    if (s === undefined) return true;
    const key = JSON.stringify(k);
    const known = cache.get(key);
    if (known !== undefined) return !known;
    if (runs >= options.budgetRuns || options.outOfTime?.()) return true;
    runs++;
    const failed = await options.fails(s);
    cache.set(key, failed);
    if (failed) smallest = s;
    return !failed;
  });
  await fc.check(property, { examples: [[full]], numRuns: 1, seed: 1, endOnFailure: false });
  return { scenario: smallest, runs, smaller: smallest !== original };
}
