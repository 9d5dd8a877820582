/**
 * A node partitioned from NATS (a black-holing TCP proxy between it and
 * nats-server: it sees no close): the others take its shards, it stops
 * activating keys and sends its clients away (1013); when the partition
 * heals it rejoins, and no two owners ever issued one `seq` (read back from
 * the store: every inbox gapless, every key once).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openCassandraStore } from '../../store/index.ts';
import { ChatWorkload } from '../support/chat-workload.ts';
import { startTestCluster, type TestCluster } from '../support/cluster.ts';
import { urlsFrom, usersOn } from '../support/cluster-keys.ts';

const NODES = ['node-1', 'node-2', 'node-3'];
let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startTestCluster({ nodes: 3, cassandra: inject('cassandra'), natsProxy: [3] });
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
});

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a node partitioned from NATS', () => {
  it('loses its shards to the others, sends its clients away, and rejoins without a second owner', async () => {
    const senders = usersOn(NODES, 'node-3', 'ps', 4);
    const recipients = [
      ...usersOn(NODES, 'node-3', 'pr', 2),
      ...usersOn(NODES, 'node-1', 'pr1-', 2),
    ];
    const pairs = senders.map((sender, i) => ({ sender, recipient: recipients[i]! }));
    // Half the devices on the node that will be cut off, the others on node-1 and node-2.
    const home = new Map(
      [...senders, ...recipients].map((u, i) => [u, i % 2 === 0 ? 3 : 1 + (Math.floor(i / 2) % 2)]),
    );
    const load = new ChatWorkload({
      pairs,
      urlsOf: (u) => urlsFrom(cluster, home.get(u)!),
      token: (u) => cluster.token(u, 'd1'),
      intervalMs: 20,
    });
    await load.connect();
    load.start();
    await new Promise((r) => setTimeout(r, 2000));

    const node3 = cluster.nodes[2]!;
    node3.proxy!.cut({ blackhole: true });
    const cutAt = Date.now();
    await waitUntil(
      'the others drop node-3',
      async () => {
        const v = await Promise.all([cluster.nodes[0]!.health(), cluster.nodes[1]!.health()]);
        return v.every((h) => h?.view?.members.every((m) => m.node !== 'node-3') === true);
      },
      5000,
    );
    await waitUntil(
      'node-3 knows it is cut off',
      async () => (await node3.health())?.isolated === true,
      5000,
    );
    const detectedMs = Date.now() - cutAt;
    expect(detectedMs).toBeLessThan(5000);
    const ackedAtCut = load.ackedCount;
    await new Promise((r) => setTimeout(r, 4000));
    expect(load.ackedCount).toBeGreaterThan(ackedAtCut);

    node3.proxy!.heal();
    await cluster.ready(20_000);
    await new Promise((r) => setTimeout(r, 2000));
    await load.stop();
    const report = await load.settle(30_000);
    load.close();
    expect(report.failed).toEqual([]);
    expect(report.lost).toEqual([]);
    expect(report.duplicated).toEqual([]);
    expect(report.reordered).toEqual([]);

    // Safety from the store: every inbox gapless, every message key once.
    const { contactPoint, localDataCenter } = inject('cassandra');
    const store = await openCassandraStore({
      contactPoints: [contactPoint],
      localDataCenter,
      keyspace: cluster.keyspace,
    });
    try {
      for (const user of [...senders, ...recipients]) {
        const entries = await store.readInbox(user, 0, 100_000);
        expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
        expect(new Set(entries.map((e) => e.key)).size).toBe(entries.length);
      }
    } finally {
      await store.close();
    }
  }, 150_000);
});
