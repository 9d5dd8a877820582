/**
 * The load generator: `npm run load -- --users N --rate R --duration S [flags]`.
 *
 * Runs N real WebSocket clients in this process (users paired, each sending
 * 1:1 to its partner) at R messages a second in total, open loop, for S
 * seconds after `--warmup` seconds, then drains and stops by itself. Without
 * `--url` it starts a server child on a fresh temporary data directory and
 * stops it at the end; with `--url ws://host:port/ws` it needs tokens: `--secret`
 * signs them locally, otherwise the node's dev-token endpoint is asked. A
 * cluster: `--url` once per node (or comma-separated); users are spread over
 * the nodes round-robin, so most pairs talk across nodes.
 * A progress line per second goes to stderr; at the end a summary (stdout),
 * or with `--json` one JSON object.
 *
 * Flags (defaults): --users 1000, --rate 5000, --duration 10, --warmup 2,
 * --body 100 (bytes of text), --timeout 10000 (ms per message and per
 * connect), --max-inflight 100000, --connect-concurrency 100, --no-ack
 * (recipients do not ack `delivered`), --prefix (user id prefix; default a
 * fresh one per run), --cpu-prof FILE (own server only: a V8 CPU profile of
 * the server's main thread over warm-up and measured window, for
 * `bench/load/profile-top.ts`).
 *
 * Also a benchmark: `npm run bench -- load [same flags]`.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { arg, argString, argStrings } from './args.ts';
import { brief } from './load/histogram.ts';
import { LoadSession, type RunResult } from './load/load-session.ts';
import { type Machine, machine } from './load/machine.ts';
import { type Scrape, type StoreCalls, scrape, storeCalls } from './load/server-metrics.ts';
import { type ServerProcess, startServer } from './load/server-process.ts';
import { devEndpointTokens, signedTokens, type TokenSource } from './load/tokens.ts';
import type { BenchResult } from './run.ts';

export interface LoadSummary extends RunResult {
  readonly url: string | readonly string[];
  readonly serverLogLines?: Record<string, number>;
  /** Store calls during the run (warm-up and drain included), from the node's /metrics. */
  readonly storeCalls?: StoreCalls;
  readonly machine: Machine;
}

export async function runLoadCli(args: string[]): Promise<LoadSummary> {
  const users = arg(args, 'users', 1000);
  const rate = arg(args, 'rate', 5000);
  const durationS = arg(args, 'duration', 10);
  const warmupS = arg(args, 'warmup', 2);
  const timeoutMs = arg(args, 'timeout', 10_000);
  const urls = argStrings(args, 'url');
  const secretArg = argString(args, 'secret', '');
  const cpuProf = argString(args, 'cpu-prof', '');
  const progress = (line: string) => process.stderr.write(`[load] ${line}\n`);
  const at = await machine();

  let server: ServerProcess | undefined;
  let url: string | readonly string[] = urls.length === 1 ? urls[0]! : urls;
  let tokens: TokenSource;
  if (urls.length === 0) {
    server = await startServer();
    url = server.url;
    tokens = signedTokens(server.secret);
    progress(`started server pid ${server.pid} on ${url} (data ${server.dataDir})`);
  } else {
    tokens = secretArg !== '' ? signedTokens(secretArg) : devEndpointTokens(urls[0]!);
  }
  try {
    const t0 = performance.now();
    const session = await LoadSession.open({
      url,
      tokens,
      users,
      prefix: argString(args, 'prefix', `ld${randomBytes(3).toString('hex')}u`),
      bodyBytes: arg(args, 'body', 100),
      ack: !args.includes('--no-ack'),
      timeoutMs,
      maxInFlight: arg(args, 'max-inflight', 100_000),
      connectConcurrency: arg(args, 'connect-concurrency', 100),
      ...(server !== undefined ? { serverPid: server.pid } : {}),
      progress,
    });
    progress(`${users} clients connected in ${Math.round(performance.now() - t0)} ms`);
    const before: Scrape | undefined = server && (await scrape(server.httpUrl));
    if (server && cpuProf !== '') await server.profileStart();
    const result = await session.run({ rate, durationS, warmupS });
    if (server && cpuProf !== '') progress(`profile: ${await server.profileStop(cpuProf)}`);
    const calls = server && before && storeCalls(before, await scrape(server.httpUrl));
    await session.close();
    return {
      url,
      ...result,
      ...(server !== undefined ? { serverLogLines: { ...server.logLines } } : {}),
      ...(calls !== undefined ? { storeCalls: calls } : {}),
      machine: at,
    };
  } finally {
    await server?.stop();
  }
}

export function describe(r: RunResult & Partial<LoadSummary>): string {
  return [
    `offered ${r.rate} msgs/s for ${r.durationS} s over ${r.users} users (${r.perConnectionRate}/s each)`,
    `achieved: sent ${r.achievedSentPerS} msgs/s, delivered ${r.achievedDeliveredPerS} msgs/s`,
    `send→sent       ${brief(r.sendToSent)} (p90 ${r.sendToSent.p90Ms}, p99.9 ${r.sendToSent.p999Ms}; n=${r.sendToSent.count})`,
    `send→delivered  ${brief(r.sendToDelivered)} (p90 ${r.sendToDelivered.p90Ms}, p99.9 ${r.sendToDelivered.p999Ms}; n=${r.sendToDelivered.count})`,
    `send→receipt    ${brief(r.sendToReceipt)} (n=${r.sendToReceipt.count})`,
    `client lag      ${brief(r.clientLag)}; client CPU ${r.clientCpu}, server CPU ${r.serverCpu ? `${r.serverCpu.total} (main thread ${r.serverCpu.main})` : '?'} cores`,
    ...(r.serverUsPerMsg
      ? [
          `server CPU per message ${r.serverUsPerMsg.total} µs (main thread ${r.serverUsPerMsg.main} µs), window + drain`,
        ]
      : []),
    `errors ${JSON.stringify(r.errors)}; max in flight ${r.inFlightMax}; drained in ${r.drainedMs} ms`,
    ...(r.storeCalls !== undefined ? [`store calls ${JSON.stringify(r.storeCalls)}`] : []),
    ...(r.serverLogLines !== undefined
      ? [`server log lines ${JSON.stringify(r.serverLogLines)}`]
      : []),
  ].join('\n');
}

export default async function load(args: string[]): Promise<BenchResult> {
  const r = await runLoadCli(args);
  return {
    metric: 'p99_send_to_delivered_ms',
    value: r.sendToDelivered.p99Ms,
    unit: 'ms',
    ...r,
  };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  try {
    const r = await runLoadCli(args);
    if (args.includes('--json')) console.log(JSON.stringify(r));
    else console.log(describe(r));
    process.exit(0);
  } catch (err) {
    console.error(`load: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
