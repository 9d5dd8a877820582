/**
 * The chat-1to1 measurement against one target (`chat-targets.ts`): the
 * climb over `rates` (each step `durationS` after `warmupS`, judged by
 * `chat-verdict.ts`) that finds the max sustained rate, then the final runs
 * (half of that rate, and optionally 10,000 msgs/s), each on fresh servers
 * or, on a cluster, fresh user ids. Every step and final records the CPU
 * share of each process the target names (nodes, Cassandra, NATS, Redis) and
 * the store calls per message summed over every node's `/metrics`.
 *
 * Before the climb every user sends one message (not measured), so actors
 * are active. With `cpuProf`, the (first) node is profiled over the climb,
 * then over the half run, whose profile replaces the climb's.
 *
 * Invariants: the metric `max` is the highest rate that passed with every
 * lower step passing too; `maxKeepUp` the highest that kept up whatever its
 * latency; the climb stops at the first step that does not keep up. Every
 * session is closed and every server released, also when a run throws.
 */
import { randomBytes } from 'node:crypto';
import { crossPairs } from './chat-placement.ts';
import type { Step } from './chat-report.ts';
import type { Servers, Target } from './chat-targets.ts';
import { judge } from './chat-verdict.ts';
import { LoadSession, type RunResult } from './load-session.ts';
import { load1, sleepMs } from './machine.ts';
import { type CpuShare, cpuMeter } from './proc.ts';
import { scrape, series, storeCalls } from './server-metrics.ts';
import { signedTokens } from './tokens.ts';

export interface SearchOptions {
  readonly users: number;
  readonly rates: readonly number[];
  readonly durationS: number;
  readonly warmupS: number;
  readonly p99BoundMs: number;
  readonly finalS: number;
  /** Also run at exactly 10,000 msgs/s. */
  readonly at10k: boolean;
  /** Write a CPU profile of the (first) node during the half-rate run here. */
  readonly cpuProf: string | undefined;
  /** The clients' wire; default JSON. */
  readonly encoding?: 'json' | 'msgpack';
  readonly log: (line: string) => void;
}

export interface FinalRun {
  readonly rate: number;
  readonly reachable: boolean;
  readonly result: RunResult;
  readonly processCpu: Readonly<Record<string, number>>;
  readonly storeCallsPerMsg: number;
  readonly commitsPerMsg: number | null;
  readonly loadAvg1: number;
  readonly profile?: string;
}

export interface Search {
  readonly nodes: number;
  /** The clients' wire. */
  readonly encoding: 'json' | 'msgpack';
  readonly store: string;
  readonly users: number;
  /** Pairs whose sender and recipient are at home on different nodes (cluster placement). */
  readonly crossNodePairs: number | undefined;
  readonly idle: CpuShare;
  readonly steps: readonly Step[];
  readonly max: number;
  readonly maxKeepUp: number;
  readonly finals: { readonly half?: FinalRun; readonly at10k?: FinalRun };
}

interface Rig {
  readonly servers: Servers;
  readonly session: LoadSession;
  readonly crossNodePairs: number | undefined;
}

async function rig(target: Target, o: SearchOptions): Promise<Rig> {
  const servers = await target.open();
  try {
    const prefix = `c${randomBytes(3).toString('hex')}u`;
    const placement = servers.placement(o.users, prefix);
    const session = await LoadSession.open({
      url: servers.urls,
      tokens: signedTokens(servers.secret),
      users: o.users,
      prefix,
      ...(placement ? { placement } : {}),
      bodyBytes: 100,
      ack: true,
      timeoutMs: 10_000,
      maxInFlight: 200_000,
      connectConcurrency: 100,
      ...(servers.pid > 0 ? { serverPid: servers.pid } : {}),
      progress: (line) => o.log(`  ${line}`),
      ...(o.encoding !== undefined ? { encoding: o.encoding } : {}),
    });
    return { servers, session, crossNodePairs: placement && crossPairs(placement) };
  } catch (err) {
    await target.release(servers);
    throw err;
  }
}

async function close(target: Target, r: Rig): Promise<void> {
  await r.session.close();
  await target.release(r.servers);
}

