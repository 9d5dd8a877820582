/**
 * Every shipped scenario (`simulations/scenarios/*.yaml`) runs with its own
 * seed and every checker passes: the production actors and cluster keep
 * their guarantees under each scenario's faults. A failure prints the
 * failing checkers' figures and the command that replays the run. Each
 * test logs its wall time and speed; they run one at a time (2 cores).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from './runner/run.ts';
import { loadScenario } from './scenario/index.ts';

const dir = join(import.meta.dirname, 'scenarios');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

/** Wall-time limits, ms (CI runs on 2 shared cores): hot-group fans 30 messages out to 1024 members. */
const SLOW: Readonly<Record<string, number>> = { 'hot-group.yaml': 150_000 };
const DEFAULT_TIMEOUT_MS = 90_000;

describe('shipped scenarios pass every checker', () => {
  it('there are some', () => {
    expect(files.length).toBeGreaterThanOrEqual(9);
  });

  for (const file of files) {
    it(
      file,
      async () => {
        const path = join(dir, file);
        const scenario = await loadScenario(path);
        const { result } = await runScenario(scenario, scenario.seed, {
          scenarioPath: path,
          command: `npm run sim -- simulations/scenarios/${file} --seed ${scenario.seed}`,
          wallSeconds: () => performance.now() / 1000,
        });
        console.log(
          `${file}: ${result.simulatedS} s simulated in ${result.wallS} s (${result.speedup}x), ${result.counters.sends} sends, trace ${result.trace}`,
        );
        const failing = Object.fromEntries(Object.entries(result.checks).filter(([, c]) => !c.ok));
        expect(
          result.ok,
          `${file} seed ${scenario.seed} failed ${Object.keys(failing).join(', ')}:\n${JSON.stringify(failing, null, 2)}\nreplay: ${result.command}`,
        ).toBe(true);
        expect(Object.keys(result.checks).length).toBeGreaterThan(0);
      },
      SLOW[file] ?? DEFAULT_TIMEOUT_MS,
    );
  }
});
