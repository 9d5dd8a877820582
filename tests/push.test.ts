/**
 * Push notifications end to end on real nodes (in-process `startNode`, LMDB,
 * the real edge) against the loopback Web Push service
 * (`support/push-service.ts`), which checks VAPID and decrypts every push
 * with the subscription's own keys: so encryption, signing and the payload
 * are checked for real. Then the same on two nodes sharing a store (a
 * subscription made on one node is served by the other), and the webhook
 * provider against a relay on loopback that checks the signature.
 */
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatNode, startNode } from '../actors/node.ts';
import { MemoryPresence } from '../actors/presence/index.ts';
import { signDevToken } from '../actors/protocol/index.ts';
import { loadVapidKeys } from '../actors/push/index.ts';
import { functionPlacement } from '../actors/virtual/index.ts';
import { InProcessNetwork, systemClock } from '../runtime/index.ts';
import { openFsBlobStore, openLmdbStore, type Store } from '../store/index.ts';
import { LoopbackPushService, type ReceivedPush } from './support/push-service.ts';
import { TEST_JWT_SECRET } from './support/server-process.ts';
import { WsClient } from './support/ws-client.ts';

const logger = pino({ level: 'warn' });
let counter = 0;
const fresh = (name: string) => `${name}${++counter}x${process.pid}`;

async function connect(node: ChatNode, user: string, device = 'd1'): Promise<WsClient> {
  const token = await signDevToken(TEST_JWT_SECRET, user, device);
  const client = await WsClient.open(`ws://127.0.0.1:${node.port}/ws`, { token });
  await client.waitFor((f) => f.type === 'welcome');
  return client;
}

/** Closes `client` and waits until presence has `user` offline (the session detached). */
async function goOffline(node: ChatNode, client: WsClient, user: string): Promise<void> {
  await client.close();
  for (let i = 0; i < 100; i++) {
    const [state] = await node.presence.get([user]);
    if (state?.online === false) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  // The edge goes offline in presence and detaches from the user actor in the same close.
  await new Promise((r) => setTimeout(r, 50));
}

async function sendText(client: WsClient, to: string, body: string): Promise<string> {
  const id = fresh('m');
  client.send({ type: 'message', id, to, content: { type: 'text', body } });
  await client.waitFor((f) => f.type === 'ack' && f.id === id && f.status === 'sent');
  return id;
}

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`not within 3 s: ${what}`);
}

