/**
 * The transport contract suite: one set of vitest tests that every
 * `Transport` implementation passes (`../transport.ts` is the specification),
 * run on the real clock (`runtime/in-process-transport.test.ts`,
 * `cluster/nats-transport.test.ts`). Imported by path from test files, so
 * vitest never loads into production code.
 *
 * Covered: per-pair FIFO under load from two senders; loss (`disrupt`: the
 * in-process network cuts every pair, NATS restarts its server) surfaces as
 * exactly one `onNodeDown` between the frames around every gap, and the link
 * carries frames again afterwards; a frame over `maxFrameBytes` throws
 * `FrameTooLargeError`, one at the limit arrives intact; a lost node
 * (`transport.close()`) gives `noconnection` to monitors and links across
 * it; `ask` across nodes answers, times out with `AskTimeoutError`, and fails
 * with `NodeDownError` well under its timeout when the node is gone (lost
 * while waiting, lost before, or never there).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Down, ExitMessage } from '../behavior.ts';
import { sleep, systemClock } from '../clock.ts';
import type { Ref } from '../ref.ts';
import { ActorSystem, AskTimeoutError, NodeDownError } from '../system.ts';
import { FrameTooLargeError, type Transport, type TransportHandler } from '../transport.ts';
import { captureLogger } from './deterministic.ts';

export interface TransportHarness {
  /** Starts one connected transport per node name. */
  start(nodes: readonly string[]): Promise<Transport[]>;
  /** Loses what is in flight and breaks every link, then lets the links recover; resolves once they can carry frames again. */
  disrupt(): Promise<void>;
  /** Stops whatever `start` started. */
  stop(): Promise<void>;
}

export interface TransportContractOptions {
  /** Frames per sender in the FIFO test (default 20,000). */
  readonly framesPerSender?: number;
}

