/**
 * Push notifications in the real server process (`bin/parley.ts`, the
 * single node): settings read from the environment, the VAPID key pair made
 * once in `PARLEY_DATA_DIR/vapid.json` (mode 0600) and kept across a
 * restart, and an offline user's push received and decrypted by the
 * loopback push service. A bad push setting is one line and exit code 2.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '../actors/protocol/index.ts';
import { LoopbackPushService } from './support/push-service.ts';
import {
  type ServerProcess,
  startServerProcess,
  TEST_JWT_SECRET,
} from './support/server-process.ts';
import { WsClient } from './support/ws-client.ts';

let server: ServerProcess;
let service: LoopbackPushService;

beforeAll(async () => {
  service = await LoopbackPushService.start();
  server = await startServerProcess({
    env: { PARLEY_PUSH_ALLOW_HTTP: '1', PARLEY_PUSH_COALESCE_MS: '0', PARLEY_ADMIN_PORT: '0' },
  });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await service?.close();
});

async function open(user: string): Promise<WsClient> {
  const c = await WsClient.open(server.url, {
    token: await signDevToken(TEST_JWT_SECRET, user, 'd1'),
  });
  await c.waitFor((f) => f.type === 'welcome');
  return c;
}

describe('push in the server process', () => {
  it('keeps its VAPID pair in the data directory, and pushes to an offline user', async () => {
    const file = join(server.dataDir, 'vapid.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const kept = JSON.parse(readFileSync(file, 'utf8')) as { publicKey: string };
    const served = (await (await fetch(`${server.httpUrl}/api/v1/push/vapid`)).json()) as {
      publicKey: string;
    };
    expect(served.publicKey).toBe(kept.publicKey);

    const sub = service.subscribe();
    const bob = await open('pbob');
    bob.send({ type: 'push.subscribe', ref: 's', subscription: sub });
    await bob.waitFor((f) => f.type === 'push.subscribed');
    const alice = await open('palice');
    alice.send({ type: 'presence.subscribe', users: ['pbob'] });
    await alice.waitFor((f) => f.type === 'presence' && f.online === true);
    await bob.close();
    await alice.waitFor((f) => f.type === 'presence' && f.online === false);
    await new Promise((r) => setTimeout(r, 100));
    alice.send({ type: 'message', id: 'p1', to: 'pbob', content: { type: 'text', body: 'hi' } });
    await alice.waitFor((f) => f.type === 'ack' && f.id === 'p1');
    const push = await service.waitFor((p) => p.id === sub.id, 10_000);
    expect(push.payload).toMatchObject({
      title: 'palice',
      body: 'New message',
      data: { id: 'p1' },
    });
    expect(push.vapid.k).toBe(kept.publicKey);
    await alice.close();

    await server.restart();
    const again = (await (await fetch(`${server.httpUrl}/api/v1/push/vapid`)).json()) as {
      publicKey: string;
    };
    expect(again.publicKey).toBe(kept.publicKey);
  });

  it('refuses half a webhook setting with one line and exit code 2', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bin/parley.ts'], {
      env: { ...process.env, PORT: '0', PARLEY_PUSH_WEBHOOK_URL: 'https://relay.example/hook' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe(
      'parley: PARLEY_PUSH_WEBHOOK_URL and PARLEY_PUSH_WEBHOOK_SECRET go together: set both or neither',
    );
  });
});
