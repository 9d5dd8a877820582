import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InProcessNetwork, type Ref } from './index.ts';
import { Deterministic } from './testing/index.ts';

const fcOptions = { seed: Number(process.env.FC_SEED), verbose: true };

interface Workload {
  /** For each sender, the receiver of each numbered message, grouped in bursts sent in one step. */
  readonly plans: readonly (readonly (readonly number[])[])[];
  readonly receivers: number;
  readonly asyncReceivers: readonly boolean[];
  readonly throughput: number;
  readonly seed: number;
}

const workloadArb: fc.Arbitrary<Workload> = fc
  .record({ senders: fc.integer({ min: 1, max: 5 }), receivers: fc.integer({ min: 1, max: 3 }) })
  .chain(({ senders, receivers }) =>
    fc.record({
      plans: fc.array(
        fc.array(fc.array(fc.nat(receivers - 1), { minLength: 1, maxLength: 4 }), {
          maxLength: 12,
        }),
        { minLength: senders, maxLength: senders },
      ),
      receivers: fc.constant(receivers),
      asyncReceivers: fc.array(fc.boolean(), { minLength: receivers, maxLength: receivers }),
      throughput: fc.integer({ min: 1, max: 8 }),
      seed: fc.integer(),
    }),
  );

type Numbered = { readonly from: number; readonly n: number };

/**
 * Senders send their numbered bursts, one burst per message they handle; receivers log what
 * arrives. With two nodes, senders and receivers alternate between them on one in-process
 * network, so some pairs are local and some cross the codec and the network.
 */
async function run(
  w: Workload,
  nodes: 1 | 2 = 1,
): Promise<{ logs: Numbered[][]; trace: string[] }> {
  const d = new Deterministic(w.seed, { throughput: w.throughput });
  const net = new InProcessNetwork(d.clock);
  const systems =
    nodes === 1
      ? [d.system({ node: 'n1' })]
      : [d.system({ transport: net.join('n1') }), d.system({ transport: net.join('n2') })];
  const on = (i: number) => systems[i % systems.length]!;
  const logs: Numbered[][] = [];
  const receivers: Ref<Numbered>[] = [];
  for (let r = 0; r < w.receivers; r++) {
    const log: Numbered[] = [];
    logs.push(log);
    receivers.push(
      on(r + 1).spawn<Numbered, undefined>({
        receive: w.asyncReceivers[r]
          ? async (_s, m) => {
              await Promise.resolve();
              log.push(m);
              return undefined;
            }
          : (_s, m) => {
              log.push(m);
              return undefined;
            },
      }),
    );
  }
  w.plans.forEach((plan, s) => {
    const sys = on(s);
    const ref = sys.spawn<'next', number>({
      init: () => 0,
      receive(step, _m, ctx) {
        const burst = plan[step];
        if (burst === undefined) return step;
        let n = plan.slice(0, step).reduce((a, b) => a + b.length, 0);
        for (const r of burst) ctx.send(receivers[r]!, { from: s, n: n++ });
        ctx.send(ctx.self, 'next');
        return step + 1;
      },
    });
    sys.send(ref, 'next');
  });
  await d.settle();
  if (nodes === 2) expect(net.stats.dropped).toBe(0);
  return { logs, trace: [...d.scheduler.trace] };
}

/** What each receiver must see from each sender: the numbers sent to it, in order. */
function expectedLogs(w: Workload): number[][][] {
  const out = Array.from({ length: w.receivers }, () => w.plans.map(() => [] as number[]));
  w.plans.forEach((plan, s) => {
    let n = 0;
    for (const burst of plan) for (const r of burst) out[r]![s]!.push(n++);
  });
  return out;
}

function bySender(log: readonly Numbered[], senders: number): number[][] {
  const out = Array.from({ length: senders }, () => [] as number[]);
  for (const m of log) out[m.from]!.push(m.n);
  return out;
}

describe('ordering', () => {
  it('keeps per-pair FIFO under random interleavings of many senders: nothing reordered, duplicated or lost', async () => {
    await fc.assert(
      fc.asyncProperty(workloadArb, async (w) => {
        const { logs } = await run(w);
        const expected = expectedLogs(w);
        logs.forEach((log, r) => {
          expect(bySender(log, w.plans.length)).toEqual(expected[r]);
        });
      }),
      { ...fcOptions, numRuns: 200 },
    );
  });

  it('keeps per-pair FIFO across two nodes on the in-process transport', async () => {
    await fc.assert(
      fc.asyncProperty(workloadArb, async (w) => {
        const { logs } = await run(w, 2);
        const expected = expectedLogs(w);
        logs.forEach((log, r) => {
          expect(bySender(log, w.plans.length)).toEqual(expected[r]);
        });
      }),
      { ...fcOptions, numRuns: 150 },
    );
  });

  it('gives the same trace and the same receive order for the same seed', async () => {
    await fc.assert(
      fc.asyncProperty(workloadArb, async (w) => {
        const first = await run(w, 2);
        const second = await run(w, 2);
        expect(second.trace).toEqual(first.trace);
        expect(second.logs).toEqual(first.logs);
      }),
      { ...fcOptions, numRuns: 50 },
    );
  });

  it('usually gives a different trace for a different seed', async () => {
    const w: Workload = {
      plans: Array.from({ length: 4 }, () => Array.from({ length: 10 }, (_, i) => [i % 3])),
      receivers: 3,
      asyncReceivers: [false, true, false],
      throughput: 1,
      seed: 0,
    };
    const traces = new Set<string>();
    const orders = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const r = await run({ ...w, seed });
      traces.add(r.trace.join(' '));
      orders.add(JSON.stringify(r.logs));
    }
    expect(traces.size).toBeGreaterThanOrEqual(18);
    expect(orders.size).toBeGreaterThanOrEqual(18);
  });
});