/** Polls `cond` on the real clock until it holds, or throws naming `what`. */
export async function until(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const start = systemClock.now();
  while (!cond()) {
    if (systemClock.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(systemClock, 5);
  }
}

type Event = { readonly from: string; readonly n: number } | { readonly down: string };

function recorder(): TransportHandler & { events: Event[]; frames(from: string): number[] } {
  const events: Event[] = [];
  return {
    events,
    onFrame: (from, frame) => {
      const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
      events.push({ from, n: view.getUint32(0) });
    },
    onNodeDown: (node) => events.push({ down: node }),
    frames: (from) => events.flatMap((e) => ('from' in e && e.from === from ? [e.n] : [])),
  };
}

function numbered(n: number, size = 8): Uint8Array {
  const f = new Uint8Array(size);
  new DataView(f.buffer).setUint32(0, n);
  return f;
}

type Req = { readonly n: number; readonly replyTo: Ref<number> };

export function runTransportContract(
  name: string,
  makeHarness: () => TransportHarness,
  options: TransportContractOptions = {},
): void {
  const perSender = options.framesPerSender ?? 20_000;

  describe(`transport contract: ${name}`, () => {
    let harness: TransportHarness | undefined;
    const systems: ActorSystem[] = [];

    async function start(nodes: readonly string[]): Promise<Transport[]> {
      harness = makeHarness();
      return harness.start(nodes);
    }

    let transports: Transport[] = [];

    async function systemsOn(nodes: readonly string[]): Promise<ActorSystem[]> {
      const ts = await start(nodes);
      transports = ts;
      const made = ts.map(
        (transport) => new ActorSystem({ transport, logger: captureLogger().logger }),
      );
      systems.push(...made);
      return made;
    }

    afterEach(async () => {
      for (const s of systems.splice(0)) await s.shutdown().catch(() => {});
      await harness?.stop();
      harness = undefined;
    });

    it('keeps per-pair FIFO under load from two senders to one receiver', async () => {
      const [a, b, c] = await start(['a', 'b', 'c']);
      const rb = recorder();
      b!.attach(rb);
      a!.attach(recorder());
      c!.attach(recorder());
      for (let i = 1; i <= perSender; i += 500) {
        for (let j = i; j < i + 500 && j <= perSender; j++) {
          a!.send('b', numbered(j));
          c!.send('b', numbered(j));
        }
        await sleep(systemClock, 0);
      }
      await until(() => rb.events.length >= 2 * perSender, `${2 * perSender} frames at b`);
      const expected = Array.from({ length: perSender }, (_, i) => i + 1);
      expect(rb.frames('a')).toEqual(expected);
      expect(rb.frames('c')).toEqual(expected);
      expect(rb.events.filter((e) => 'down' in e)).toEqual([]);
    });

    it('turns every gap into exactly one onNodeDown between the frames around it, then carries frames again', async () => {
      const [a, b] = await start(['a', 'b']);
      const rb = recorder();
      b!.attach(rb);
      a!.attach(recorder());
      let sent = 0;
      let sending = true;
      const stream = (async () => {
        while (sending) {
          for (let k = 0; k < 20; k++) a!.send('b', numbered(++sent));
          await sleep(systemClock, 1);
        }
      })();
      await until(() => rb.frames('a').length > 200, 'the stream to flow');
      await harness!.disrupt();
      const downsBefore = () => rb.events.filter((e) => 'down' in e).length;
      await until(() => downsBefore() > 0, 'a link loss at b');
      const afterDisrupt = sent;
      await until(
        () => rb.frames('a').some((n) => n > afterDisrupt + 200),
        'frames after the disruption',
      );
      sending = false;
      await stream;
      await until(() => rb.frames('a').at(-1) === sent, 'the last frame');

      let last = 0;
      let downsSinceFrame = 0;
      let gaps = 0;
      for (const e of rb.events) {
        if ('down' in e) {
          expect(e.down).toBe('a');
          downsSinceFrame++;
          continue;
        }
        expect(e.n).toBeGreaterThan(last);
        if (e.n !== last + 1) {
          gaps++;
          // A silent gap is a bug: every missing run is announced before the next frame.
          expect(downsSinceFrame, `gap ${last + 1}..${e.n - 1} without onNodeDown`).toBe(1);
        }
        expect(downsSinceFrame, `more than one onNodeDown before frame ${e.n}`).toBeLessThanOrEqual(
          1,
        );
        downsSinceFrame = 0;
        last = e.n;
      }
      const received = rb.frames('a').length;
      expect(
        received +
          rb
            .frames('a')
            .reduce((missing, n, i, all) => missing + (n - (i === 0 ? 0 : all[i - 1]!) - 1), 0),
      ).toBe(sent);
      expect(downsSinceFrame).toBe(0);
      expect(gaps).toBeLessThanOrEqual(downsBefore());
    });

    it('throws FrameTooLargeError for a frame over maxFrameBytes and carries one at the limit', async () => {
      const [a, b] = await start(['a', 'b']);
      const rb: Uint8Array[] = [];
      b!.attach({ onFrame: (_f, frame) => rb.push(Uint8Array.from(frame)), onNodeDown() {} });
      a!.attach(recorder());
      const max = a!.maxFrameBytes;
      let err: unknown;
      try {
        a!.send('b', new Uint8Array(max + 1));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FrameTooLargeError);
      expect(err).toMatchObject({
        name: 'FrameTooLargeError',
        code: 'resource_exhausted',
        message: `frame of ${max + 1} bytes to node "b" is over the transport's limit of ${max} bytes`,
      });
      const big = new Uint8Array(max).map((_, i) => i & 0xff);
      a!.send('b', big);
      a!.send('b', numbered(7));
      await until(() => rb.length === 2, 'the frame at the limit and the one after it');
      // Buffer.equals: a deep toEqual over a MiB of bytes takes seconds.
      expect(Buffer.from(rb[0]!).equals(Buffer.from(big))).toBe(true);
      expect(rb[1]).toEqual(numbered(7));
    });

    it('gives noconnection to every monitor and link across a lost node', async () => {
      const [s1, s2] = await systemsOn(['a', 'b']);
      const downs: Down[] = [];
      const exits: ExitMessage[] = [];
      const target = s2!.spawn({ receive: () => undefined });
      const watcher = s1!.spawn(
        {
          init(ctx) {
            ctx.monitor(target);
            ctx.link(target);
            return undefined;
          },
          receive: () => undefined,
          down: (_s, d) => void downs.push(d),
          exit: (_s, e) => void exits.push(e),
        },
        { trapExit: true },
      );
      // The link and monitor are set up once b answered something across the link.
      const pong = await s1!.ask<Req, number>(
        s2!.spawn<Req, undefined>({
          receive(_s, m, ctx) {
            ctx.send(m.replyTo, m.n);
            return undefined;
          },
        }),
        (replyTo) => ({ n: 1, replyTo }),
      );
      expect(pong).toBe(1);
      // Lost, not shut down: its actors do not exit, their node just vanishes.
      await transports[1]!.close();
      await until(() => downs.length === 1 && exits.length === 1, 'the down and the exit');
      expect(downs[0]!.reason).toBe('noconnection');
      expect(downs[0]!.ref.equals(target)).toBe(true);
      expect(exits[0]!.reason).toBe('noconnection');
      expect(s1!.isAlive(watcher)).toBe(true);
    });

    it('answers an ask across nodes, and times out with AskTimeoutError when nobody replies', async () => {
      const [s1, s2] = await systemsOn(['a', 'b']);
      const doubler = s2!.spawn<Req, undefined>({
        receive(_s, m, ctx) {
          ctx.send(m.replyTo, m.n * 2);
          return undefined;
        },
      });
      expect(await s1!.ask<Req, number>(doubler, (replyTo) => ({ n: 21, replyTo }))).toBe(42);
      const silent = s2!.spawn<Req, undefined>({ receive: () => undefined });
      const t0 = systemClock.now();
      const err = await s1!
        .ask<Req, number>(silent, (replyTo) => ({ n: 1, replyTo }), 200)
        .catch((e) => e);
      expect(err).toBeInstanceOf(AskTimeoutError);
      expect(err).toMatchObject({ message: `ask to ${silent} got no reply within 200 ms` });
      expect(systemClock.now() - t0).toBeGreaterThanOrEqual(190);
    });

    it('fails an ask with NodeDownError well under its timeout when the node is gone', async () => {
      const [s1, s2] = await systemsOn(['a', 'b']);
      const silent = s2!.spawn<Req, undefined>({ receive: () => undefined });
      const echo = s2!.spawn<Req, undefined>({
        receive(_s, m, ctx) {
          ctx.send(m.replyTo, m.n);
          return undefined;
        },
      });
      expect(await s1!.ask<Req, number>(echo, (replyTo) => ({ n: 3, replyTo }))).toBe(3);
      const timeoutMs = 10_000;
      let t0 = systemClock.now();
      const waiting = s1!
        .ask<Req, number>(silent, (replyTo) => ({ n: 1, replyTo }), timeoutMs)
        .catch((e) => e);
      await sleep(systemClock, 20);
      await transports[1]!.close();
      const lost = await waiting;
      expect(lost).toBeInstanceOf(NodeDownError);
      expect(lost).toMatchObject({ code: 'unavailable', node: 'b' });
      expect(systemClock.now() - t0).toBeLessThan(2000);

      t0 = systemClock.now();
      const after = await s1!
        .ask<Req, number>(echo, (replyTo) => ({ n: 1, replyTo }), timeoutMs)
        .catch((e) => e);
      expect(after).toBeInstanceOf(NodeDownError);
      const never = await s1!
        .askNamed<Req, number>('svc', (replyTo) => ({ n: 1, replyTo }), timeoutMs, 'never-started')
        .catch((e) => e);
      expect(never).toBeInstanceOf(NodeDownError);
      expect(never).toMatchObject({ node: 'never-started' });
      expect(systemClock.now() - t0).toBeLessThan(2000);
    });
  });
}
