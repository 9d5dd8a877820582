/**
 * Drain under load, as an operator does it (`parleyctl drain NODE`): the
 * node's shards move away, its WebSocket clients get close code 1013 and
 * reconnect to the other nodes, then it leaves the view and exits; nothing
 * acked is lost, duplicated or reordered.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ChatWorkload } from '../support/chat-workload.ts';
import { startTestCluster, type TestCluster } from '../support/cluster.ts';
import { parleyctl, usersOn } from '../support/cluster-keys.ts';
import { WsClient } from '../support/ws-client.ts';

const NODES = ['node-1', 'node-2', 'node-3'];
let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startTestCluster({ nodes: 3, cassandra: inject('cassandra') });
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('drain under load', () => {
  it('moves the node away with nothing lost, its clients landing on other nodes', async () => {
    const senders = usersOn(NODES, 'node-2', 'ds', 4);
    const recipients = [
      ...usersOn(NODES, 'node-2', 'dr', 2),
      ...usersOn(NODES, 'node-3', 'dr3-', 2),
    ];
    const pairs = senders.map((sender, i) => ({ sender, recipient: recipients[i]! }));
    const urls = cluster.nodes.map((n) => n.ws);
    // Every device starts on node-2, the one drained.
    const load = new ChatWorkload({
      pairs,
      urlsOf: () => [urls[1]!, urls[2]!, urls[0]!],
      token: (u) => cluster.token(u, 'd1'),
      intervalMs: 20,
    });
    await load.connect();
    const watcher = await WsClient.open(urls[1]!, { token: await cluster.token('watcher', 'w') });
    load.start();
    await new Promise((r) => setTimeout(r, 2000));

    const drained = await parleyctl([
      '--admin',
      cluster.nodes[0]!.admin,
      'drain',
      'node-2',
      '--json',
    ]);
    expect(drained.stderr).toBe('');
    expect(drained.code).toBe(0);
    const closed = await watcher.closed;
    expect(closed.code).toBe(1013);

    // node-2 exits, and the others see it leave.
    const deadline = Date.now() + 30_000;
    while (cluster.nodes[1]!.running) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 100));
    }
    const views = await Promise.all([cluster.nodes[0]!.health(), cluster.nodes[2]!.health()]);
    for (const v of views)
      expect(v?.view?.members.map((m) => m.node).sort()).toEqual(['node-1', 'node-3']);

    const ackedAfterDrain = load.ackedCount;
    await new Promise((r) => setTimeout(r, 2000));
    expect(load.ackedCount).toBeGreaterThan(ackedAfterDrain);
    await load.stop();
    const report = await load.settle(30_000);
    load.close();
    expect(report.failed).toEqual([]);
    expect(report.lost).toEqual([]);
    expect(report.duplicated).toEqual([]);
    expect(report.reordered).toEqual([]);
  }, 150_000);
});
