/**
 * The NATS transport (`cluster/nats-transport.ts`) against a real nats-server
 * (`tests/support/nats-server.ts`; a missing server fails the file): the
 * transport contract suite, then what only NATS has (coalescing, hello
 * probes, BYE, link epochs across a server restart, a gap broken on both
 * sides through a RESET).
 */
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNatsTransport, NatsTransport } from '../cluster/index.ts';
import { decodeMessage, encodeData, KIND_RESET } from '../cluster/nats-frame.ts';
import {
  ActorSystem,
  ParleyError,
  sleep,
  systemClock,
  type TransportHandler,
} from '../runtime/index.ts';
import { captureLogger } from '../runtime/testing/index.ts';
import { runTransportContract, until } from '../runtime/testing/transport-contract.ts';
import { type NatsServer, startNatsServer } from './support/nats-server.ts';

const quiet = () => captureLogger().logger;

let server: NatsServer;
let creation = 1000;

beforeAll(async () => {
  // A small max_payload keeps the oversize tests fast.
  server = await startNatsServer({ maxPayload: 64 * 1024 });
});
afterAll(async () => {
  await server?.stop();
});

/** Each harness gets its own subject prefix, so tests never hear each other's nodes. */
let harnesses = 0;
function open(node: string, prefix: string): Promise<NatsTransport> {
  return connectNatsTransport({
    servers: server.url,
    node,
    creation: ++creation,
    prefix,
    reconnectTimeWaitMs: 50,
    logger: quiet(),
  });
}

runTransportContract('nats', () => {
  const prefix = `t${++harnesses}`;
  const started: NatsTransport[] = [];
  return {
    async start(nodes) {
      for (const n of nodes) started.push(await open(n, prefix));
      return started;
    },
    async disrupt() {
      await server.restart();
      await until(() => started.every((t) => t.connected), 'every transport to reconnect');
    },
    async stop() {
      for (const t of started) await t.close();
    },
  };
});

function recorder(): TransportHandler & { frames: string[]; downs: string[]; ups: string[] } {
  const frames: string[] = [];
  const downs: string[] = [];
  const ups: string[] = [];
  return {
    frames,
    downs,
    ups,
    onFrame: (from, frame) => frames.push(`${from}:${[...frame].join(',')}`),
    onNodeDown: (node) => downs.push(node),
    onNodeUp: (node) => ups.push(node),
  };
}

