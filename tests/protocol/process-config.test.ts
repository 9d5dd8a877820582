/**
 * PROTOCOL.md "Connecting" and "HTTP" rules about how `npm start` is
 * configured, checked on real processes:
 * - without `PARLEY_JWT_SECRET` the server makes a random secret, logs that
 *   only dev tokens will work, and then only its own dev tokens open a socket;
 * - dev tokens are on by default on loopback, and `PARLEY_DEV_TOKENS=0` turns
 *   the route off;
 * - a graceful restart on the same `PARLEY_DATA_DIR` finds everything stored.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { signDevToken } from '../../actors/protocol/index.ts';
import {
  type ServerProcess,
  startServerProcess,
  TEST_JWT_SECRET,
} from '../support/server-process.ts';
import { refusedUpgrade, WsClient } from '../support/ws-client.ts';
import { isType, text } from './harness.ts';

const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
});

async function start(...args: Parameters<typeof startServerProcess>): Promise<ServerProcess> {
  const s = await startServerProcess(...args);
  servers.push(s);
  return s;
}

async function devToken(server: ServerProcess, user: string): Promise<Response> {
  return fetch(`${server.httpUrl}/api/v1/dev/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user, device: 'd1' }),
  });
}

describe('npm start configuration', () => {
  it('without PARLEY_JWT_SECRET: warns, accepts its own dev tokens, refuses tokens signed elsewhere', async () => {
    const server = await start({ secret: null });
    expect(server.output).toMatch(/PARLEY_JWT_SECRET is not set/);
    const res = await devToken(server, 'alice');
    expect(res.status).toBe(200);
    const { token } = (await res.json()) as { token: string };
    const c = await WsClient.open(server.url, { token });
    expect(await c.waitFor(isType('welcome'))).toMatchObject({ user: 'alice', device: 'd1' });
    c.terminate();
    const foreign = await signDevToken(TEST_JWT_SECRET, 'alice');
    expect((await refusedUpgrade(server.url, { token: foreign })).status).toBe(401);
  });

  it('serves no dev tokens with PARLEY_DEV_TOKENS=0', async () => {
    const server = await start({ env: { PARLEY_DEV_TOKENS: '0' } });
    const res = await devToken(server, 'alice');
    expect(res.status).not.toBe(200);
    expect(res.status).toBeGreaterThanOrEqual(400);
  });

  it('finds every stored message after a graceful restart on the same data directory', async () => {
    const server = await start();
    const open = async (user: string) => {
      const c = await WsClient.open(server.url, {
        token: await signDevToken(server.secret, user),
      });
      await c.waitFor(isType('welcome'));
      return c;
    };
    const a = await open('alice');
    for (const id of ['m1', 'm2', 'm3']) {
      a.send({ type: 'message', id, to: 'bob', content: text(id) });
      await a.waitFor(isType('ack', { id, status: 'sent' }));
    }
    const before = await a.request({ type: 'history', with: 'bob' });
    a.terminate();
    await server.restart();
    const a2 = await open('alice');
    const after = await a2.request({ type: 'history', with: 'bob' });
    expect(after.messages).toEqual(before.messages);
    const b = await open('bob');
    const got = await b.waitForCount(isType('message'), 3);
    expect(got.map((m) => m.id)).toEqual(['m1', 'm2', 'm3']);
    a2.terminate();
    b.terminate();
  });
});
