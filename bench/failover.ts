/**
 * failover: three real nodes (NATS, Redis, Cassandra on loopback), clients
 * chatting through the SDK; kill -9 one node; for every affected pair (its
 * sender's or recipient's actor or device on the killed node), the seconds
 * from the kill until a message sent after it has been acked `sent` and
 * delivered (p50, max); messages lost (acked, never delivered: must be 0);
 * false down-detections (a live node removed from some view) during the run.
 *
 * Flags: --pairs 60 (sender/recipient pairs), --interval 100 (ms between a
 * sender's messages), --warmup 5 (s before the kill), --after 15 (s after).
 * Metric: failover_max_s (target ≤ 3 s with 0 lost).
 */
import { ShardMap } from '../cluster/index.ts';
import { startCassandra } from '../tests/setup/cassandra.ts';
import { ChatWorkload } from '../tests/support/chat-workload.ts';
import { startTestCluster } from '../tests/support/cluster.ts';
import { arg } from './args.ts';
import type { BenchResult } from './run.ts';

const NODES = ['node-1', 'node-2', 'node-3'];
const KILLED = 'node-2';

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Nodes a node's JSON log says it removed from its view as `down` (the membership driver's "membership view changed" lines). */
function downs(output: string): string[] {
  const out: string[] = [];
  for (const line of output.split('\n')) {
    if (!line.includes('membership view changed')) continue;
    try {
      const rec = JSON.parse(line) as { removed?: { member: string; reason: string }[] };
      for (const r of rec.removed ?? []) {
        if (r.reason === 'down') out.push(r.member.split('@')[0]!);
      }
    } catch {
      // not a JSON line
    }
  }
  return out;
}

export default async function failover(args: string[]): Promise<BenchResult> {
  const pairsN = arg(args, 'pairs', 60);
  const intervalMs = arg(args, 'interval', 100);
  const warmupS = arg(args, 'warmup', 5);
  const afterS = arg(args, 'after', 15);
  const cassandra = await startCassandra();
  const cluster = await startTestCluster({ nodes: 3, cassandra });
  try {
    const shards = ShardMap.build(NODES);
    const ownerOf = (u: string) => shards.ownerOf(`user:${u}`)!;
    const pairs = Array.from({ length: pairsN }, (_, i) => ({
      sender: `fs${i}`,
      recipient: `fr${i}`,
    }));
    const users = pairs.flatMap((p) => [p.sender, p.recipient]);
    const home = new Map(users.map((u, i) => [u, i % 3]));
    const urls = cluster.nodes.map((n) => n.ws);
    const load = new ChatWorkload({
      pairs,
      urlsOf: (u) => {
        const h = home.get(u)!;
        return [...urls.slice(h), ...urls.slice(0, h)];
      },
      token: (u) => cluster.token(u, 'd1'),
      intervalMs,
    });
    await load.connect();
    load.start();
    await new Promise((r) => setTimeout(r, warmupS * 1000));
    const killedAt = Date.now();
    await cluster.nodes[1]!.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, afterS * 1000));
    await load.stop();
    const report = await load.settle(30_000);
    load.close();

    const affected = pairs.filter(
      (p) =>
        ownerOf(p.sender) === KILLED ||
        ownerOf(p.recipient) === KILLED ||
        home.get(p.sender) === 1 ||
        home.get(p.recipient) === 1,
    );
    const recovery: number[] = [];
    let unrecovered = 0;
    for (const p of affected) {
      let best = Number.POSITIVE_INFINITY;
      for (const [id, sent] of load.sentAt) {
        if (!id.startsWith(`${p.sender}-`) || sent < killedAt) continue;
        const acked = load.ackedAt.get(id);
        const received = load.receivedAt.get(id);
        if (acked === undefined || received === undefined) continue;
        best = Math.min(best, Math.max(acked, received) - killedAt);
      }
      if (Number.isFinite(best)) recovery.push(best / 1000);
      else unrecovered++;
    }
    recovery.sort((a, b) => a - b);
    const survivors = [cluster.nodes[0]!, cluster.nodes[2]!];
    const falseDowns = survivors.flatMap((n) => downs(n.output)).filter((n) => n !== KILLED).length;
    const maxS = recovery.at(-1) ?? Number.NaN;
    return {
      metric: 'failover_max_s',
      value: Number(maxS.toFixed(2)),
      unit: 's',
      p50S: Number(percentile(recovery, 50).toFixed(2)),
      affectedPairs: affected.length,
      unrecoveredPairs: unrecovered,
      acked: report.acked,
      lost: report.lost.length,
      duplicated: report.duplicated.length,
      reordered: report.reordered.length,
      failedSends: report.failed.length,
      falseDownDetections: falseDowns,
      target: '≤ 3 s, 0 lost',
    };
  } finally {
    await cluster.stop();
    await cassandra.stop();
  }
}
