/**
 * chat-1to1: the highest 1:1 message rate a node (or a cluster) sustains,
 * `sent` acks being durable (after the store's commit). Metric:
 * max_sustained_msgs_per_s.
 *
 * `--users` clients in this process (paired, each sending to its partner,
 * recipients acking `delivered`). The offered rate steps up (`--rates`) for
 * `--duration` seconds each after `--warmup`; a step passes when the `sent`
 * acks received in the window keep up (≥ 95 % of offered), nothing timed out
 * or failed, and p99 send→`sent` stays within `--p99-bound` ms. The metric
 * is the highest rate passing all three with every lower step passing too;
 * `maxKeepUp` is the highest rate that kept up whatever its latency (the
 * climb ends at the first step that does not keep up). Then a run at half
 * the maximum (of `maxKeepUp` when no step met the bound; p50/p99 send→`sent`
 * and send→delivered reported) and one at exactly 10,000 msgs/s
 * (`--at10k skip` leaves it out). `--encoding msgpack` runs the clients on
 * the `parley.v1.msgpack` subprotocol instead of JSON; every line reports the
 * encoding and, for the half-rate run, the payload bytes per message each
 * way (`halfWireBytesPerMsg`) and the server's CPU per message
 * (`halfServerUsPerMsg`), so the two wires compare run against run. Modules: `bench/load/chat-*.ts`.
 *
 * Targets:
 * - default: a server child of ours on a fresh LMDB directory, a fresh one
 *   for each run;
 * - `--url ws://…/ws` per node with `--secret` (and optionally `--pids`): a
 *   running cluster (`npm run cluster`; start it with
 *   `PARLEY_MAX_CONNS_PER_IP=1000000` for more than 256 clients per node),
 *   the same cluster for every run with fresh user ids; each user connects
 *   to the node that owns its actor, and partners are at home on different
 *   nodes, so every message crosses nodes; store calls are summed over every
 *   node's `/metrics`;
 * - `--cluster N`: one node as by default (`--one-node skip` to leave it
 *   out), then a cluster of N it starts itself (`bench/load/cluster-process.ts`:
 *   NATS, Redis, Cassandra, N nodes), measured the same way and stopped;
 *   the last line puts both side by side:
 *   `{"bench","metric","value" (the cluster's),"unit","beside":{"oneNode","cluster"},...}`.
 *
 * Defaults: --users 4000, --rates 250,500,1000,2000,4000,6000,8000,10000,
 * 12500,15000,17500,20000,25000,30000, --duration 8, --warmup 2,
 * --p99-bound 100, --final-duration 10. Targets: ≥ 20,000 msgs/s; p99
 * send→delivered ≤ 50 ms at 10,000 msgs/s. `--cpu-prof FILE` writes a CPU
 * profile of the (first) node's main thread during the half-rate run, or
 * over the climb when no step kept up (see `bench/load/profile-top.ts`).
 */
import { type ChatArgs, clusterProfilePath, parseChatArgs } from './load/chat-args.ts';
import { besideLine, singleLine } from './load/chat-report.ts';
import { type SearchOptions, search } from './load/chat-search.ts';
import { givenClusterTarget, oneNodeTarget, ownClusterTarget } from './load/chat-targets.ts';
import { machine } from './load/machine.ts';
import { describe } from './load.ts';
import type { BenchResult } from './run.ts';

const log = (line: string) => process.stderr.write(`[chat-1to1] ${line}\n`);

function options(a: ChatArgs, part: string, over: Partial<SearchOptions> = {}): SearchOptions {
  return {
    users: a.users,
    rates: a.rates,
    durationS: a.durationS,
    warmupS: a.warmupS,
    p99BoundMs: a.p99BoundMs,
    finalS: a.finalS,
    at10k: a.at10k,
    cpuProf: a.cpuProf,
    encoding: a.encoding,
    log: (line) => log(part === '' ? line : `${part}: ${line}`),
    ...over,
  };
}

export default async function chat1to1(args: string[]): Promise<BenchResult> {
  const a = parseChatArgs(args);
  const at = await machine();
  const mode = a.mode;
  switch (mode.kind) {
    case 'one-node':
      return singleLine(await search(oneNodeTarget(), options(a, ''), describe), a.p99BoundMs, at);
    case 'urls': {
      const target = givenClusterTarget(mode.urls, mode.secret, mode.pids);
      return singleLine(await search(target, options(a, ''), describe), a.p99BoundMs, at);
    }
    case 'cluster': {
      const one = mode.oneNode
        ? await search(oneNodeTarget(), options(a, 'one node'), describe)
        : undefined;
      const label = `${mode.nodes} nodes`;
      const target = ownClusterTarget(mode.nodes, (line) => log(`${label}: ${line}`), mode.logs);
      const cluster = await search(
        target,
        options(a, label, {
          users: mode.users,
          rates: mode.rates,
          cpuProf: a.cpuProf === undefined ? undefined : clusterProfilePath(a.cpuProf, 'node-1'),
        }),
        describe,
      );
      return besideLine(one, cluster, a.p99BoundMs, at);
    }
  }
}
