/**
 * pingpong: two actors exchange a message N times (a round trip is ping + pong).
 * Metric: roundtrips_per_s. Default 1,000,000 round trips (`--n N`).
 */
import { ActorSystem, type Ref } from '../runtime/index.ts';
import { arg } from './args.ts';
import type { BenchResult } from './run.ts';

interface Ball {
  readonly left: number;
  readonly replyTo: Ref<Ball>;
}

function run(n: number): Promise<number> {
  const system = new ActorSystem({ node: 'bench' });
  return new Promise((resolve) => {
    let t0 = 0;
    const ponger = system.spawn<Ball, undefined>({
      name: 'pong',
      receive(_s, ball, ctx) {
        ctx.send(ball.replyTo, ball);
        return undefined;
      },
    });
    const pinger = system.spawn<Ball, undefined>({
      name: 'ping',
      receive(_s, ball, ctx) {
        if (ball.left === 0) {
          const seconds = (performance.now() - t0) / 1000;
          void system.shutdown().then(() => resolve(seconds));
        } else ctx.send(ponger, { left: ball.left - 1, replyTo: ctx.self });
        return undefined;
      },
    });
    t0 = performance.now();
    system.send(ponger, { left: n, replyTo: pinger });
  });
}

export default async function pingpong(args: string[]): Promise<BenchResult> {
  const n = arg(args, 'n', 1_000_000);
  await run(Math.min(n, 200_000)); // warm-up: let the JIT compile the send path
  const seconds = await run(n);
  return {
    metric: 'roundtrips_per_s',
    value: Math.round(n / seconds),
    unit: 'roundtrip/s',
    n,
    seconds,
  };
}
