/**
 * chat-1to1: the highest 1:1 message rate a node sustains, `sent` acks being
 * durable (after the LMDB commit). Metric: max_sustained_msgs_per_s.
 *
 * A server child on a fresh data directory; `--users` clients in this process
 * (paired, each sending to its partner, recipients acking `delivered`). The
 * offered rate steps up (`--rates`, comma-separated) for `--duration` seconds
 * each after `--warmup`; a step passes when the `sent` acks received in the
 * window keep up (≥ 95 % of offered), nothing timed out or failed, and p99
 * send→`sent` stays within `--p99-bound` ms. The metric is the highest rate
 * passing all three with every lower step passing too; `maxKeepUp` is the
 * highest rate that kept up whatever its latency (the climb ends at the first
 * step that does not keep up). Then, each on a fresh server: a run at half
 * the maximum (of `maxKeepUp` when no step met the bound; p50/p99
 * send→delivered reported) and one at exactly 10,000 msgs/s.
 *
 * Defaults: --users 4000, --rates 250,500,1000,2000,4000,6000,8000,10000,12500,15000,
 * 17500,20000,25000,30000, --duration 8, --warmup 2, --p99-bound 100,
 * --final-duration 10. Targets: ≥ 20,000 msgs/s; p99 send→delivered ≤ 50 ms
 * at 10,000 msgs/s. `--cpu-prof FILE` writes a CPU profile of the server's
 * main thread during the half-rate run (see `bench/load/profile-top.ts`).
 *
 * Against a running cluster: `--url ws://…/ws` once per node (or
 * comma-separated) with `--secret` (the cluster's JWT secret) and optionally
 * `--pids` (the nodes' pids, for server CPU): users are spread over the
 * nodes, every run uses the same cluster (fresh user ids per run), and store
 * calls are summed over every node's `/metrics`.
 */
import { randomBytes } from 'node:crypto';
import { arg, argString, argStrings } from './args.ts';
import { LoadSession, type RunResult } from './load/load-session.ts';
import { load1, machine, sleepMs } from './load/machine.ts';
import { type CpuShare, cpuMeter } from './load/proc.ts';
import { scrape, storeCalls } from './load/server-metrics.ts';
import { type ServerProcess, startServer } from './load/server-process.ts';
import { signedTokens } from './load/tokens.ts';
import { describe } from './load.ts';
import type { BenchResult } from './run.ts';

const DEFAULT_RATES = '250,500,1000,2000,4000,6000,8000,10000,12500,15000,17500,20000,25000,30000';
const KEEP_UP = 0.95;

interface Step extends Verdict {
  readonly rate: number;
  readonly why: string;
  readonly achievedSentPerS: number;
  readonly p50SentMs: number;
  readonly p99SentMs: number;
  readonly p99DeliveredMs: number;
  readonly serverCpu: { readonly total: number; readonly main: number } | undefined;
  /** Server main-thread CPU per message above the idle baseline, µs (window + drain). */
  readonly mainUsPerMsg: number | undefined;
  /** Server CPU per message above the idle baseline, all threads, µs. */
  readonly totalUsPerMsg: number | undefined;
  /** The rate at which a whole core for the main thread would be saturated, at this cost. */
  readonly mainThreadCapacity: number | undefined;
  readonly clientCpu: number;
  readonly storeCallsPerMsg: number;
  readonly errors: Record<string, number>;
  readonly loadAvg1: number;
}

/** What a run needs of the server(s): one child of ours, or a running cluster. */
type Servers = Pick<ServerProcess, 'pid' | 'profileStart' | 'profileStop'> & {
  readonly urls: readonly string[];
  readonly httpUrls: readonly string[];
  readonly secret: string;
  stop(): Promise<void>;
};

interface Rig {
  readonly server: Servers;
  readonly session: LoadSession;
}

interface ClusterTarget {
  readonly urls: readonly string[];
  readonly secret: string;
  readonly pids: readonly number[];
}

async function servers(cluster: ClusterTarget | undefined): Promise<Servers> {
  if (cluster === undefined) {
    const child = await startServer();
    return {
      pid: child.pid,
      urls: [child.url],
      httpUrls: [child.httpUrl],
      secret: child.secret,
      profileStart: () => child.profileStart(),
      profileStop: (path) => child.profileStop(path),
      stop: () => child.stop(),
    };
  }
  const unsupported = () =>
    Promise.reject(new Error("--cpu-prof needs the benchmark's own server"));
  return {
    pid: cluster.pids[0] ?? -1,
    urls: cluster.urls,
    httpUrls: cluster.urls.map((u) => u.replace(/^ws/, 'http').replace(/\/ws$/, '')),
    secret: cluster.secret,
    profileStart: unsupported,
    profileStop: unsupported,
    stop: async () => {},
  };
}

