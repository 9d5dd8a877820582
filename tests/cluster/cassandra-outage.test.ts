/**
 * The cluster's database unavailable for a while (its Cassandra paused with
 * SIGSTOP: connections stay, nothing answers), under load: sends are
 * refused with `unavailable` (the SDK retries them) and never acked; once it
 * answers again, service resumes and nothing acked `sent` is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OwnedCassandra, startOwnedCassandra } from '../setup/cassandra.ts';
import { ChatWorkload } from '../support/chat-workload.ts';
import { startTestCluster, type TestCluster } from '../support/cluster.ts';
import { usersOn } from '../support/cluster-keys.ts';

let cassandra: OwnedCassandra;
let cluster: TestCluster;

beforeAll(async () => {
  cassandra = await startOwnedCassandra({ heap: '512m', syncCommitlog: true });
  cluster = await startTestCluster({
    nodes: 2,
    cassandra: { contactPoint: cassandra.contactPoint, localDataCenter: cassandra.localDataCenter },
  });
}, 300_000);

afterAll(async () => {
  cassandra?.resume();
  await cluster?.stop();
  await cassandra?.stop();
});

describe('Cassandra unavailable for a while', () => {
  it('refuses sends meanwhile, resumes after, and loses nothing acked', async () => {
    const senders = usersOn(['node-1', 'node-2'], 'node-1', 'cs', 3);
    const recipients = usersOn(['node-1', 'node-2'], 'node-2', 'cr', 3);
    const urls = cluster.nodes.map((n) => n.ws);
    const load = new ChatWorkload({
      pairs: senders.map((sender, i) => ({ sender, recipient: recipients[i]! })),
      urlsOf: (u) => (senders.includes(u) ? [urls[1]!, urls[0]!] : [urls[0]!, urls[1]!]),
      token: (u) => cluster.token(u, 'd1'),
      intervalMs: 20,
    });
    await load.connect();
    const refused: string[] = [];
    for (const c of load.clients.values()) {
      c.on('error', (e) => refused.push(e.code));
    }
    load.start();
    await new Promise((r) => setTimeout(r, 2000));
    cassandra.pause();
    await new Promise((r) => setTimeout(r, 3000));
    const ackedWhilePaused = load.ackedCount;
    await new Promise((r) => setTimeout(r, 3000));
    // Nothing can be acked while nothing can be stored (one in flight at the pause may finish).
    expect(load.ackedCount - ackedWhilePaused).toBeLessThanOrEqual(senders.length);
    cassandra.resume();
    await new Promise((r) => setTimeout(r, 5000));
    const ackedAfter = load.ackedCount;
    expect(ackedAfter).toBeGreaterThan(ackedWhilePaused + senders.length);
    await load.stop();
    const report = await load.settle(60_000);
    load.close();
    expect(report.failed).toEqual([]);
    expect(report.lost).toEqual([]);
    expect(report.duplicated).toEqual([]);
    expect(report.reordered).toEqual([]);
  }, 200_000);
});
