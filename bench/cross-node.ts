/**
 * cross-node: two ActorSystems on one local nats-server (started here through
 * `tests/support/nats-server.ts`). Measures, in one run:
 * - actor messages/s from node a to an actor on node b, order checked (the
 *   receiver fails the run on the first message out of order);
 * - raw NATS publish/subscribe of the same payload size (the size of one
 *   encoded actor frame), same counts, same pacing;
 * - sequential `ask` round trips/s between the nodes.
 * Metric: msgs_per_s. Flags: `--messages N` (default 200,000), `--asks N`
 * (default 5,000), `--chunk N` sends between yields (default 1,000),
 * `--bytes N` of text in each actor message (default 100, a short chat line).
 */
import { connect } from 'nats';
import pino from 'pino';
import { connectNatsTransport } from '../cluster/index.ts';
import { ActorSystem, type Ref } from '../runtime/index.ts';
import { startNatsServer } from '../tests/support/nats-server.ts';
import { arg } from './args.ts';
import type { BenchResult } from './run.ts';

const yieldIo = () => new Promise<void>((r) => setImmediate(r));

interface Req {
  readonly n: number;
  readonly replyTo: Ref<number>;
}

export default async function crossNode(args: string[]): Promise<BenchResult> {
  const messages = arg(args, 'messages', 200_000);
  const asks = arg(args, 'asks', 5_000);
  const chunk = arg(args, 'chunk', 1_000);
  const body = 'x'.repeat(arg(args, 'bytes', 100));
  const server = await startNatsServer();
  const logger = pino({ level: 'warn' });
  try {
    const ta = await connectNatsTransport({ servers: server.url, node: 'a', creation: 1, logger });
    const tb = await connectNatsTransport({ servers: server.url, node: 'b', creation: 2, logger });
    const a = new ActorSystem({ transport: ta, logger });
    const b = new ActorSystem({ transport: tb, logger });

    // Capture one frame's size for the raw NATS comparison.
    let frameBytes = 0;
    const send = ta.send.bind(ta);
    ta.send = (node, frame) => {
      if (frameBytes === 0) frameBytes = frame.length;
      send(node, frame);
    };

    const actorRun = async (count: number): Promise<number> => {
      let expected = 1;
      let done!: () => void;
      let failed!: (e: Error) => void;
      const finished = new Promise<void>((resolve, reject) => {
        done = resolve;
        failed = reject;
      });
      const sink = b.spawn<{ n: number; body: string }, undefined>({
        receive(_s, { n }) {
          if (n !== expected) failed(new Error(`out of order: got ${n}, expected ${expected}`));
          else if (++expected > count) done();
          return undefined;
        },
      });
      const t0 = performance.now();
      for (let i = 1; i <= count; i += chunk) {
        for (let j = i; j < i + chunk && j <= count; j++) a.send(sink, { n: j, body });
        await yieldIo();
      }
      await finished;
      const seconds = (performance.now() - t0) / 1000;
      b.exit(sink, 'kill');
      return seconds;
    };
    await actorRun(Math.min(20_000, messages)); // warm-up
    const actorSeconds = await actorRun(messages);

    const rawRun = async (count: number): Promise<number> => {
      const pub = await connect({ servers: server.url });
      const subConn = await connect({ servers: server.url });
      let got = 0;
      let done!: () => void;
      const finished = new Promise<void>((r) => {
        done = r;
      });
      subConn.subscribe('raw.b', {
        callback: () => {
          if (++got === count) done();
        },
      });
      await subConn.flush();
      const payload = new Uint8Array(frameBytes);
      const t0 = performance.now();
      for (let i = 0; i < count; i += chunk) {
        for (let j = i; j < i + chunk && j < count; j++) pub.publish('raw.b', payload);
        await yieldIo();
      }
      await finished;
      const seconds = (performance.now() - t0) / 1000;
      await pub.close();
      await subConn.close();
      return seconds;
    };
    await rawRun(Math.min(20_000, messages)); // warm-up
    const rawSeconds = await rawRun(messages);

    const echo = b.spawn<Req, undefined>({
      receive(_s, m, ctx) {
        ctx.send(m.replyTo, m.n);
        return undefined;
      },
    });
    const t0 = performance.now();
    for (let i = 0; i < asks; i++) {
      const r = await a.ask<Req, number>(echo, (replyTo) => ({ n: i, replyTo }));
      if (r !== i) throw new Error(`ask ${i} answered ${r}`);
    }
    const askSeconds = (performance.now() - t0) / 1000;

    const value = Math.round(messages / actorSeconds);
    const rawNatsMsgsPerS = Math.round(messages / rawSeconds);
    const result = {
      metric: 'msgs_per_s',
      value,
      unit: 'msg/s',
      rawNatsMsgsPerS,
      ratio: Number((value / rawNatsMsgsPerS).toFixed(3)),
      askRoundTripsPerS: Math.round(asks / askSeconds),
      messages,
      asks,
      frameBytes,
      natsMessagesSent: ta.stats.messagesSent,
      framesSent: ta.stats.framesSent,
      gapsDetected: tb.stats.gapsDetected,
    };
    await a.shutdown();
    await b.shutdown();
    return result;
  } finally {
    await server.stop();
  }
}