describe('push notifications on one node', () => {
  let dir: string;
  let node: ChatNode;
  let service: LoopbackPushService;
  const http = () => `http://127.0.0.1:${node.port}`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-push-'));
    service = await LoopbackPushService.start();
    node = await startNode({
      port: 0,
      dataDir: dir,
      jwtSecret: TEST_JWT_SECRET,
      devTokens: true,
      logger,
      push: {
        vapid: loadVapidKeys({ dataDir: dir }),
        config: { allowHttp: true, coalesceMs: 0, backoffBaseMs: 20 },
      },
    });
  });
  afterAll(async () => {
    await node?.close();
    await service?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('an offline user subscribed with the frame gets an encrypted, VAPID-signed 1:1 push without the body', async () => {
    const [alice, bob] = [fresh('alice'), fresh('bob')];
    const sub = service.subscribe();
    const b = await connect(node, bob);
    b.send({ type: 'push.subscribe', ref: 'r1', subscription: sub });
    const subscribed = await b.waitFor((f) => f.type === 'push.subscribed');
    expect(subscribed).toEqual({ type: 'push.subscribed', ref: 'r1', id: expect.any(String) });
    await goOffline(node, b, bob);

    const a = await connect(node, alice);
    const id = await sendText(a, bob, 'the secret plan');
    const push = await service.waitFor((p) => p.id === sub.id);
    expect(push.payload).toEqual({
      title: alice,
      body: 'New message',
      tag: `parley:u:${alice}`,
      data: { from: alice, id, seq: expect.any(Number), conversation: `u:${alice}`, count: 1 },
    });
    expect(push.text).not.toContain('secret');
    expect(push.vapid.k).toBe(node.push!.vapidPublicKey);
    expect(push.vapid.aud).toBe(service.origin);
    expect(push.vapid.sub).toBe('mailto:parley@localhost');
    expect(push.headers.urgency).toBe('high');
    expect(push.headers.topic).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
    expect(service.refused).toEqual([]);
    await a.close();
  });

  it('a subscription made over HTTP with previews shows a text body; the VAPID key is public', async () => {
    const [alice, bob] = [fresh('alice'), fresh('bob')];
    const vapid = await fetch(`${http()}/api/v1/push/vapid`);
    expect(vapid.status).toBe(200);
    expect(await vapid.json()).toEqual({ publicKey: node.push!.vapidPublicKey });

    const sub = service.subscribe();
    const token = await signDevToken(TEST_JWT_SECRET, bob, 'd1');
    const res = await fetch(`${http()}/api/v1/push/subscriptions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ subscription: sub, previews: true }),
    });
    expect(res.status).toBe(201);
    const { id: subId } = (await res.json()) as { id: string };
    expect((await node.store.listPushSubscriptions(bob)).map((s) => s.id)).toEqual([subId]);

    const a = await connect(node, alice);
    await sendText(a, bob, 'lunch at noon?');
    const push = await service.waitFor((p) => p.id === sub.id);
    expect(push.payload).toMatchObject({ title: alice, body: 'lunch at noon?' });

    const del = await fetch(`${http()}/api/v1/push/subscriptions/${subId}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(del.status).toBe(204);
    expect(await node.store.listPushSubscriptions(bob)).toEqual([]);
    await a.close();
  });

  it('the subscription route refuses a missing token (401), a bad body (400) and a non-JSON type (415)', async () => {
    const url = `${http()}/api/v1/push/subscriptions`;
    const json = { 'Content-Type': 'application/json' };
    expect((await fetch(url, { method: 'POST', headers: json, body: '{}' })).status).toBe(401);
    const token = await signDevToken(TEST_JWT_SECRET, fresh('bob'), 'd1');
    const auth = { Authorization: `Bearer ${token}` };
    const bad = await fetch(url, {
      method: 'POST',
      headers: { ...auth, ...json },
      body: JSON.stringify({
        subscription: { endpoint: 'https://x.example/1', keys: { p256dh: 'AA', auth: 'AA' } },
      }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: {
        code: 'bad_request',
        message:
          'field "subscription.keys.p256dh" must be a base64url P-256 public key (65 bytes, uncompressed), got "AA"',
      },
    });
    const text = await fetch(url, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'text/plain' },
      body: '{}',
    });
    expect(text.status).toBe(415);
    expect((await fetch(url, { method: 'GET', headers: auth })).status).toBe(405);
  });

  it('a group message to an offline member pushes "<sender> in <group name>"', async () => {
    const [alice, bob] = [fresh('alice'), fresh('bob')];
    const sub = service.subscribe();
    const b = await connect(node, bob);
    b.send({ type: 'push.subscribe', ref: 'r1', subscription: sub });
    await b.waitFor((f) => f.type === 'push.subscribed');
    await goOffline(node, b, bob);

    const a = await connect(node, alice);
    a.send({ type: 'group.create', ref: 'g1', name: 'Climbing', members: [bob] });
    const group = (await a.waitFor((f) => f.type === 'group' && f.ref === 'g1')).id as string;
    const id = fresh('m');
    a.send({ type: 'message', id, group, content: { type: 'text', body: 'rope check' } });
    await a.waitFor((f) => f.type === 'ack' && f.id === id);
    const push = await service.waitFor((p) => p.id === sub.id);
    expect(push.payload).toEqual({
      title: `${alice} in Climbing`,
      body: 'New message',
      tag: `parley:g:${group}`,
      data: {
        from: alice,
        group,
        id,
        seq: expect.any(Number),
        conversation: `g:${group}`,
        count: 1,
      },
    });
    await a.close();
  });

  it('a connected user gets the message and no push', async () => {
    const [alice, bob] = [fresh('alice'), fresh('bob')];
    const sub = service.subscribe();
    const b = await connect(node, bob);
    b.send({ type: 'push.subscribe', ref: 'r1', subscription: sub });
    await b.waitFor((f) => f.type === 'push.subscribed');
    const a = await connect(node, alice);
    const id = await sendText(a, bob, 'are you there');
    await b.waitFor((f) => f.type === 'message' && f.id === id);
    await new Promise((r) => setTimeout(r, 300));
    expect(service.received.filter((p) => p.id === sub.id)).toEqual([]);
    await a.close();
    await b.close();
  });

  it('a subscription its push service calls gone (410) is deleted', async () => {
    const [alice, bob] = [fresh('alice'), fresh('bob')];
    const sub = service.subscribe();
    const b = await connect(node, bob);
    b.send({ type: 'push.subscribe', subscription: sub });
    await b.waitFor((f) => f.type === 'push.subscribed');
    await goOffline(node, b, bob);
    expect(await node.store.listPushSubscriptions(bob)).toHaveLength(1);
    service.markGone(sub.id);
    const a = await connect(node, alice);
    await sendText(a, bob, 'hello?');
    await eventually(
      async () => (await node.store.listPushSubscriptions(bob)).length === 0,
      'the gone subscription deleted',
    );
    await a.close();
  });

  it('a 503 from the push service is retried until it takes the push', async () => {
    const [alice, bob] = [fresh('alice'), fresh('bob')];
    const sub = service.subscribe();
    service.respond(sub.id, 503, 503);
    const b = await connect(node, bob);
    b.send({ type: 'push.subscribe', subscription: sub });
    await b.waitFor((f) => f.type === 'push.subscribed');
    await goOffline(node, b, bob);
    const a = await connect(node, alice);
    const id = await sendText(a, bob, 'third time lucky');
    const push = await service.waitFor((p) => p.id === sub.id);
    expect((push.payload.data as { id: string }).id).toBe(id);
    await a.close();
  });

  it('bad push frames are refused bad_frame and the connection stays', async () => {
    const bob = fresh('bob');
    const b = await connect(node, bob);
    b.send({
      type: 'push.subscribe',
      ref: 'w1',
      subscription: { kind: 'webhook', platform: 'apns', token: 'abc' },
    });
    const noRelay = await b.waitFor((f) => f.type === 'error' && f.ref === 'w1');
    expect(noRelay).toMatchObject({ code: 'bad_frame' });
    expect(noRelay.message).toContain('no webhook relay');
    b.send({
      type: 'push.subscribe',
      ref: 'w2',
      subscription: { endpoint: 'ftp://x/y', keys: {} },
    });
    expect(await b.waitFor((f) => f.type === 'error' && f.ref === 'w2')).toMatchObject({
      code: 'bad_frame',
      message:
        'field "subscription.endpoint" must be an https: URL without credentials, got "ftp://x/y"',
    });
    b.send({ type: 'push.unsubscribe', ref: 'w3' });
    expect(await b.waitFor((f) => f.type === 'error' && f.ref === 'w3')).toMatchObject({
      code: 'bad_frame',
    });
    const sub = service.subscribe();
    b.send({ type: 'push.subscribe', ref: 'ok', subscription: sub });
    await b.waitFor((f) => f.type === 'push.subscribed' && f.ref === 'ok');
    b.send({ type: 'push.unsubscribe', ref: 'un', endpoint: sub.endpoint });
    expect(await b.waitFor((f) => f.ref === 'un')).toEqual({
      type: 'push.unsubscribed',
      ref: 'un',
    });
    expect(await node.store.listPushSubscriptions(bob)).toEqual([]);
    await b.close();
  });
});

