/**
 * The checkers catch real defects: for each deliberately broken variant of
 * the system (`world/mutants.ts`), a small scenario that (a) passes every
 * checker without the mutant, (b) fails the checkers that defect must trip
 * with it, and (c) shrinks (with a small budget) to a scenario no bigger
 * than the input that still fails the same checkers and survives a round
 * trip through the scenario file format.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from './runner/run.ts';
import { shrinkScenario } from './runner/shrink.ts';
import { parseScenario, scenarioToYaml } from './scenario/index.ts';
import type { Scenario } from './types.ts';
import type { MutantName } from './world/mutants.ts';

interface Case {
  readonly mutant: MutantName;
  /** Why this scenario makes the defect visible. */
  readonly why: string;
  readonly yaml: string;
  /** The checkers the mutant makes fail (exactly these, sorted). */
  readonly fails: readonly string[];
}

const quiet = 'checks: { convergenceS: 5 }';

const CASES: readonly Case[] = [
  {
    mutant: 'forget-write',
    why: '~100 one-to-one messages: more than the 20 forwards after which one is forgotten; its seq is issued again to the next message, which its recipient then never gets',
    // Seen only when a device waits for the forgotten message or its seq's next owner
    // (a store audit would see every case; the checkers judge what clients see). The
    // seed picks a run where it is: with no resend storms (issue 10) the 20th forward
    // falls elsewhere than before, and seed 3 no longer shows it (1, 2 and 5 do).
    yaml: `seed: 1\ndurationS: 10\nusers: { count: 6 }\nworkload: { messagesPerUserPerS: 2, groupShare: 0, groups: { count: 1, size: 2 } }\n${quiet}`,
    fails: ['lost'],
  },
  {
    mutant: 'reorder-transport',
    why: 'busy cross-node traffic: frames from one node often come within 50 ms of each other, so they get swapped',
    yaml: `seed: 3\ndurationS: 10\nusers: { count: 30 }\nworkload: { messagesPerUserPerS: 3, groupShare: 0 }\n${quiet}`,
    fails: ['reordered'],
  },
  {
    mutant: 'ack-before-persist',
    why: 'a store outage: messages acked before they are stored are never stored, and the SDK does not resend acked ones',
    yaml: `seed: 3\ndurationS: 10\nusers: { count: 10 }\nworkload: { messagesPerUserPerS: 1, groupShare: 0 }\nfaults:\n  - { at: 3, kind: store-outage, duration: 3 }\n${quiet}`,
    fails: ['convergence', 'lost'],
  },
  {
    mutant: 'split-ownership',
    why: "users spread over three nodes: with every node owning every key, a recipient gets an actor on the sender's node too, which has no route to its session on another node",
    yaml: `seed: 3\ndurationS: 10\nusers: { count: 12 }\nworkload: { messagesPerUserPerS: 1, groupShare: 0 }\n${quiet}`,
    fails: ['lost'],
  },
];

async function failing(s: Scenario, mutant?: MutantName) {
  const { result } = await runScenario(s, s.seed, {
    scenarioPath: `${s.name}.yaml`,
    command: '',
    wallSeconds: () => 0,
    ...(mutant !== undefined ? { mutant } : {}),
  });
  const failed = Object.entries(result.checks)
    .filter(([, c]) => !c.ok)
    .map(([n]) => n)
    .sort();
  return { failed, result };
}

const SHRINK_BUDGET_RUNS = 12;

describe('mutants are caught and shrunk', () => {
  for (const c of CASES) {
    it(`${c.mutant}: ${c.why}`, async () => {
      const scenario = parseScenario(`name: ${c.mutant}\n${c.yaml}\n`, `${c.mutant}.yaml`);

      const healthy = await failing(scenario);
      expect(
        healthy.failed,
        `without the mutant: ${JSON.stringify(healthy.result.checks, null, 2)}`,
      ).toEqual([]);
      expect(healthy.result.counters.sends).toBeGreaterThan(50);

      const broken = await failing(scenario, c.mutant);
      expect(broken.failed, JSON.stringify(broken.result.checks, null, 2)).toEqual(c.fails);

      const shrunk = await shrinkScenario(scenario, {
        budgetRuns: SHRINK_BUDGET_RUNS,
        fails: async (s) => (await failing(s, c.mutant)).failed.join(',') === c.fails.join(','),
      });
      const s = shrunk.scenario;
      expect(shrunk.runs).toBeGreaterThan(0);
      expect(shrunk.runs).toBeLessThanOrEqual(SHRINK_BUDGET_RUNS);
      expect(s.faults.length).toBeLessThanOrEqual(scenario.faults.length);
      expect(s.users.count).toBeLessThanOrEqual(scenario.users.count);
      expect(s.users.devicesPerUser).toBeLessThanOrEqual(scenario.users.devicesPerUser);
      expect(s.durationS).toBeLessThanOrEqual(scenario.durationS);
      expect(s.workload.messagesPerUserPerS).toBeLessThanOrEqual(
        scenario.workload.messagesPerUserPerS,
      );
      // Still fails the same way, judged afresh.
      expect((await failing(s, c.mutant)).failed).toEqual(c.fails);
      // And what the CLI would write out loads back as the same scenario.
      const text = scenarioToYaml(s, `shrunk ${c.mutant}`);
      expect(parseScenario(text, `${s.name}.yaml`)).toEqual(s);
      console.log(
        `${c.mutant}: shrunk in ${shrunk.runs} runs to ${s.users.count} users, ${s.durationS} s, ${s.faults.length} fault(s), ${s.workload.messagesPerUserPerS} msg/user/s (smaller: ${shrunk.smaller})`,
      );
    }, 60_000);
  }
});
