/**
 * The cuttable TCP proxy against a plain echo server on loopback: bytes flow
 * both ways in order, a hard cut resets connections and refuses new ones, a
 * black hole silences connections without closing them and delivers what was
 * sent once healed, and close() stops listening. Then the same with a real
 * nats-server and client behind it.
 */
import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { type NatsConnection, connect as natsConnect, StringCodec } from 'nats';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { type NatsServer, startNatsServer } from './nats-server.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

const sc = StringCodec();

let echo: Server;
let echoPort: number;
/** Connections the echo server has accepted so far. */
let accepted: number;
let proxy: TcpProxy;

beforeEach(async () => {
  accepted = 0;
  echo = createServer({ allowHalfOpen: true }, (socket) => {
    accepted++;
    socket.on('error', () => {});
    socket.pipe(socket);
  });
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  echoPort = (echo.address() as { port: number }).port;
  proxy = await startTcpProxy({ host: '127.0.0.1', port: echoPort });
});

afterEach(async () => {
  await proxy.close();
  echo.close();
});

/** A client of the proxy that records what it received and how it ended. */
async function connect(): Promise<{
  socket: Socket;
  received: () => string;
  closed: Promise<{ error?: string }>;
}> {
  const socket = createConnection({ host: '127.0.0.1', port: proxy.port });
  let data = '';
  let error: string | undefined;
  socket.on('data', (chunk) => {
    data += chunk.toString();
  });
  socket.on('error', (err: NodeJS.ErrnoException) => {
    error = err.code;
  });
  // Not events.once: it would reject on the 'error' that precedes a reset's 'close'.
  const closed = new Promise<{ error?: string }>((done) =>
    socket.once('close', () => done({ error })),
  );
  await once(socket, 'connect');
  return { socket, received: () => data, closed };
}

async function until(what: () => boolean, label: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!what()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((done) => setTimeout(done, 5));
  }
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

test('forwards bytes both ways in order and counts open connections', async () => {
  const a = await connect();
  const b = await connect();
  await until(() => proxy.connections === 2, 'two connections');
  const lines = Array.from({ length: 200 }, (_, i) => `line ${i}\n`).join('');
  a.socket.write(lines);
  b.socket.write('hello b');
  await until(() => a.received() === lines, 'a echoed');
  await until(() => b.received() === 'hello b', 'b echoed');
  a.socket.end();
  expect(await a.closed).toEqual({ error: undefined });
  await until(() => proxy.connections === 1, 'one connection left');
});

test('keeps a half close: the client ends, the server still answers it', async () => {
  const a = await connect();
  a.socket.end('last words');
  await until(() => a.received() === 'last words', 'the answer after end');
  expect(await a.closed).toEqual({ error: undefined });
});

test('cut() resets open connections and refuses new ones until heal()', async () => {
  const a = await connect();
  a.socket.write('before');
  await until(() => a.received() === 'before', 'echo before the cut');
  proxy.cut();
  expect(proxy.isCut).toBe(true);
  expect(await a.closed).toEqual({ error: 'ECONNRESET' });
  expect(proxy.connections).toBe(0);

  const refused = createConnection({ host: '127.0.0.1', port: proxy.port });
  const refusedWith = await new Promise<string>((done) => {
    refused.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
    refused.once('close', () => done('closed without error'));
  });
  expect(refusedWith).toBe('ECONNRESET');
  const acceptedBeforeHeal = accepted;
  expect(acceptedBeforeHeal).toBe(1);

  proxy.heal();
  const b = await connect();
  b.socket.write('after');
  await until(() => b.received() === 'after', 'echo after heal');
  expect(accepted).toBe(2);
  b.socket.destroy();
});

test('cut({ blackhole: true }) silences connections without closing them; heal() delivers what was sent meanwhile', async () => {
  const a = await connect();
  a.socket.write('one ');
  await until(() => a.received() === 'one ', 'echo before the partition');
  proxy.cut({ blackhole: true });
  a.socket.write('two ');
  a.socket.write('three');
  await sleep(150);
  // Nothing arrives and nothing closes: a partition, not a crash.
  expect(a.received()).toBe('one ');
  expect(a.socket.destroyed).toBe(false);
  expect(proxy.connections).toBe(1);

  // A new client gets a connection that is held: the server never sees it.
  const b = await connect();
  b.socket.write('from b');
  await sleep(100);
  expect(accepted).toBe(1);
  expect(b.received()).toBe('');
  expect(proxy.connections).toBe(2);

  proxy.heal();
  await until(() => a.received() === 'one two three', 'the bytes of the partition, in order');
  await until(() => b.received() === 'from b', 'the held connection forwarded');
  expect(accepted).toBe(2);
  a.socket.destroy();
  b.socket.destroy();
});

