/**
 * `npm run sim -- SCENARIO [--seed N] [--runs K] [--sweep p=a,b]... [--out DIR] [--json]`
 *
 * Runs the scenario (each sweep combination × K seeds), prints one line per
 * run (a JSON object with `--json`) and the command that replays it, writes
 * the report (`--out DIR`, default `sim-out/<scenario name>/`; run logs in
 * `logs/`, with virtual time `vt`), and when a run fails shrinks it to a minimal
 * failing scenario, writes that as a scenario file and prints the command
 * that replays it. Exit code: 0 when every run passed, 1 when one failed,
 * 2 for a bad command line or scenario.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeReport } from '../report/index.ts';
import { runScenario } from '../runner/run.ts';
import { shrinkScenario } from '../runner/shrink.ts';
import { expandSweeps, loadScenario, scenarioToYaml } from '../scenario/index.ts';
import type { RunResult, Scenario } from '../types.ts';
import { parseSimArgs, replayCommand, SIM_USAGE, type SimArgs, wantsHelp } from './args.ts';
import { Progress } from './progress.ts';
import { wallSeconds } from './wall-clock.ts';

const SHRINK_BUDGET_RUNS = 60;
const SHRINK_BUDGET_WALL_S = 180;

function summary(r: RunResult): string {
  const failed = Object.entries(r.checks)
    .filter(([, c]) => !c.ok)
    .map(([n]) => n);
  const params = r.params
    ? ` ${Object.entries(r.params)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`
    : '';
  return `${r.ok ? 'ok  ' : 'FAIL'} ${r.scenario}${params} seed ${r.seed}  trace ${r.trace}  ${r.simulatedS} s simulated in ${r.wallS} s (${r.speedup}x)${failed.length ? `  failed: ${failed.join(', ')}` : ''}\n     replay: ${r.command}`;
}

function failedChecks(r: RunResult): string[] {
  return Object.entries(r.checks)
    .filter(([, c]) => !c.ok)
    .map(([n]) => n)
    .sort();
}

async function shrink(
  args: SimArgs,
  scenario: Scenario,
  run: RunResult,
  dir: string,
): Promise<void> {
  const want = failedChecks(run).join(',');
  process.stderr.write(`shrinking ${run.scenario} seed ${run.seed} (failed: ${want})...\n`);
  const started = wallSeconds();
  const result = await shrinkScenario(scenario, {
    budgetRuns: SHRINK_BUDGET_RUNS,
    outOfTime: () => wallSeconds() - started > SHRINK_BUDGET_WALL_S,
    fails: async (s) => {
      const out = await runScenario(s, run.seed, { scenarioPath: '', command: '', wallSeconds });
      return failedChecks(out.result).join(',') === want;
    },
  });
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${scenario.name}-seed${run.seed}-min.yaml`);
  const s = result.scenario;
  await writeFile(
    file,
    scenarioToYaml(
      { ...s, seed: run.seed },
      `Shrunk from ${args.scenario} seed ${run.seed} in ${result.runs} runs: fails ${want}.\n` +
        `${s.faults.length} fault(s), ${s.users.count} users, ${s.durationS} s.`,
    ),
  );
  process.stderr.write(
    `minimal failing scenario (${result.runs} runs): ${file}\n  replay: ${replayCommand(file, run.seed)}\n`,
  );
}

export async function main(argv: readonly string[]): Promise<number> {
  if (wantsHelp(argv)) {
    process.stdout.write(`${SIM_USAGE}\n`);
    return 0;
  }
  let args: SimArgs;
  let base: Scenario;
  let combos: ReturnType<typeof expandSweeps>;
  try {
    args = parseSimArgs(argv);
    base = await loadScenario(args.scenario);
    combos = expandSweeps(base, args.sweeps);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${SIM_USAGE}\n`);
    return 2;
  }
  // Without --out the report still lands somewhere a researcher can open it.
  const outDir = args.out ?? join('sim-out', base.name);
  const progress = new Progress(process.stderr, !args.quiet);
  const firstSeed = args.seed ?? base.seed;
  const total = combos.length * args.runs;
  const results: RunResult[] = [];
  let failed: { run: RunResult; scenario: Scenario } | undefined;
  let n = 0;
  for (const combo of combos) {
    for (let k = 0; k < args.runs; k++) {
      n++;
      const seed = (firstSeed + k) >>> 0;
      const params = Object.keys(combo.params).length > 0 ? combo.params : undefined;
      const totalS = combo.scenario.durationS + combo.scenario.checks.convergenceS;
      const out = await runScenario(combo.scenario, seed, {
        scenarioPath: args.scenario,
        command: replayCommand(args.scenario, seed, combo.params),
        ...(params !== undefined ? { params } : {}),
        ...(args.timelineUser !== undefined ? { timelineUser: args.timelineUser } : {}),
        wallSeconds,
        onProgress: (simulatedS, events, wallS) =>
          progress.update({
            scenario: base.name,
            run: n,
            runs: total,
            simulatedS,
            totalS,
            events,
            wallS,
          }),
      });
      progress.done();
      const r = out.result;
      results.push(r);
      if (!r.ok && failed === undefined) failed = { run: r, scenario: combo.scenario };
      if (args.json) {
        const { scenario, seed: s, trace, simulatedS, wallS, speedup, ok, checks } = r;
        process.stdout.write(
          `${JSON.stringify({ scenario, seed: s, trace, simulatedS, wallS, speedup, ok, checks, ...(params ? { params } : {}), command: r.command })}\n`,
        );
      } else process.stdout.write(`${summary(r)}\n`);
      await mkdir(join(outDir, 'logs'), { recursive: true });
      await writeFile(
        join(outDir, 'logs', `run${n}-seed${seed}.ndjson`),
        `${out.logs.join('\n')}\n`,
      );
    }
  }
  const { files } = await writeReport(outDir, results, { title: base.name });
  process.stderr.write(`report: ${files.find((f) => f.endsWith('.html')) ?? outDir}\n`);
  if (failed !== undefined && args.shrink) {
    await shrink(args, failed.scenario, failed.run, outDir);
  }
  return failed === undefined ? 0 : 1;
}
