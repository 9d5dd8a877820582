/**
 * Push notifications on a real two-node cluster (NATS, Redis, Cassandra,
 * node processes from `bin/parley.ts`): one VAPID pair given to both nodes,
 * a subscription registered on the node the user's device is on, stored in
 * Cassandra, and the push sent by the other node, which owns the user's
 * actor; the loopback push service checks VAPID and decrypts it.
 */

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import webpush from 'web-push';
import { ShardMap } from '../../cluster/index.ts';
import { startTestCluster, type TestCluster } from '../support/cluster.ts';
import { LoopbackPushService } from '../support/push-service.ts';
import { WsClient } from '../support/ws-client.ts';

const NODES = ['node-1', 'node-2'];
const shards = ShardMap.build(NODES);
const vapid = webpush.generateVAPIDKeys();

/** The first user id with `prefix` whose actor lives on `node`. */
function userOn(node: string, prefix: string): string {
  for (let i = 0; ; i++) if (shards.ownerOf(`user:${prefix}${i}`) === node) return `${prefix}${i}`;
}

let cluster: TestCluster;
let service: LoopbackPushService;

beforeAll(async () => {
  service = await LoopbackPushService.start();
  cluster = await startTestCluster({
    nodes: 2,
    cassandra: inject('cassandra'),
    env: {
      PARLEY_VAPID_PUBLIC_KEY: vapid.publicKey,
      PARLEY_VAPID_PRIVATE_KEY: vapid.privateKey,
      PARLEY_PUSH_ALLOW_HTTP: '1',
      PARLEY_PUSH_COALESCE_MS: '0',
    },
  });
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
  await service?.close();
});

async function open(node: number, user: string): Promise<WsClient> {
  const c = await WsClient.open(cluster.nodes[node - 1]!.ws, {
    token: await cluster.token(user, 'd1'),
  });
  await c.waitFor((f) => f.type === 'welcome');
  return c;
}

describe('push on a two-node cluster', () => {
  it('a subscription made on one node is pushed by the node owning the user, with the shared key', async () => {
    const bob = userOn('node-2', 'pushbob');
    const alice = userOn('node-1', 'pushalice');
    for (const node of cluster.nodes) {
      const res = await fetch(`${node.url}/api/v1/push/vapid`);
      expect(await res.json()).toEqual({ publicKey: vapid.publicKey });
    }
    const sub = service.subscribe();
    const b = await open(1, bob);
    b.send({ type: 'push.subscribe', ref: 's', subscription: sub, previews: true });
    await b.waitFor((f) => f.type === 'push.subscribed');
    const a = await open(1, alice);
    a.send({ type: 'presence.subscribe', users: [bob] });
    await a.waitFor((f) => f.type === 'presence' && f.online === true);
    await b.close();
    await a.waitFor((f) => f.type === 'presence' && f.online === false, 10_000);
    await new Promise((r) => setTimeout(r, 200));
    a.send({ type: 'message', id: 'c1', to: bob, content: { type: 'text', body: 'from afar' } });
    await a.waitFor((f) => f.type === 'ack' && f.id === 'c1', 10_000);
    const push = await service.waitFor((p) => p.id === sub.id, 15_000);
    expect(push.payload).toMatchObject({ title: alice, body: 'from afar', data: { id: 'c1' } });
    expect(push.vapid.k).toBe(vapid.publicKey);
    await a.close();
  });
});
