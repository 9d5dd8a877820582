/**
 * The nats-server harness against the real server and the `nats` client:
 * loopback only, outside the ephemeral range, restart on the same port (the
 * client reconnects), kill as a crash, max_payload applied, a busy explicit
 * port reported with its number, and nothing left after stop().
 */
import { createServer } from 'node:net';
import { connect, type NatsConnection, StringCodec } from 'nats';
import { afterEach, expect, test } from 'vitest';
import { ephemeralRange } from '../setup/free-port.ts';
import { alive } from '../setup/lock.ts';
import { ensureNatsServer, type NatsServer, startNatsServer } from './nats-server.ts';

const sc = StringCodec();
const servers: NatsServer[] = [];
const clients: NatsConnection[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => {});
  for (const s of servers.splice(0)) await s.stop();
});

async function start(options?: Parameters<typeof startNatsServer>[0]): Promise<NatsServer> {
  const server = await startNatsServer(options);
  servers.push(server);
  return server;
}

async function client(url: string): Promise<NatsConnection> {
  const nc = await connect({
    servers: url,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 50,
  });
  clients.push(nc);
  return nc;
}

/** Publishes on a fresh subject and waits for it to come back through a subscription. */
async function roundTrip(nc: NatsConnection, text: string): Promise<string> {
  const subject = `t.${Math.random().toString(36).slice(2)}`;
  const sub = nc.subscribe(subject, { max: 1 });
  await nc.flush();
  nc.publish(subject, sc.encode(text));
  for await (const msg of sub) return sc.decode(msg.data);
  throw new Error('subscription ended without a message');
}

async function until(what: () => boolean, label: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!what()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((done) => setTimeout(done, 10));
  }
}

test('ensureNatsServer returns the installed binary', async () => {
  expect(await ensureNatsServer()).toMatch(/\/nats-server$/);
});

test('starts on 127.0.0.1 outside the ephemeral range and carries messages', async () => {
  const server = await start();
  const [low, high] = ephemeralRange();
  expect(server.port < low || server.port > high).toBe(true);
  expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
  expect(alive(server.pid)).toBe(true);
  const nc = await client(server.url);
  expect(nc.info?.host).toBe('127.0.0.1');
  expect(await roundTrip(nc, 'hello')).toBe('hello');
});

test('two servers started at once get different ports', async () => {
  const [a, b] = await Promise.all([start(), start()]);
  expect(a.port).not.toBe(b.port);
  expect(a.pid).not.toBe(b.pid);
});

test('restart() keeps the port: a connected client reconnects to the same URL', async () => {
  const server = await start();
  const nc = await client(server.url);
  expect(await roundTrip(nc, 'before')).toBe('before');
  const events: string[] = [];
  void (async () => {
    for await (const s of nc.status()) events.push(s.type);
  })();
  const firstPid = server.pid;
  await server.restart();
  expect(server.pid).not.toBe(firstPid);
  expect(alive(firstPid)).toBe(false);
  await until(() => events.includes('reconnect'), 'the client to reconnect');
  expect(events).toContain('disconnect');
  expect(await roundTrip(nc, 'after')).toBe('after');
});

test('kill() is a crash; restart() brings the server back', async () => {
  const server = await start();
  const nc = await client(server.url);
  const events: string[] = [];
  void (async () => {
    for await (const s of nc.status()) events.push(s.type);
  })();
  const pid = server.pid;
  server.kill();
  await until(() => !alive(pid), 'the process to die');
  await until(() => events.includes('disconnect'), 'the client to see the crash');
  await server.restart();
  await until(() => events.includes('reconnect'), 'the client to reconnect');
  expect(await roundTrip(nc, 'back')).toBe('back');
});

test('maxPayload sets the server max_payload; a larger publish is refused by the client', async () => {
  const server = await start({ maxPayload: 4096 });
  const nc = await client(server.url);
  expect(nc.info?.max_payload).toBe(4096);
  expect(() => nc.publish('big', new Uint8Array(4097))).toThrow(/MAX_PAYLOAD_EXCEEDED/);
  expect(await roundTrip(nc, 'x'.repeat(1000))).toBe('x'.repeat(1000));
});

test('an explicit port that is busy fails with the port and the reason', async () => {
  const blocker = createServer();
  await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
  const port = (blocker.address() as { port: number }).port;
  try {
    await expect(startNatsServer({ port })).rejects.toThrow(
      `nats (${await ensureNatsServer()}) did not start after 1 attempt(s):\n  attempt 1 on port ${port}: exited (code 1) before it was ready: port already in use`,
    );
  } finally {
    blocker.close();
  }
});

test('a bad maxPayload is refused naming the value', async () => {
  await expect(startNatsServer({ maxPayload: -1 })).rejects.toThrow(
    'maxPayload must be a positive integer of bytes, got -1',
  );
});

test('stop() ends the process and frees the port; a second stop() is a no-op', async () => {
  const server = await startNatsServer();
  const { pid, port } = server;
  await server.stop();
  await server.stop();
  expect(alive(pid)).toBe(false);
  const probe = createServer();
  await new Promise<void>((done, fail) => {
    probe.once('error', fail);
    probe.listen(port, '127.0.0.1', done);
  });
  probe.close();
  await expect(server.restart()).rejects.toThrow(
    `nats on port ${port} was stopped; start a new one`,
  );
});
