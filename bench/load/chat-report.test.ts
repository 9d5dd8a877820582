import { describe, expect, test } from 'vitest';
import { besideLine, singleLine, summary } from './chat-report.ts';
import type { FinalRun, Search } from './chat-search.ts';
import type { LatencySummary } from './histogram.ts';
import type { RunResult } from './load-session.ts';
import type { Machine } from './machine.ts';

const lat = (p50Ms: number, p99Ms: number): LatencySummary => ({
  count: 100,
  p50Ms,
  p90Ms: p99Ms,
  p99Ms,
  p999Ms: p99Ms,
  maxMs: p99Ms,
  meanMs: p50Ms,
});

function result(rate: number, sent: [number, number], delivered: [number, number]): RunResult {
  return {
    rate,
    users: 100,
    durationS: 2,
    perConnectionRate: rate / 100,
    offered: rate * 2,
    sentAcks: rate * 2,
    delivered: rate * 2,
    receipts: rate * 2,
    achievedSentPerS: rate,
    achievedDeliveredPerS: rate,
    sendToSent: lat(...sent),
    sendToDelivered: lat(...delivered),
    sendToReceipt: lat(1, 2),
    clientLag: lat(0, 1),
    errors: {},
    inFlightMax: 10,
    drainedMs: 5,
    clientCpu: 0.1,
    wireBytesPerMsg: { up: 200, down: 300 },
  };
}

const final = (rate: number, sent: [number, number], delivered: [number, number]): FinalRun => ({
  rate,
  reachable: true,
  result: result(rate, sent, delivered),
  processCpu: { 'node-1': 0.2 },
  storeCallsPerMsg: 4.5,
  commitsPerMsg: 0.25,
  loadAvg1: 1,
});

function searched(over: Partial<Search> = {}): Search {
  return {
    nodes: 1,
    encoding: 'json',
    store: 'lmdb',
    users: 100,
    crossNodePairs: undefined,
    idle: { total: 0, main: 0, totalMs: 0, mainMs: 0, wallMs: 5000 },
    steps: [],
    max: 1000,
    maxKeepUp: 2000,
    finals: { half: final(500, [3, 12], [4, 13]) },
    ...over,
  };
}

const at: Machine = {
  cpus: 2,
  idlePctBefore: 90,
  cpuModel: 'x',
  node: 'v20',
  loadAvg1: 1,
  at: '2026-12-02T00:00:00.000Z',
};

describe('summary', () => {
  test("gives the max, the keep-up rate and the half run's p50/p99 of both latencies", () => {
    expect(summary(searched())).toEqual({
      nodes: 1,
      encoding: 'json',
      store: 'lmdb',
      users: 100,
      crossNodePairs: null,
      maxSustainedMsgsPerS: 1000,
      maxKeepUpMsgsPerS: 2000,
      halfRate: 500,
      halfOf: 'max sustained',
      halfP50SentMs: 3,
      halfP99SentMs: 12,
      halfP50DeliveredMs: 4,
      halfP99DeliveredMs: 13,
      halfStoreCallsPerMsg: 4.5,
      halfCommitsPerMsg: 0.25,
      halfProcessCpu: { 'node-1': 0.2 },
      halfWireBytesPerMsg: { up: 200, down: 300 },
      halfServerUsPerMsg: null,
      at10k: null,
    });
  });

  test('says when the half rate is half of the keep-up rate, and reads nothing of a missing run', () => {
    const s = summary(searched({ max: 0, maxKeepUp: 0, finals: {} }));
    expect(s.halfOf).toBe('max keep-up (no step met the p99 bound)');
    expect(s.halfRate).toBeNull();
    expect(s.halfP99DeliveredMs).toBeNull();
  });

  test('reports the 10,000 msgs/s latency only when that rate was reachable', () => {
    const reached = final(10_000, [5, 20], [6, 30]);
    expect(summary(searched({ finals: { at10k: reached } })).at10k).toEqual({
      reachable: true,
      achievedSentPerS: 10_000,
      p99DeliveredMs: 30,
    });
    const missed = { ...reached, reachable: false };
    expect(summary(searched({ finals: { at10k: missed } })).at10k?.p99DeliveredMs).toBeNull();
  });
});

describe('besideLine', () => {
  test("puts both summaries side by side under beside; the value is the cluster's", () => {
    const one = searched();
    const cluster = searched({ nodes: 3, store: 'cassandra', max: 250, crossNodePairs: 50 });
    const line = besideLine(one, cluster, 100, at);
    expect(line.metric).toBe('max_sustained_msgs_per_s');
    expect(line.value).toBe(250);
    expect(line.unit).toBe('msg/s');
    expect(line.beside).toEqual({ oneNode: summary(one), cluster: summary(cluster) });
    expect(line.clusterOverOneNode).toBe(0.25);
    expect(Object.keys(line.details as object)).toEqual(['oneNode', 'cluster']);
    expect(JSON.parse(JSON.stringify(line))).toEqual(line);
  });

  test('marks a skipped one-node part', () => {
    const line = besideLine(undefined, searched({ nodes: 3 }), 100, at);
    expect((line.beside as { oneNode: unknown }).oneNode).toEqual({ skipped: true });
    expect(line.clusterOverOneNode).toBeNull();
    expect(Object.keys(line.details as object)).toEqual(['cluster']);
  });
});

describe('singleLine', () => {
  test('keeps the one-target fields chat-1to1 has always printed', () => {
    const line = singleLine(searched(), 100, at);
    for (const key of [
      'metric',
      'value',
      'unit',
      'target',
      'maxKeepUp',
      'halfRate',
      'halfOf',
      'halfP50DeliveredMs',
      'halfP99DeliveredMs',
      'at10kReachable',
      'at10kP99DeliveredMs',
      'at10kAchievedSentPerS',
      'at10kTargetP99Ms',
      'users',
      'nodes',
      'p99BoundMs',
      'idleServerCpu',
      'steps',
      'finals',
      'machine',
    ])
      expect(line).toHaveProperty(key);
    expect(line.value).toBe(1000);
    expect(line.halfRate).toBe(500);
  });
});
