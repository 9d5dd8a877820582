/**
 * A real three-node cluster (NATS, Redis, Cassandra): 1:1 and group
 * delivery, receipts and presence with the two users' devices on two nodes
 * and their actors on the third.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ShardMap } from '../../cluster/index.ts';
import { startTestCluster, type TestCluster } from '../support/cluster.ts';
import { type Frame, WsClient } from '../support/ws-client.ts';

const NODES = ['node-1', 'node-2', 'node-3'];
const shards = ShardMap.build(NODES);

/** The first user id with `prefix` whose actor lives on `node`. */
function userOn(node: string, prefix: string): string {
  for (let i = 0; ; i++) if (shards.ownerOf(`user:${prefix}${i}`) === node) return `${prefix}${i}`;
}

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startTestCluster({ nodes: 3, cassandra: inject('cassandra') });
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
});

async function open(node: number, user: string, device = 'd1'): Promise<WsClient> {
  const c = await WsClient.open(cluster.nodes[node - 1]!.ws, {
    token: await cluster.token(user, device),
  });
  await c.waitFor((f) => f.type === 'welcome');
  return c;
}

describe('a three-node cluster', () => {
  it('delivers 1:1 messages in order with receipts across nodes, actors on a third node', async () => {
    const alice = userOn('node-3', 'alice');
    const bob = userOn('node-3', 'bob');
    const a = await open(1, alice);
    const b = await open(2, bob);
    for (let i = 1; i <= 20; i++) {
      a.send({ type: 'message', id: `m${i}`, to: bob, content: { type: 'text', body: `hi ${i}` } });
    }
    await a.waitForCount((f) => f.type === 'ack' && f.status === 'sent', 20, 15_000);
    await b.waitForCount((f) => f.type === 'message' && f.from === alice, 20, 15_000);
    const got = b.all('message').filter((f) => f.from === alice);
    expect(got.map((f) => f.id)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i + 1}`));
    const seqs = got.map((f) => f.seq as number);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1]! + 1);

    b.send({ type: 'ack', id: 'm20', from: alice, status: 'read' });
    const read = await a.waitFor(
      (f) => f.type === 'ack' && f.status === 'read' && f.id === 'm20',
      15_000,
    );
    expect(read.by).toBe(bob);
    await a.close();
    await b.close();
  });

  it('shows presence across nodes, and a user going offline', async () => {
    const carol = userOn('node-2', 'carol');
    const dave = userOn('node-1', 'dave');
    const d = await open(3, dave);
    d.send({ type: 'presence.subscribe', users: [carol] });
    const first = await d.waitFor((f) => f.type === 'presence' && f.user === carol);
    expect(first.online).toBe(false);
    const c = await open(1, carol);
    await d.waitFor((f) => f.type === 'presence' && f.user === carol && f.online === true, 10_000);
    const afterOnline = d.mark();
    await c.close();
    const off = await d.waitFor(
      (f) => f.type === 'presence' && f.user === carol && f.online === false,
      15_000,
      afterOnline,
    );
    expect(typeof off.lastSeen).toBe('number');
    await d.close();
  });

  it('delivers group messages to members on every node, in group order', async () => {
    const owner = userOn('node-1', 'gowner');
    const m2 = userOn('node-2', 'gmember');
    const m3 = userOn('node-3', 'gmember');
    const o = await open(1, owner);
    const x = await open(2, m2);
    const y = await open(3, m3);
    o.send({ type: 'group.create', ref: 'r1', name: 'Team', members: [m2, m3] });
    const created = await o.waitFor((f) => f.type === 'group' && f.ref === 'r1', 15_000);
    const group = created.id as string;
    for (let i = 1; i <= 10; i++) {
      o.send({ type: 'message', id: `g${i}`, group, content: { type: 'text', body: `g ${i}` } });
    }
    await o.waitForCount((f) => f.type === 'ack' && f.status === 'sent', 10, 15_000);
    const inGroup = (f: Frame) => f.type === 'message' && f.group === group;
    await x.waitForCount(inGroup, 10, 15_000);
    await y.waitForCount(inGroup, 10, 15_000);
    const order = (c: WsClient) => c.all('message', (f) => f.group === group).map((f) => f.id);
    const expected = Array.from({ length: 10 }, (_, i) => `g${i + 1}`);
    expect(order(x)).toEqual(expected);
    expect(order(y)).toEqual(expected);
    await Promise.all([o.close(), x.close(), y.close()]);
  });

  it('has every node see the same three members', async () => {
    const health = await Promise.all(cluster.nodes.map((n) => n.health()));
    for (const h of health) {
      expect(h?.status).toBe('ok');
      expect(h?.view?.members.map((m) => m.node).sort()).toEqual(NODES);
    }
  });
});