describe('push notifications on two nodes sharing a store', () => {
  let dir: string;
  let store: Store;
  const nodes: ChatNode[] = [];
  let service: LoopbackPushService;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-push2-'));
    service = await LoopbackPushService.start();
    store = await openLmdbStore({ path: join(dir, 'lmdb') });
    const blobs = await openFsBlobStore({ dir: join(dir, 'media') });
    const presence = new MemoryPresence({ clock: systemClock });
    const network = new InProcessNetwork();
    // Every user actor on n2: a subscription made on n1 must serve a push sent from n2.
    const placement = functionPlacement(() => 'n2');
    const vapid = loadVapidKeys({ dataDir: dir });
    for (const name of ['n1', 'n2'])
      nodes.push(
        await startNode({
          node: name,
          port: 0,
          dataDir: dir,
          jwtSecret: TEST_JWT_SECRET,
          devTokens: true,
          store,
          blobs,
          presence,
          transport: network.join(name),
          placement,
          logger,
          push: { vapid, config: { allowHttp: true, coalesceMs: 0 } },
        }),
      );
  });
  afterAll(async () => {
    for (const n of nodes) await n.close();
    await store?.close();
    await service?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a user subscribed on one node is pushed by the node that owns its actor', async () => {
    const [alice, bob] = [fresh('alice'), fresh('bob')];
    const [n1, n2] = nodes as [ChatNode, ChatNode];
    const sub = service.subscribe();
    const b = await connect(n1, bob);
    b.send({ type: 'push.subscribe', subscription: sub });
    await b.waitFor((f) => f.type === 'push.subscribed');
    await goOffline(n1, b, bob);
    const a = await connect(n1, alice);
    const id = await sendText(a, bob, 'across nodes');
    const push: ReceivedPush = await service.waitFor((p) => p.id === sub.id);
    expect(push.payload).toMatchObject({ title: alice, data: { id } });
    expect(push.vapid.k).toBe(n2.push!.vapidPublicKey);
    await a.close();
  });
});

