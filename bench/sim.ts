/**
 * sim: how fast the simulator runs the production message path under
 * virtual time. 3 nodes, `--users N` (default 1000) at 0.1 msg/user/s with
 * a tenth to groups, no faults; after a 10 s simulated warm-up (connects,
 * activations), `--seconds S` (default 60) simulated seconds are measured.
 * Metric: simulated_seconds_per_wall_second (x real time; the issue's
 * target is 100x), with the messages per simulated second and the trace
 * events of the measured part.
 */
import { parseScenario } from '../simulations/scenario/index.ts';
import { World } from '../simulations/world/world.ts';
import { arg } from './args.ts';
import type { BenchResult } from './run.ts';

const WARMUP_S = 10;

export default async function sim(args: string[]): Promise<BenchResult> {
  const users = arg(args, 'users', 1000);
  const seconds = arg(args, 'seconds', 60);
  const scenario = parseScenario(
    `name: bench-sim
seed: 1
durationS: ${WARMUP_S + seconds}
topology: { nodes: 3 }
users: { count: ${users} }
workload: { messagesPerUserPerS: 0.1, groupShare: 0.1 }
checks: { convergenceS: 0 }
`,
    'bench-sim.yaml',
  );
  const world = new World(scenario, scenario.seed);
  await world.setup();
  await world.runUntil(WARMUP_S * 1000);
  const sendsBefore = sends(world);
  const eventsBefore = world.trace.events;
  const t0 = performance.now();
  await world.runUntil((WARMUP_S + seconds) * 1000);
  const wallS = (performance.now() - t0) / 1000;
  world.stop();
  const events = world.trace.events - eventsBefore;
  return {
    metric: 'simulated_seconds_per_wall_second',
    value: Math.round((seconds / wallS) * 100) / 100,
    unit: 'x',
    users,
    msgsPerS: Math.round(((sends(world) - sendsBefore) / seconds) * 10) / 10,
    wallS: Math.round(wallS * 100) / 100,
    events,
    eventsPerWallS: Math.round(events / wallS),
  };
}

function sends(world: World): number {
  let n = 0;
  for (const e of world.events) if (e.k === 'send') n++;
  return n;
}
