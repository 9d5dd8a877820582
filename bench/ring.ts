/**
 * ring: N actors in a ring pass a token H hops. Metric: msgs_per_s.
 * Defaults: 10,000 actors, 1,000,000 hops (`--actors N --hops H`).
 */
import { ActorSystem, type Ref } from '../runtime/index.ts';
import { arg } from './args.ts';
import type { BenchResult } from './run.ts';

type Token = number;

export default async function ring(args: string[]): Promise<BenchResult> {
  const actors = arg(args, 'actors', 10_000);
  const hops = arg(args, 'hops', 1_000_000);
  await runRing(actors, Math.min(hops, 200_000)); // warm-up: let the JIT compile the send path
  const seconds = await runRing(actors, hops);
  return {
    metric: 'msgs_per_s',
    value: Math.round(hops / seconds),
    unit: 'msg/s',
    actors,
    hops,
    seconds,
  };
}

async function runRing(actors: number, hops: number): Promise<number> {
  const system = new ActorSystem({ node: 'bench' });
  let done!: () => void;
  const finished = new Promise<void>((r) => {
    done = r;
  });
  const refs: Ref<Token>[] = [];
  const next: Ref<Token>[] = [];
  for (let i = 0; i < actors; i++) {
    const index = i;
    refs.push(
      system.spawn<Token, undefined>({
        name: 'ring-node',
        receive(_s, left, ctx) {
          if (left === 0) done();
          else ctx.send(next[index]!, left - 1);
          return undefined;
        },
      }),
    );
  }
  for (let i = 0; i < actors; i++) next.push(refs[(i + 1) % actors]!);
  const t0 = performance.now();
  system.send(refs[0]!, hops);
  await finished;
  const seconds = (performance.now() - t0) / 1000;
  await system.shutdown();
  return seconds;
}
