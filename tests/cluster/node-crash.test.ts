/**
 * kill -9 of a node under load: its users' actors come back on the
 * survivors, its clients reconnect to other nodes, and nothing acked `sent`
 * is lost, duplicated or reordered. Then the node comes back under the same
 * name (a new incarnation) and rejoins.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ChatWorkload } from '../support/chat-workload.ts';
import { startTestCluster, type TestCluster } from '../support/cluster.ts';
import { urlsFrom, usersOn } from '../support/cluster-keys.ts';

const NODES = ['node-1', 'node-2', 'node-3'];

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startTestCluster({ nodes: 3, cassandra: inject('cassandra') });
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('kill -9 of a node under load', () => {
  it('loses nothing acked, and the killed node rejoins under a new incarnation', async () => {
    // Senders and recipients whose actors live on node-2 (the one killed), and
    // devices connected to node-2 too, plus traffic that only crosses it.
    const senders = [...usersOn(NODES, 'node-2', 'ks', 4), ...usersOn(NODES, 'node-1', 'ks1-', 2)];
    const recipients = [
      ...usersOn(NODES, 'node-2', 'kr', 3),
      ...usersOn(NODES, 'node-3', 'kr3-', 3),
    ];
    const pairs = senders.map((sender, i) => ({ sender, recipient: recipients[i]! }));
    const home = new Map([...senders, ...recipients].map((u, i) => [u, (i % 3) + 1]));
    const load = new ChatWorkload({
      pairs,
      urlsOf: (u) => urlsFrom(cluster, home.get(u)!),
      token: (u) => cluster.token(u, 'd1'),
      intervalMs: 20,
    });
    await load.connect();
    load.start();
    await new Promise((r) => setTimeout(r, 3000));
    const ackedBefore = load.ackedCount;
    const killedAt = Date.now();
    await cluster.nodes[1]!.kill('SIGKILL');

    // The survivors drop node-2 from their views within the failure detector's bound.
    for (;;) {
      const views = await Promise.all([cluster.nodes[0]!.health(), cluster.nodes[2]!.health()]);
      if (views.every((v) => v?.view?.members.every((m) => m.node !== 'node-2'))) break;
      expect(Date.now() - killedAt).toBeLessThan(5000);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 5000));
    const ackedDuring = load.ackedCount;
    await load.stop();
    const report = await load.settle(30_000);
    load.close();
    expect(ackedBefore).toBeGreaterThan(0);
    expect(ackedDuring).toBeGreaterThan(ackedBefore);
    expect(report.failed).toEqual([]);
    expect(report.lost).toEqual([]);
    expect(report.duplicated).toEqual([]);
    expect(report.reordered).toEqual([]);

    await cluster.nodes[1]!.restart();
    await cluster.ready(20_000);
  }, 120_000);
});
