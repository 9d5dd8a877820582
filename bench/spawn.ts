/**
 * spawn: N idle actors. Metrics: spawns_per_s, and bytes_per_actor = heap
 * growth / N after a full GC (run with --expose-gc, as `npm run bench` does).
 * Default N = 1,000,000 (`--n N`).
 */
import { ActorSystem, type Behavior } from '../runtime/index.ts';
import { arg } from './args.ts';
import type { BenchResult } from './run.ts';

const idle: Behavior<never, undefined> = {
  name: 'idle',
  receive: () => undefined,
};

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) throw new Error('run with --expose-gc (npm run bench does)');
  g();
  g();
}

export default async function spawn(args: string[]): Promise<BenchResult> {
  const n = arg(args, 'n', 1_000_000);
  {
    const warm = new ActorSystem({ node: 'warm' });
    for (let i = 0; i < 100_000; i++) warm.spawn(idle);
    await warm.shutdown();
  }
  gc();
  const system = new ActorSystem({ node: 'bench' });
  const before = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) system.spawn(idle);
  const seconds = (performance.now() - t0) / 1000;
  gc();
  const after = process.memoryUsage().heapUsed;
  const bytesPerActor = Math.round((after - before) / n);
  if (system.actorCount !== n)
    throw new Error(`expected ${n} live actors, found ${system.actorCount}`);
  const spawnsPerS = Math.round(n / seconds);
  console.log(
    JSON.stringify({ bench: 'spawn', metric: 'bytes_per_actor', value: bytesPerActor, unit: 'B' }),
  );
  await system.shutdown();
  return {
    metric: 'spawns_per_s',
    value: spawnsPerS,
    unit: 'spawn/s',
    n,
    seconds,
    bytes_per_actor: bytesPerActor,
  };
}