test('a hard cut after a black hole resets the held connections too', async () => {
  proxy.cut({ blackhole: true });
  const a = await connect();
  proxy.cut();
  expect(await a.closed).toEqual({ error: 'ECONNRESET' });
  expect(accepted).toBe(0);
});

test('a reset by the server is passed on to the client', async () => {
  echo.removeAllListeners('connection');
  echo.on('connection', (socket: Socket) => {
    accepted++;
    socket.resetAndDestroy();
  });
  const a = await connect();
  expect(await a.closed).toEqual({ error: 'ECONNRESET' });
  await until(() => proxy.connections === 0, 'the link dropped');
});

test('close() resets every connection and stops listening', async () => {
  const a = await connect();
  await proxy.close();
  expect(await a.closed).toEqual({ error: 'ECONNRESET' });
  const late = createConnection({ host: '127.0.0.1', port: proxy.port });
  const [err] = (await once(late, 'error')) as [NodeJS.ErrnoException];
  expect(err.code).toBe('ECONNREFUSED');
});

describe('with a real nats-server behind it', () => {
  let nats: NatsServer;
  let natsProxy: TcpProxy;
  const clients: NatsConnection[] = [];
  beforeAll(async () => {
    nats = await startNatsServer();
  });
  afterAll(async () => {
    await nats?.stop();
  });
  beforeEach(async () => {
    natsProxy = await startTcpProxy({ host: '127.0.0.1', port: nats.port });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close().catch(() => {});
    await natsProxy.close();
  });

  async function natsClient(port: number): Promise<{ nc: NatsConnection; events: string[] }> {
    const nc = await natsConnect({
      servers: `nats://127.0.0.1:${port}`,
      reconnectTimeWait: 50,
      maxReconnectAttempts: -1,
      pingInterval: 60_000,
    });
    clients.push(nc);
    const events: string[] = [];
    void (async () => {
      for await (const s of nc.status()) events.push(s.type);
    })();
    return { nc, events };
  }

  /** A direct subscriber (not through the proxy) collecting what arrives on `subject`. */
  async function listen(subject: string): Promise<string[]> {
    const { nc } = await natsClient(nats.port);
    const got: string[] = [];
    const sub = nc.subscribe(subject);
    void (async () => {
      for await (const m of sub) got.push(sc.decode(m.data));
    })();
    await nc.flush();
    return got;
  }

  test('messages flow through the proxy; cut() disconnects the client, heal() lets it reconnect', async () => {
    const got = await listen('p.cut');
    const { nc, events } = await natsClient(natsProxy.port);
    nc.publish('p.cut', sc.encode('1'));
    await nc.flush();
    await until(() => got.length === 1, 'the first message');
    natsProxy.cut();
    await until(() => events.includes('disconnect'), 'the client to see the cut');
    await sleep(200);
    expect(events).not.toContain('reconnect');
    natsProxy.heal();
    await until(() => events.includes('reconnect'), 'the client to reconnect after heal', 5000);
    nc.publish('p.cut', sc.encode('2'));
    await nc.flush();
    await until(() => got.length === 2, 'a message after heal');
    expect(got).toEqual(['1', '2']);
  });

  test('a black hole holds what the client publishes, without a disconnect, until heal()', async () => {
    const got = await listen('p.hole');
    const { nc, events } = await natsClient(natsProxy.port);
    nc.publish('p.hole', sc.encode('before'));
    await nc.flush();
    await until(() => got.length === 1, 'the message before the partition');
    natsProxy.cut({ blackhole: true });
    nc.publish('p.hole', sc.encode('during'));
    await sleep(300);
    expect(got).toEqual(['before']);
    expect(events).not.toContain('disconnect');
    natsProxy.heal();
    await until(() => got.length === 2, 'the held message after heal');
    expect(got).toEqual(['before', 'during']);
  });
});
