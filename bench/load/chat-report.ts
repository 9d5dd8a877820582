/**
 * What chat-1to1 prints, from a `Search` (pure: no I/O, so it is tested on
 * its own): `singleLine` is the result of one target (the shape the
 * benchmark has always printed); `summary` is one target's figures in a
 * few flat fields; `besideLine` puts the one-node and the cluster summaries
 * side by side, the metric being the cluster's max sustained rate.
 */
import type { FinalRun, Search } from './chat-search.ts';
import type { Verdict } from './chat-verdict.ts';
import type { Machine } from './machine.ts';

export const TARGET_MSGS_PER_S = 20_000;
export const AT10K_TARGET_P99_MS = 50;

export interface Step extends Verdict {
  readonly rate: number;
  readonly achievedSentPerS: number;
  readonly p50SentMs: number;
  readonly p99SentMs: number;
  readonly p99DeliveredMs: number;
  readonly serverCpu: { readonly total: number; readonly main: number } | undefined;
  /** The metered node's main-thread CPU per message above the idle baseline, µs (window + drain). */
  readonly mainUsPerMsg: number | undefined;
  /** Its CPU per message above the idle baseline, all threads, µs. */
  readonly totalUsPerMsg: number | undefined;
  /** The rate at which a whole core for the main thread would be saturated, at this cost. */
  readonly mainThreadCapacity: number | undefined;
  /** CPU share (1.0 = one core) of each process over the run, by name. */
  readonly processCpu: Readonly<Record<string, number>>;
  readonly clientCpu: number;
  readonly storeCallsPerMsg: number;
  /** Durable commits (each one fdatasync) per message; null when the store does not count them. */
  readonly commitsPerMsg: number | null;
  readonly errors: Readonly<Record<string, number>>;
  readonly loadAvg1: number;
}

export interface Summary {
  readonly nodes: number;
  readonly encoding: 'json' | 'msgpack';
  readonly store: string;
  readonly users: number;
  readonly crossNodePairs: number | null;
  readonly maxSustainedMsgsPerS: number;
  readonly maxKeepUpMsgsPerS: number;
  readonly halfRate: number | null;
  readonly halfOf: string;
  readonly halfP50SentMs: number | null;
  readonly halfP99SentMs: number | null;
  readonly halfP50DeliveredMs: number | null;
  readonly halfP99DeliveredMs: number | null;
  readonly halfStoreCallsPerMsg: number | null;
  readonly halfCommitsPerMsg: number | null;
  readonly halfProcessCpu: Readonly<Record<string, number>> | null;
  /** Payload bytes per message at half rate, all clients: up (client→server), down. */
  readonly halfWireBytesPerMsg: { readonly up: number; readonly down: number } | null;
  /** The metered node's CPU per message at half rate, µs: all threads, main thread. */
  readonly halfServerUsPerMsg: { readonly total: number; readonly main: number } | null;
  readonly at10k: {
    readonly reachable: boolean;
    readonly achievedSentPerS: number;
    readonly p99DeliveredMs: number | null;
  } | null;
}

function halfOf(s: Search): string {
  return s.max > 0 ? 'max sustained' : 'max keep-up (no step met the p99 bound)';
}

export function summary(s: Search): Summary {
  const half = s.finals.half;
  const at10k = s.finals.at10k;
  return {
    nodes: s.nodes,
    encoding: s.encoding,
    store: s.store,
    users: s.users,
    crossNodePairs: s.crossNodePairs ?? null,
    maxSustainedMsgsPerS: s.max,
    maxKeepUpMsgsPerS: s.maxKeepUp,
    halfRate: half?.rate ?? null,
    halfOf: halfOf(s),
    halfP50SentMs: half?.result.sendToSent.p50Ms ?? null,
    halfP99SentMs: half?.result.sendToSent.p99Ms ?? null,
    halfP50DeliveredMs: half?.result.sendToDelivered.p50Ms ?? null,
    halfP99DeliveredMs: half?.result.sendToDelivered.p99Ms ?? null,
    halfStoreCallsPerMsg: half?.storeCallsPerMsg ?? null,
    halfCommitsPerMsg: half?.commitsPerMsg ?? null,
    halfProcessCpu: half?.processCpu ?? null,
    halfWireBytesPerMsg: half?.result.wireBytesPerMsg ?? null,
    halfServerUsPerMsg: half?.result.serverUsPerMsg ?? null,
    at10k:
      at10k === undefined
        ? null
        : {
            reachable: at10k.reachable,
            achievedSentPerS: at10k.result.achievedSentPerS,
            p99DeliveredMs: at10k.reachable ? at10k.result.sendToDelivered.p99Ms : null,
          },
  };
}

