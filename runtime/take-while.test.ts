import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Behavior, Down } from './index.ts';
import { Deterministic } from './testing/index.ts';

type Msg = { k: 'batch' | 'other'; n: number };
const isBatch = (m: Msg): m is Msg & { k: 'batch' } => m.k === 'batch';

/** Records each handled message with what it took along (a batch of one when it took nothing). */
function batcher(into: number[][], max: number, downs?: string[]): Behavior<Msg, undefined> {
  return {
    name: 'batcher',
    receive(_s, m, ctx) {
      into.push(m.k === 'batch' ? [m.n, ...ctx.takeWhile(isBatch, max).map((t) => t.n)] : [m.n]);
      return undefined;
    },
    down(_s, d: Down) {
      downs?.push(String(d.reason));
      into.push([-1]);
      return undefined;
    },
  };
}

describe('ctx.takeWhile', () => {
  it('takes the accepted messages at the head, in order, stopping at the first refused one', async () => {
    const d = new Deterministic(1);
    const sys = d.system({ node: 'n1' });
    const seen: number[][] = [];
    const ref = sys.spawn(batcher(seen, 10));
    for (const [k, n] of [
      ['batch', 1],
      ['batch', 2],
      ['batch', 3],
      ['other', 4],
      ['batch', 5],
    ] as const)
      sys.send(ref, { k, n });
    await d.settle();
    expect(seen).toEqual([[1, 2, 3], [4], [5]]);
  });

  it('takes at most max', async () => {
    const d = new Deterministic(1);
    const sys = d.system({ node: 'n1' });
    const seen: number[][] = [];
    const ref = sys.spawn(batcher(seen, 2));
    for (let n = 1; n <= 7; n++) sys.send(ref, { k: 'batch', n });
    await d.settle();
    expect(seen).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it('takes nothing while a system message waits, so a down is never overtaken', async () => {
    const d = new Deterministic(1);
    const sys = d.system({ node: 'n1' });
    const seen: number[][] = [];
    const downs: string[] = [];
    const target = sys.spawn<Msg, undefined>({ receive: () => undefined });
    const ref = sys.spawn(batcher(seen, 10, downs));
    sys.localCell(ref)!.monitor(target);
    await d.settle();
    sys.send(ref, { k: 'batch', n: 1 });
    sys.exit(target, 'kill');
    sys.send(ref, { k: 'batch', n: 2 });
    await d.settle();
    // The down arrived before 1 was handled: it runs first, then 1 takes 2.
    expect(downs).toEqual(['killed']);
    expect(seen.flat()).toEqual([-1, 1, 2]);
  });

  it('never loses, repeats or reorders a message (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.boolean(), { maxLength: 200 }),
        fc.integer({ min: 1, max: 8 }),
        async (kinds, max) => {
          const d = new Deterministic(1);
          const sys = d.system({ node: 'n1' });
          const seen: number[][] = [];
          const ref = sys.spawn(batcher(seen, max));
          for (const [n, b] of kinds.entries()) sys.send(ref, { k: b ? 'batch' : 'other', n });
          await d.settle();
          expect(seen.flat()).toEqual(kinds.map((_, n) => n));
          for (const batch of seen) expect(batch.length).toBeLessThanOrEqual(max + 1);
        },
      ),
      { seed: Number(process.env.FC_SEED), numRuns: 100 },
    );
  });
});