describe('NatsTransport', () => {
  let n = 0;
  async function pair() {
    const prefix = `p${++n}`;
    const a = await open('a', prefix);
    const b = await open('b', prefix);
    const ra = recorder();
    const rb = recorder();
    a.attach(ra);
    b.attach(rb);
    return { prefix, a, b, ra, rb, close: () => Promise.all([a.close(), b.close()]) };
  }

  it('coalesces the frames of one microtask into one NATS message and counts what it carried', async () => {
    const { a, b, rb, close } = await pair();
    for (let i = 0; i < 100; i++) a.send('b', new Uint8Array([i]));
    await until(() => rb.frames.length === 100, '100 frames');
    expect(rb.frames.slice(0, 3)).toEqual(['a:0', 'a:1', 'a:2']);
    expect(a.stats.framesSent).toBe(100);
    expect(a.stats.messagesSent).toBe(1);
    expect(b.stats.framesReceived).toBe(100);
    expect(b.stats.messagesReceived).toBe(1);
    expect(b.stats.bytesReceived).toBe(a.stats.bytesSent);
    expect(b.stats.gapsDetected).toBe(0);
    await close();
  });

  it('splits a batch so no NATS message is over max_payload', async () => {
    const { a, rb, close } = await pair();
    // Two of these (each with its 4-byte length) fill one message exactly.
    const frame = new Uint8Array(Math.floor((a.maxFrameBytes + 4) / 2) - 4);
    for (let i = 0; i < 4; i++) a.send('b', frame);
    a.send('b', new Uint8Array([1]));
    await until(() => rb.frames.length === 5, '5 frames');
    expect(a.stats.messagesSent).toBe(3);
    await close();
  });

  it('reports a gap on a link as one onNodeDown, sends the sender a RESET naming the broken epoch, drops that epoch, and takes the next one as the fresh link', async () => {
    const prefix = `g${++n}`;
    const b = await open('b', prefix);
    const rb = recorder();
    b.attach(rb);
    const nc = await connect({ servers: server.url });
    const resets: ReturnType<typeof decodeMessage>[] = [];
    nc.subscribe(`${prefix}.x`, {
      callback: (_e, msg) => void resets.push(decodeMessage(msg.data)),
    });
    await nc.flush();
    const header = { node: new TextEncoder().encode('x'), creation: 7, epoch: 1 };
    const send = (seq: number, byte: number) =>
      nc.publish(`${prefix}.b`, encodeData(header, seq, [new Uint8Array([byte])], 1));
    send(1, 1);
    send(2, 2);
    send(5, 5); // 3 and 4 lost
    send(6, 6);
    await nc.flush();
    await until(() => b.stats.framesDiscarded === 2, 'the broken epoch dropped');
    expect(rb.frames).toEqual(['x:1', 'x:2']);
    expect(rb.downs).toEqual(['x']);
    expect(b.stats.gapsDetected).toBe(1);
    await until(() => resets.length >= 1, 'the RESET');
    expect(resets[0]).toEqual({
      kind: KIND_RESET,
      from: 'b',
      creation: b.creation,
      epoch: 1,
      seq: 1,
      peerCreation: 7,
      brokenEpoch: 1,
    });
    // The sender honours it with a new epoch: the fresh link, no second down.
    header.epoch = 2;
    send(1, 7);
    send(2, 8);
    await nc.flush();
    await until(() => rb.frames.length === 4, 'the frames of the new epoch');
    expect(rb.frames.slice(2)).toEqual(['x:7', 'x:8']);
    expect(rb.downs).toEqual(['x']);
    // A new creation of the sender is a new link: one more down, and seq 1 is fine again.
    header.creation = 8;
    send(1, 9);
    await nc.flush();
    await until(() => rb.frames.length === 5, 'the frame of the new creation');
    expect(rb.downs).toEqual(['x', 'x']);
    await nc.close();
    await b.close();
  });

  it('breaks a link on both sides when one message is lost: one onNodeDown each, noconnection to monitors on both nodes, then traffic both ways in order', async () => {
    const prefix = `l${++n}`;
    // Node a's connection drops the next message published to the subject in `dropTo`.
    const raw = await connect({ servers: server.url });
    let dropTo: string | undefined;
    const lossy = new Proxy(raw, {
      get(target, prop) {
        if (prop === 'publish') {
          return (subject: string, ...rest: unknown[]) => {
            if (subject === dropTo) {
              dropTo = undefined;
              return;
            }
            return (target.publish as (...a: unknown[]) => void)(subject, ...rest);
          };
        }
        const v = Reflect.get(target, prop, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    }) as NatsConnection;
    const ta = new NatsTransport(lossy, {
      node: 'a',
      creation: ++creation,
      prefix,
      logger: quiet(),
    });
    await ta.ready();
    const tb = await open('b', prefix);
    const a = new ActorSystem({ transport: ta, logger: quiet() });
    const b = new ActorSystem({ transport: tb, logger: quiet() });
    const gotA: string[] = [];
    const gotB: string[] = [];
    const atA = a.spawn<string, undefined>({ receive: (_s, m) => void gotA.push(m) });
    const atB = b.spawn<string, undefined>({ receive: (_s, m) => void gotB.push(m) });
    const downsA: string[] = [];
    const downsB: string[] = [];
    const watcher = (downs: string[], target: typeof atA) => ({
      init(ctx: { monitor(r: typeof atA): unknown }) {
        ctx.monitor(target);
        return undefined;
      },
      receive: () => undefined,
      down: (_s: undefined, d: { reason: unknown }) => void downs.push(String(d.reason)),
    });
    a.spawn(watcher(downsA, atB));
    b.spawn(watcher(downsB, atA));
    await sleep(systemClock, 5);
    // Behind each monitor request on its link: once these arrive, both monitors are in place.
    a.send(atB, 'warm');
    b.send(atA, 'warm');
    await until(() => gotA.length === 1 && gotB.length === 1, 'a message each way');

    dropTo = `${prefix}.b`;
    a.send(atB, 'lost');
    await sleep(systemClock, 5);
    a.send(atB, 'shows the gap'); // sent before a knows: b drops it
    await until(() => downsA.length === 1 && downsB.length === 1, 'noconnection on both sides');
    expect(downsA).toEqual(['noconnection']);
    expect(downsB).toEqual(['noconnection']);
    expect([ta.stats.nodeDowns, tb.stats.nodeDowns]).toEqual([1, 1]);
    expect(tb.stats.gapsDetected).toBe(1);
    expect(tb.stats.resetsSent).toBe(1);
    expect(ta.stats.resetsReceived).toBe(1);
    expect(tb.stats.framesDiscarded).toBe(1);

    for (let i = 1; i <= 50; i++) {
      a.send(atB, `a${i}`);
      b.send(atA, `b${i}`);
      if (i % 10 === 0) await sleep(systemClock, 1);
    }
    await until(() => gotA.length === 51 && gotB.length === 51, 'traffic both ways again');
    const seq = (p: string) => Array.from({ length: 50 }, (_, i) => `${p}${i + 1}`);
    expect(gotB).toEqual(['warm', ...seq('a')]);
    expect(gotA).toEqual(['warm', ...seq('b')]);
    // No echo: the fresh link is not read as a second loss on either side.
    await sleep(systemClock, 300);
    expect([ta.stats.nodeDowns, tb.stats.nodeDowns]).toEqual([1, 1]);
    expect([ta.stats.gapsDetected, tb.stats.gapsDetected]).toEqual([0, 1]);
    expect(downsA.length + downsB.length).toBe(2);
    await a.shutdown();
    await b.shutdown();
    await raw.close();
  });

  it('marks a node nobody serves down at once through NATS "no responders", and makes asks to it fail fast', async () => {
    const prefix = `r${++n}`;
    const a = await open('a', prefix);
    const sys = new ActorSystem({ transport: a, logger: quiet() });
    expect(sys.creation).toBe(a.creation);
    expect(a.reachable('ghost')).toBe(true); // unknown: probing
    await until(() => !a.reachable('ghost'), 'ghost to be unreachable');
    expect(a.stats.probes).toBe(1);
    await sys.shutdown();
  });

  it('follows membership: peerDown fires onNodeDown once and makes the node unreachable, peerUp brings it back', async () => {
    const { a, ra, close } = await pair();
    a.peerUp('b');
    expect(a.reachable('b')).toBe(true);
    a.peerDown('b');
    a.peerDown('b');
    expect(ra.downs).toEqual(['b']);
    expect(a.reachable('b')).toBe(false);
    a.peerUp('b');
    expect(ra.ups).toEqual(['b']);
    expect(a.reachable('b')).toBe(true);
    await close();
  });

  it('tells its peers it is leaving when it closes (BYE), so they see it down at once', async () => {
    const { a, b, ra, rb, close } = await pair();
    a.send('b', new Uint8Array([1]));
    b.send('a', new Uint8Array([2]));
    await until(() => ra.frames.length === 1 && rb.frames.length === 1, 'a frame each way');
    await b.close();
    await until(() => ra.downs.length === 1, 'a to see b down');
    expect(ra.downs).toEqual(['b']);
    expect(a.reachable('b')).toBe(false);
    await close();
  });

  it('breaks every link when NATS restarts: onNodeDown for each peer, then the links carry frames again', async () => {
    const { a, b, ra, rb, close } = await pair();
    a.send('b', new Uint8Array([1]));
    b.send('a', new Uint8Array([2]));
    await until(() => ra.frames.length === 1 && rb.frames.length === 1, 'a frame each way');
    await server.restart();
    await until(() => a.connected && b.connected, 'both to reconnect');
    expect(ra.downs).toEqual(['b']);
    expect(rb.downs).toEqual(['a']);
    // Until b's subscription is back at the server a frame may still be lost (b's own
    // disconnect already announced that), so send until one arrives.
    let k = 2;
    await until(() => {
      if (rb.frames.length === 1) a.send('b', new Uint8Array([++k]));
      return rb.frames.length >= 2;
    }, 'a frame after the restart');
    expect(rb.downs).toEqual(['a']);
    expect(a.stats.linkResets).toBeGreaterThanOrEqual(1);
    await close();
  });

  it('after a node restarts under the same name, a stale ref reaches nothing and the peer saw the old one go', async () => {
    const prefix = `s${++n}`;
    const ta = await open('a', prefix);
    const a = new ActorSystem({ transport: ta, logger: quiet() });
    const b1 = new ActorSystem({ transport: await open('b', prefix), logger: quiet() });
    const got1: string[] = [];
    const old = b1.spawn<string, undefined>({
      receive: (_s, m) => void got1.push(m),
    });
    const downs: string[] = [];
    const watcher = a.spawn({
      init(ctx) {
        ctx.monitor(old);
        return undefined;
      },
      receive: () => undefined,
      down: (_s, d) => void downs.push(String(d.reason)),
    });
    a.send(old, 'first');
    await until(() => got1.length === 1, 'the first message');
    await ta.nc.flush();
    await b1.shutdown();
    await until(() => downs.length === 1, 'the monitor to fire');

    const b2 = new ActorSystem({ transport: await open('b', prefix), logger: quiet() });
    const got2: string[] = [];
    const fresh = b2.spawn<string, undefined>({ receive: (_s, m) => void got2.push(m) });
    b2.register('svc', fresh);
    expect(fresh.id).toBe(old.id);
    expect(b2.creation).not.toBe(b1.creation);
    // The BYE left b down at a; membership says so when b joins again.
    expect(ta.reachable('b')).toBe(false);
    ta.peerUp('b');
    a.sendNamed('svc', 'by name', 'b');
    await until(() => got2.length === 1, 'the named send to the new start');
    a.send(old, 'stale');
    await until(() => b2.deadLetters.counts.stale_incarnation === 1, 'the stale dead letter');
    expect(got2).toEqual(['by name']);
    expect(a.isAlive(watcher)).toBe(true);
    await a.shutdown();
    await b2.shutdown();
  });

  it('refuses a node name that is not a subject token, naming it', async () => {
    await expect(
      connectNatsTransport({ servers: server.url, node: 'a.b', creation: 1 }),
    ).rejects.toMatchObject({
      code: 'invalid_argument',
      message:
        'node name must be 1..128 letters, digits, "_" or "-" (a NATS subject token), got "a.b"',
    });
  });

  it('fails to connect to a server that is not there with an unavailable error naming it', async () => {
    const err = await connectNatsTransport({
      servers: 'nats://127.0.0.1:1',
      node: 'a',
      creation: 1,
      maxReconnectAttempts: 0,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(ParleyError);
    expect(err.code).toBe('unavailable');
    expect(err.message).toMatch(/^cannot connect to NATS at "nats:\/\/127\.0\.0\.1:1": /);
  });
});