interface Measured {
  readonly result: RunResult;
  readonly callsPerMsg: number;
  /** Durable store commits per message (LMDB transactions, each one fdatasync); null when the store does not count them. */
  readonly commitsPerMsg: number | null;
  readonly processCpu: Record<string, number>;
}

const COMMITS = 'parley_store_commits_total';

async function measuredRun(
  rg: Rig,
  rate: number,
  durationS: number,
  warmupS: number,
): Promise<Measured> {
  const before = await Promise.all(rg.servers.httpUrls.map((u) => scrape(u)));
  const meters = Object.entries(rg.servers.pids).map(
    ([name, pid]) => [name, cpuMeter(pid)] as const,
  );
  const result = await rg.session.run({ rate, durationS, warmupS });
  const processCpu: Record<string, number> = {};
  for (const [name, m] of meters) processCpu[name] = m.stop().total;
  const after = await Promise.all(rg.servers.httpUrls.map((u) => scrape(u)));
  let total = 0;
  let commits = 0;
  let counted = false;
  for (let i = 0; i < after.length; i++) {
    const calls = storeCalls(before[i]!, after[i]!);
    total += Object.values(calls).reduce((n, c) => n + c.count, 0);
    if (after[i]!.values.has(COMMITS)) {
      counted = true;
      commits += series(after[i]!, COMMITS) - series(before[i]!, COMMITS);
    }
  }
  const messages = Math.max(1, Math.round(rate * (durationS + warmupS)));
  return {
    result,
    callsPerMsg: Math.round((total / messages) * 10) / 10,
    commitsPerMsg: counted ? Math.round((commits / messages) * 1000) / 1000 : null,
    processCpu,
  };
}

function stepOf(m: Measured, rate: number, idle: CpuShare, p99BoundMs: number): Step {
  const r = m.result;
  // CPU per message above what the idle server spends anyway (ticks, heartbeats).
  const perMsg = (usPerMsg: number, idleShare: number) =>
    Math.max(0, Math.round(usPerMsg - (idleShare * 1e6) / rate));
  const us = r.serverUsPerMsg;
  const mainUs = us && perMsg(us.main, idle.main);
  return {
    rate,
    ...judge(r, p99BoundMs),
    achievedSentPerS: r.achievedSentPerS,
    p50SentMs: r.sendToSent.p50Ms,
    p99SentMs: r.sendToSent.p99Ms,
    p99DeliveredMs: r.sendToDelivered.p99Ms,
    serverCpu: r.serverCpu && { total: r.serverCpu.total, main: r.serverCpu.main },
    mainUsPerMsg: mainUs,
    totalUsPerMsg: us && perMsg(us.total, idle.total),
    mainThreadCapacity: mainUs ? Math.round((1e6 * (1 - idle.main)) / mainUs) : undefined,
    processCpu: m.processCpu,
    clientCpu: r.clientCpu,
    storeCallsPerMsg: m.callsPerMsg,
    commitsPerMsg: m.commitsPerMsg,
    errors: r.errors,
    loadAvg1: load1(),
  };
}

/** Rate and length of the priming run: every user sends one message, at most PRIME_RATE_MAX a second. */
const PRIME_RATE_MAX = 500;

/**
 * One message from every user before the climb, not judged: both actors of
 * every pair are activated (on a cluster, a Cassandra lightweight
 * transaction each), so the first step measures traffic, not activation.
 */
async function prime(rg: Rig, o: SearchOptions, describe: (r: RunResult) => string) {
  const rate = Math.max(1, Math.min(PRIME_RATE_MAX, Math.floor(o.users / 4)));
  o.log(`priming: one message per user, ${rate} msgs/s`);
  const r = await rg.session.run({ rate, durationS: o.users / rate });
  o.log(`priming done: ${describe(r).split('\n')[1]}; errors ${JSON.stringify(r.errors)}`);
  await sleepMs(1000);
}