const log = (line: string) => process.stderr.write(`[chat-1to1] ${line}\n`);

async function rig(users: number, cluster: ClusterTarget | undefined): Promise<Rig> {
  const server = await servers(cluster);
  try {
    const session = await LoadSession.open({
      url: server.urls,
      tokens: signedTokens(server.secret),
      users,
      prefix: `c${randomBytes(3).toString('hex')}u`,
      bodyBytes: 100,
      ack: true,
      timeoutMs: 10_000,
      maxInFlight: 200_000,
      connectConcurrency: 100,
      ...(server.pid > 0 ? { serverPid: server.pid } : {}),
      progress: (line) => log(`  ${line}`),
    });
    return { server, session };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

async function close(r: Rig): Promise<void> {
  await r.session.close();
  await r.server.stop();
}

interface Verdict {
  /** The node kept up: ≥ 95 % of the offered rate acked in the window, nothing failed or timed out. */
  readonly keepsUp: boolean;
  /** And p99 send→`sent` stayed within the bound. */
  readonly pass: boolean;
  readonly why: string;
}

function judge(r: RunResult, p99BoundMs: number): Verdict {
  const failed = Object.keys(r.errors).filter((k) => !k.startsWith('close_1000'));
  if (r.achievedSentPerS < KEEP_UP * r.rate)
    return {
      keepsUp: false,
      pass: false,
      why: `achieved ${r.achievedSentPerS} < ${KEEP_UP} × offered`,
    };
  if (failed.length > 0)
    return { keepsUp: false, pass: false, why: `errors ${JSON.stringify(r.errors)}` };
  if (r.sendToSent.p99Ms > p99BoundMs)
    return {
      keepsUp: true,
      pass: false,
      why: `p99 send→sent ${r.sendToSent.p99Ms} ms > ${p99BoundMs} ms`,
    };
  return { keepsUp: true, pass: true, why: 'ok' };
}

async function measuredRun(
  rg: Rig,
  rate: number,
  durationS: number,
  warmupS: number,
): Promise<{ result: RunResult; callsPerMsg: number }> {
  const before = await Promise.all(rg.server.httpUrls.map((u) => scrape(u)));
  const result = await rg.session.run({ rate, durationS, warmupS });
  const after = await Promise.all(rg.server.httpUrls.map((u) => scrape(u)));
  let total = 0;
  for (let i = 0; i < after.length; i++) {
    const calls = storeCalls(before[i]!, after[i]!);
    total += Object.values(calls).reduce((n, c) => n + c.count, 0);
  }
  const messages = Math.max(1, Math.round(rate * (durationS + warmupS)));
  return { result, callsPerMsg: Math.round((total / messages) * 10) / 10 };
}

export default async function chat1to1(args: string[]): Promise<BenchResult> {
  const users = arg(args, 'users', 4000);
  const durationS = arg(args, 'duration', 8);
  const warmupS = arg(args, 'warmup', 2);
  const p99BoundMs = arg(args, 'p99-bound', 100);
  const finalS = arg(args, 'final-duration', 10);
  const cpuProf = argString(args, 'cpu-prof', '');
  const rates = argString(args, 'rates', DEFAULT_RATES).split(',').map(Number);
  const urls = argStrings(args, 'url');
  const cluster: ClusterTarget | undefined =
    urls.length === 0
      ? undefined
      : {
          urls,
          secret: argString(args, 'secret', ''),
          pids: argStrings(args, 'pids').map(Number),
        };
  if (cluster !== undefined && cluster.secret === '')
    throw new Error(
      '--url needs --secret: the JWT secret of the cluster (npm run cluster prints it)',
    );
  const at = await machine();

  const steps: Step[] = [];
  let max = 0;
  let maxKeepUp = 0;
  let idle: CpuShare = { total: 0, main: 0, totalMs: 0, mainMs: 0, wallMs: 0 };
  let rg = await rig(users, cluster);
  try {
    log(`server pid ${rg.server.pid}, ${users} clients connected; load average ${load1()}`);
    await sleepMs(2000);
    if (rg.server.pid > 0) {
      const idleMeter = cpuMeter(rg.server.pid);
      await sleepMs(5000);
      idle = idleMeter.stop();
    }
    log(`idle server CPU with ${users} connections: ${JSON.stringify(idle)}`);
    for (const rate of rates) {
      log(`step ${rate} msgs/s (${(rate / users).toFixed(1)}/s per user)`);
      const { result: r, callsPerMsg } = await measuredRun(rg, rate, durationS, warmupS);
      const verdict = judge(r, p99BoundMs);
      // CPU per message above what the idle server spends anyway (ticks, heartbeats).
      const perMsg = (usPerMsg: number, idleShare: number) =>
        Math.max(0, Math.round(usPerMsg - (idleShare * 1e6) / rate));
      const us = r.serverUsPerMsg;
      const mainUs = us && perMsg(us.main, idle.main);
      steps.push({
        rate,
        ...verdict,
        achievedSentPerS: r.achievedSentPerS,
        p50SentMs: r.sendToSent.p50Ms,
        p99SentMs: r.sendToSent.p99Ms,
        p99DeliveredMs: r.sendToDelivered.p99Ms,
        serverCpu: r.serverCpu && { total: r.serverCpu.total, main: r.serverCpu.main },
        mainUsPerMsg: mainUs,
        totalUsPerMsg: us && perMsg(us.total, idle.total),
        mainThreadCapacity: mainUs ? Math.round((1e6 * (1 - idle.main)) / mainUs) : undefined,
        clientCpu: r.clientCpu,
        storeCallsPerMsg: callsPerMsg,
        errors: r.errors,
        loadAvg1: load1(),
      });
      const word = verdict.pass ? 'PASS' : verdict.keepsUp ? 'KEEPS UP, OVER BOUND' : 'FAIL';
      log(`${describe(r)}\n=> ${word} (${verdict.why})`);
      if (!verdict.keepsUp) break;
      maxKeepUp = rate;
      if (verdict.pass && steps.every((st) => st.pass)) max = rate;
      await sleepMs(2000);
    }
  } finally {
    await close(rg);
  }

  const finals: Record<string, unknown> = {};
  const halfOf = max > 0 ? max : maxKeepUp;
  for (const [name, rate] of [
    ['half', Math.round(halfOf / 2)],
    ['at10k', 10_000],
  ] as const) {
    if (rate <= 0) continue;
    rg = await rig(users, cluster);
    try {
      log(`${name}: ${rate} msgs/s on a fresh server for ${finalS} s`);
      const profile = name === 'half' && cpuProf !== '';
      if (profile) await rg.server.profileStart();
      const { result: r } = await measuredRun(rg, rate, finalS, warmupS);
      if (profile) log(`profile: ${await rg.server.profileStop(cpuProf)}`);
      log(describe(r));
      finals[name] = {
        rate,
        reachable: judge(r, Number.POSITIVE_INFINITY).keepsUp,
        achievedSentPerS: r.achievedSentPerS,
        sendToSent: r.sendToSent,
        sendToDelivered: r.sendToDelivered,
        sendToReceipt: r.sendToReceipt,
        errors: r.errors,
        serverCpu: r.serverCpu,
        clientCpu: r.clientCpu,
        loadAvg1: load1(),
      };
    } finally {
      await close(rg);
    }
  }
  const half = finals.half as { sendToDelivered?: { p50Ms: number; p99Ms: number } } | undefined;
  const at10k = finals.at10k as
    | { sendToDelivered: { p99Ms: number }; achievedSentPerS: number; reachable: boolean }
    | undefined;
  return {
    metric: 'max_sustained_msgs_per_s',
    value: max,
    unit: 'msg/s',
    target: 20_000,
    maxKeepUp,
    halfRate: Math.round(halfOf / 2),
    halfOf: max > 0 ? 'max sustained' : 'max keep-up (no step met the p99 bound)',
    halfP50DeliveredMs: half?.sendToDelivered?.p50Ms ?? null,
    halfP99DeliveredMs: half?.sendToDelivered?.p99Ms ?? null,
    at10kReachable: at10k?.reachable ?? false,
    at10kP99DeliveredMs: at10k?.reachable ? at10k.sendToDelivered.p99Ms : null,
    at10kAchievedSentPerS: at10k?.achievedSentPerS ?? null,
    at10kTargetP99Ms: 50,
    users,
    nodes: cluster?.urls.length ?? 1,
    p99BoundMs,
    idleServerCpu: idle,
    steps,
    finals,
    machine: at,
  };
}