function finalJson(f: FinalRun): Record<string, unknown> {
  const r = f.result;
  return {
    rate: f.rate,
    reachable: f.reachable,
    achievedSentPerS: r.achievedSentPerS,
    sendToSent: r.sendToSent,
    sendToDelivered: r.sendToDelivered,
    sendToReceipt: r.sendToReceipt,
    errors: r.errors,
    serverCpu: r.serverCpu,
    processCpu: f.processCpu,
    storeCallsPerMsg: f.storeCallsPerMsg,
    commitsPerMsg: f.commitsPerMsg,
    clientCpu: r.clientCpu,
    loadAvg1: f.loadAvg1,
    ...(f.profile !== undefined ? { profile: f.profile } : {}),
  };
}

/** Steps and finals of one target, in full. */
export function details(s: Search): Record<string, unknown> {
  const finals: Record<string, unknown> = {};
  if (s.finals.half) finals.half = finalJson(s.finals.half);
  if (s.finals.at10k) finals.at10k = finalJson(s.finals.at10k);
  return { idleServerCpu: s.idle, steps: s.steps, finals };
}

export interface Line {
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  readonly [extra: string]: unknown;
}

/** One target's result line (one node, or `--url`). */
export function singleLine(s: Search, p99BoundMs: number, at: Machine): Line {
  const sum = summary(s);
  return {
    metric: 'max_sustained_msgs_per_s',
    value: s.max,
    unit: 'msg/s',
    target: TARGET_MSGS_PER_S,
    maxKeepUp: s.maxKeepUp,
    halfRate: sum.halfRate ?? Math.round((s.max > 0 ? s.max : s.maxKeepUp) / 2),
    halfOf: sum.halfOf,
    halfP50SentMs: sum.halfP50SentMs,
    halfP99SentMs: sum.halfP99SentMs,
    halfP50DeliveredMs: sum.halfP50DeliveredMs,
    halfP99DeliveredMs: sum.halfP99DeliveredMs,
    encoding: sum.encoding,
    halfWireBytesPerMsg: sum.halfWireBytesPerMsg,
    halfServerUsPerMsg: sum.halfServerUsPerMsg,
    at10kReachable: sum.at10k?.reachable ?? false,
    at10kP99DeliveredMs: sum.at10k?.p99DeliveredMs ?? null,
    at10kAchievedSentPerS: sum.at10k?.achievedSentPerS ?? null,
    at10kTargetP99Ms: AT10K_TARGET_P99_MS,
    users: s.users,
    nodes: s.nodes,
    store: s.store,
    crossNodePairs: sum.crossNodePairs,
    p99BoundMs,
    ...details(s),
    machine: at,
  };
}

/**
 * The one node and the cluster side by side; the metric is the cluster's
 * max sustained rate. `oneNode` undefined: skipped (`--one-node skip`).
 */
export function besideLine(
  oneNode: Search | undefined,
  cluster: Search,
  p99BoundMs: number,
  at: Machine,
): Line {
  const one = oneNode === undefined ? null : summary(oneNode);
  return {
    metric: 'max_sustained_msgs_per_s',
    value: cluster.max,
    unit: 'msg/s',
    target: TARGET_MSGS_PER_S,
    beside: { oneNode: one ?? { skipped: true }, cluster: summary(cluster) },
    clusterOverOneNode:
      one === null || one.maxSustainedMsgsPerS === 0
        ? null
        : Math.round((cluster.max / one.maxSustainedMsgsPerS) * 100) / 100,
    p99BoundMs,
    details: {
      ...(oneNode !== undefined ? { oneNode: details(oneNode) } : {}),
      cluster: details(cluster),
    },
    machine: at,
  };
}