describe('the webhook provider on a node', () => {
  const SECRET = 'relay-secret';
  let dir: string;
  let node: ChatNode;
  let relay: Server;
  const got: { body: string; signature: string; at: number }[] = [];
  const statuses: number[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-push-hook-'));
    relay = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        got.push({
          body: Buffer.concat(chunks).toString('utf8'),
          signature: String(req.headers['x-parley-signature']),
          at: Date.now(),
        });
        res.writeHead(statuses.shift() ?? 200);
        res.end();
      });
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    node = await startNode({
      port: 0,
      dataDir: dir,
      jwtSecret: TEST_JWT_SECRET,
      devTokens: true,
      logger,
      push: {
        vapid: loadVapidKeys({ dataDir: dir }),
        webhook: {
          url: `http://127.0.0.1:${(relay.address() as AddressInfo).port}/hook`,
          secret: SECRET,
        },
        config: { coalesceMs: 0, backoffBaseMs: 20 },
      },
    });
  });
  afterAll(async () => {
    await node?.close();
    relay?.closeAllConnections();
    await new Promise((r) => relay?.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it('posts the signed JSON, retries a 500, and deletes the token on 410', async () => {
    const [alice, bob] = [fresh('alice'), fresh('bob')];
    const b = await connect(node, bob);
    b.send({
      type: 'push.subscribe',
      ref: 'h',
      subscription: { kind: 'webhook', platform: 'fcm', token: 'device-token-1' },
    });
    await b.waitFor((f) => f.type === 'push.subscribed');
    await goOffline(node, b, bob);
    statuses.push(500);
    const a = await connect(node, alice);
    const id = await sendText(a, bob, 'native hello');
    await eventually(async () => got.length >= 2, 'the relay got the push and its retry');
    for (const { body, signature } of got) {
      const [t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature)!.slice(1);
      expect(createHmac('sha256', SECRET).update(`${t}.${body}`).digest('hex')).toBe(v1);
    }
    expect(JSON.parse(got[1]!.body)).toEqual({
      user: bob,
      platform: 'fcm',
      token: 'device-token-1',
      title: alice,
      body: 'New message',
      tag: `parley:u:${alice}`,
      data: { from: alice, id, seq: expect.any(Number), conversation: `u:${alice}`, count: 1 },
      ts: expect.any(Number),
    });
    statuses.push(410);
    await sendText(a, bob, 'again');
    await eventually(
      async () => (await node.store.listPushSubscriptions(bob)).length === 0,
      'the token deleted after 410',
    );
    const metrics = await node.metrics.text();
    expect(metrics).toMatch(/parley_push_sent_total\{kind="webhook"\} 1/);
    expect(metrics).toMatch(/parley_push_subscriptions_expired_total\{kind="webhook"\} 1/);
    await a.close();
  });
});
