/**
 * The redis-server harness against the real server and `ioredis`: loopback
 * only, outside the ephemeral range, nothing persisted (a restart on the same
 * port comes back empty, and the client reconnects), kill as a crash, a busy
 * explicit port reported with its number, and nothing left after stop().
 */
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, expect, test } from 'vitest';
import { ephemeralRange } from '../setup/free-port.ts';
import { alive } from '../setup/lock.ts';
import { ensureRedisServer, type RedisServer, startRedisServer } from './redis-server.ts';

const servers: RedisServer[] = [];
const clients: Redis[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  for (const s of servers.splice(0)) await s.stop();
});

async function start(options?: Parameters<typeof startRedisServer>[0]): Promise<RedisServer> {
  const server = await startRedisServer(options);
  servers.push(server);
  return server;
}

function client(url: string): Redis {
  const redis = new Redis(url, { retryStrategy: () => 50, maxRetriesPerRequest: 50 });
  // Refused connections while the server is down are expected here; ioredis retries.
  redis.on('error', () => {});
  clients.push(redis);
  return redis;
}

/** Home folders of this process's servers (`parley-redis-*` whose owner.pid is us). */
async function ownHomes(): Promise<string[]> {
  const mine: string[] = [];
  for (const name of await readdir(tmpdir())) {
    if (!name.startsWith('parley-redis-')) continue;
    const owner = await readFile(join(tmpdir(), name, 'owner.pid'), 'utf8').catch(() => '');
    if (owner === String(process.pid)) mine.push(name);
  }
  return mine;
}

test('ensureRedisServer returns the installed binary', async () => {
  expect(await ensureRedisServer()).toMatch(/\/redis-server$/);
});

test('starts on 127.0.0.1 outside the ephemeral range and stores values', async () => {
  const server = await start();
  const [low, high] = ephemeralRange();
  expect(server.port < low || server.port > high).toBe(true);
  expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
  const redis = client(server.url);
  await redis.set('k', 'v');
  expect(await redis.get('k')).toBe('v');
  expect(await redis.config('GET', 'bind')).toEqual(['bind', '127.0.0.1']);
  expect(await redis.config('GET', 'save')).toEqual(['save', '']);
  expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
});

test('restart() keeps the port and comes back empty; the client reconnects', async () => {
  const server = await start();
  const redis = client(server.url);
  await redis.set('k', 'v');
  const firstPid = server.pid;
  await server.restart();
  expect(server.pid).not.toBe(firstPid);
  expect(alive(firstPid)).toBe(false);
  expect(await redis.get('k')).toBe(null);
  await redis.set('k', 'again');
  expect(await redis.get('k')).toBe('again');
});

test('kill() is a crash; restart() brings the server back', async () => {
  const server = await start();
  const redis = client(server.url);
  await redis.ping();
  const pid = server.pid;
  server.kill();
  await expect.poll(() => alive(pid)).toBe(false);
  await server.restart();
  expect(await redis.ping()).toBe('PONG');
});

test('an explicit port that is busy fails with the port and the reason', async () => {
  const blocker = createServer();
  await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
  const port = (blocker.address() as { port: number }).port;
  try {
    await expect(startRedisServer({ port })).rejects.toThrow(
      `redis (${await ensureRedisServer()}) did not start after 1 attempt(s):\n  attempt 1 on port ${port}: exited (code 1) before it was ready: port already in use`,
    );
  } finally {
    blocker.close();
  }
});

test('stop() ends the process and removes its folder', async () => {
  const before = await ownHomes();
  const server = await startRedisServer();
  expect((await ownHomes()).length).toBe(before.length + 1);
  const { pid } = server;
  await server.stop();
  expect(alive(pid)).toBe(false);
  expect(await ownHomes()).toEqual(before);
});