async function climb(target: Target, o: SearchOptions, describe: (r: RunResult) => string) {
  const steps: Step[] = [];
  let max = 0;
  let maxKeepUp = 0;
  let idle: CpuShare = { total: 0, main: 0, totalMs: 0, mainMs: 0, wallMs: 0 };
  const rg = await rig(target, o);
  try {
    o.log(`node pid ${rg.servers.pid}, ${o.users} clients connected; load average ${load1()}`);
    await sleepMs(2000);
    if (rg.servers.pid > 0) {
      const idleMeter = cpuMeter(rg.servers.pid);
      await sleepMs(5000);
      idle = idleMeter.stop();
    }
    o.log(`idle node CPU with ${o.users} connections: ${JSON.stringify(idle)}`);
    await prime(rg, o, describe);
    // Without a half run to follow, the profile covers the climb (overwritten by the half run's).
    if (o.cpuProf !== undefined) await rg.servers.profileStart();
    for (const rate of o.rates) {
      o.log(`step ${rate} msgs/s (${(rate / o.users).toFixed(1)}/s per user)`);
      const m = await measuredRun(rg, rate, o.durationS, o.warmupS);
      const step = stepOf(m, rate, idle, o.p99BoundMs);
      steps.push(step);
      const word = step.pass ? 'PASS' : step.keepsUp ? 'KEEPS UP, OVER BOUND' : 'FAIL';
      o.log(`${describe(m.result)}\n=> ${word} (${step.why}); CPU ${JSON.stringify(m.processCpu)}`);
      if (!step.keepsUp) break;
      maxKeepUp = rate;
      if (step.pass && steps.every((st) => st.pass)) max = rate;
      await sleepMs(2000);
    }
    if (o.cpuProf !== undefined) o.log(`climb profile: ${await rg.servers.profileStop(o.cpuProf)}`);
  } finally {
    await close(target, rg);
  }
  return { steps, max, maxKeepUp, idle, crossNodePairs: rg.crossNodePairs, servers: rg.servers };
}

async function finalRun(
  target: Target,
  o: SearchOptions,
  name: string,
  rate: number,
  describe: (r: RunResult) => string,
): Promise<FinalRun> {
  const rg = await rig(target, o);
  try {
    o.log(
      `${name}: ${rate} msgs/s for ${o.finalS} s (fresh ${rg.servers.nodes > 1 ? 'users' : 'server'})`,
    );
    const profile = name === 'half' ? o.cpuProf : undefined;
    if (profile !== undefined) await rg.servers.profileStart();
    const m = await measuredRun(rg, rate, o.finalS, o.warmupS);
    const written = profile !== undefined ? await rg.servers.profileStop(profile) : undefined;
    if (written !== undefined) o.log(`profile: ${written}`);
    o.log(`${describe(m.result)}\nCPU ${JSON.stringify(m.processCpu)}`);
    return {
      rate,
      reachable: judge(m.result, Number.POSITIVE_INFINITY).keepsUp,
      result: m.result,
      processCpu: m.processCpu,
      storeCallsPerMsg: m.callsPerMsg,
      commitsPerMsg: m.commitsPerMsg,
      loadAvg1: load1(),
      ...(written !== undefined ? { profile: written } : {}),
    };
  } finally {
    await close(target, rg);
  }
}

/** The whole measurement against `target`; ends the target (stops what it started) at the end. */
export async function search(
  target: Target,
  o: SearchOptions,
  describe: (r: RunResult) => string,
): Promise<Search> {
  try {
    const c = await climb(target, o, describe);
    const halfOf = c.max > 0 ? c.max : c.maxKeepUp;
    const finals: { half?: FinalRun; at10k?: FinalRun } = {};
    if (halfOf >= 2)
      finals.half = await finalRun(target, o, 'half', Math.round(halfOf / 2), describe);
    if (o.at10k) finals.at10k = await finalRun(target, o, 'at10k', 10_000, describe);
    return {
      nodes: c.servers.nodes,
      encoding: o.encoding ?? 'json',
      store: c.servers.store,
      users: o.users,
      crossNodePairs: c.crossNodePairs,
      idle: c.idle,
      steps: c.steps,
      max: c.max,
      maxKeepUp: c.maxKeepUp,
      finals,
    };
  } finally {
    await target.end();
  }
}
