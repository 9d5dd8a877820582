/**
 * A cuttable TCP proxy on loopback for partition tests: point a client at
 * `127.0.0.1:proxy.port` instead of the server, then `cut()` and `heal()`
 * the link between them.
 *
 * Modes of `cut()`:
 * - default (a hard cut, as a crashed peer or a reset link): every open
 *   connection is reset (RST on both sides) and new ones are accepted and
 *   reset at once, until `heal()`. The client sees an error promptly.
 * - `{ blackhole: true }` (a real partition): sockets stay open and nothing
 *   is closed, but no byte is forwarded either way; new connections are
 *   accepted and held without a connection to the target. The client sees no
 *   close, only silence, until its own timeouts fire. On `heal()` forwarding
 *   resumes *with* the bytes sent meanwhile (TCP retransmits across a healed
 *   partition, so nothing is lost while the connection itself lives), and held
 *   connections are connected to the target.
 *
 * Invariants: bytes of one connection are forwarded in order and never
 * duplicated; a connection closed on one side is closed on the other (half
 * close is kept); `connections` counts the client connections open now;
 * `close()` resets everything and stops listening.
 */
import { createConnection, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  /** The proxy's port on 127.0.0.1. */
  readonly port: number;
  /** Client connections open now (including ones held by a black hole). */
  readonly connections: number;
  /** Whether the link is cut (either mode). */
  readonly isCut: boolean;
  /** Cuts the link: resets every connection (default) or silences them (`blackhole`). */
  cut(options?: { blackhole?: boolean }): void;
  /** Restores forwarding; new connections go through again. */
  heal(): void;
  /** Resets every connection and stops listening. */
  close(): Promise<void>;
}

type State = 'open' | 'cut' | 'blackhole';

interface Link {
  readonly client: Socket;
  /** The connection to the target; absent while a black hole holds a new client. */
  upstream?: Socket;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let state: State = 'open';
  const links = new Set<Link>();

  const reset = (link: Link) => {
    links.delete(link);
    link.client.resetAndDestroy();
    link.upstream?.resetAndDestroy();
  };

  const connectUpstream = (link: Link) => {
    const upstream = createConnection({
      host: target.host,
      port: target.port,
      allowHalfOpen: true,
    });
    link.upstream = upstream;
    upstream.setNoDelay(true);
    // The target refused or reset us: the client sees a reset, as from the server itself.
    upstream.on('error', () => reset(link));
    upstream.once('connect', () => {
      forward(link.client, upstream);
      forward(upstream, link.client);
      if (state === 'open') link.client.resume();
      else upstream.pause();
    });
  };

  /** One direction, in order; pauses the source while the sink is full or the link black-holed. */
  const forward = (from: Socket, to: Socket) => {
    from.on('data', (chunk: Buffer) => {
      if (!to.write(chunk)) from.pause();
    });
    to.on('drain', () => {
      if (state === 'open') from.resume();
    });
    from.once('end', () => to.end());
  };

  const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) => {
    if (state === 'cut') {
      client.resetAndDestroy();
      return;
    }
    client.setNoDelay(true);
    const link: Link = { client };
    links.add(link);
    client.on('error', () => reset(link));
    client.once('close', () => {
      links.delete(link);
      // A clean close was already passed on as FIN (forward's 'end'); let it flush.
      if (link.upstream && !link.upstream.writableEnded) link.upstream.destroy();
    });
    if (state === 'open') connectUpstream(link);
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', fail);
      done();
    });
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('tcp proxy has no port');

  return {
    port: address.port,
    get connections() {
      return links.size;
    },
    get isCut() {
      return state !== 'open';
    },
    cut(options = {}) {
      if (options.blackhole) {
        state = 'blackhole';
        for (const link of links) {
          link.client.pause();
          link.upstream?.pause();
        }
      } else {
        state = 'cut';
        for (const link of [...links]) reset(link);
      }
    },
    heal() {
      if (state === 'open') return;
      state = 'open';
      for (const link of links) {
        if (!link.upstream) connectUpstream(link);
        else if (!link.upstream.connecting) {
          link.client.resume();
          link.upstream.resume();
        }
      }
    },
    async close() {
      state = 'cut';
      for (const link of [...links]) reset(link);
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
