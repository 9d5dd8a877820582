/**
 * A realistic `RunResult` for the report's tests (and for anyone who wants
 * to look at a report without running the simulator): 3 nodes, 60 simulated
 * seconds of chat, and a partition that isolates one node from 10 to 20 s.
 * During the window availability dips (the isolated node's users get no
 * `sent` within the deadline) and latency rises; after the heal the backlog
 * is delivered in a burst. The isolated node is `isolated` in its samples,
 * its view shrinks to itself after `downAfterMs` (2 s) while the others drop
 * it, and all three views agree again a second after the heal.
 *
 * Guarantees: a pure function of its options (its own seeded generator, no
 * clock, no `Math.random`): same options, same run, byte for byte.
 * `sends: false` gives a run with no traffic at all (empty latencies, no
 * availability); `failing: true` fails `availability` and `lost`.
 */
import type {
  CheckResult,
  FaultWindow,
  NodeSample,
  RunResult,
  SeriesPoint,
  TimelineEvent,
} from '../types.ts';

export interface FixtureOptions {
  readonly scenario?: string;
  readonly seed?: number;
  /** Default 60. */
  readonly durationS?: number;
  /** Node sampling period, default 250 ms. */
  readonly nodeSampleMs?: number;
  readonly params?: Readonly<Record<string, number | string | boolean>>;
  /** The timeline's user, default `u1`. */
  readonly user?: string;
  /** Default true; false: no sends at all. */
  readonly sends?: boolean;
  /** The isolated node's index and the window, default node 2 (n3), 10–20 s. */
  readonly partition?: { readonly node: number; readonly fromS: number; readonly toS: number };
  /** Fail `availability` and `lost`. */
  readonly failing?: boolean;
}

const NODES = 3;
const USERS = 300;
const DEVICES = 400;
const SEND_RATE_PER_S = 30;
const DOWN_AFTER_MS = 2000;

export function fixtureRun(options: FixtureOptions = {}): RunResult {
  const scenario = options.scenario ?? 'partition-heal';
  const seed = options.seed ?? 42;
  const durationS = options.durationS ?? 60;
  const sampleMs = options.nodeSampleMs ?? 250;
  const part = options.partition ?? { node: 2, fromS: 10, toS: 20 };
  const sends = options.sends ?? true;
  const failing = options.failing ?? false;
  const random = mulberry32(seed);
  const isolated = `n${part.node + 1}`;
  const faults: FaultWindow[] = [
    {
      kind: 'partition',
      label: `partition: isolate ${isolated}`,
      fromMs: part.fromS * 1000,
      toMs: part.toS * 1000,
    },
  ];
  const inWindow = (tS: number) => tS >= part.fromS && tS < part.toS;
  const series = seriesOf(durationS, sends, inWindow, part.toS, random);
  const nodes = nodeSamples(durationS, sampleMs, part, random);
  const user = options.user ?? 'u1';
  const timeline = sends ? timelineOf(user, durationS, inWindow, part.toS, random) : [];
  const totalSends = series.reduce((a, p) => a + p.sends, 0);
  const acked = series.reduce((a, p) => a + p.sentAcks, 0);
  // The shapes of the shipped checkers' results (`simulations/checkers/`).
  const inDeadline = failing ? Math.round(acked * 0.8) : acked;
  const summary = (p50: number, p99: number, count: number) =>
    count === 0 ? { count } : { count, p50, p90: Math.round(p99 * 0.4), p99, max: p99 * 2 };
  const checks: Record<string, CheckResult> = {
    lost: failing
      ? {
          ok: false,
          acked,
          required: acked * 2,
          missing: 1,
          examples: [{ from: user, id: 'm3', user: 'u4', device: 'd1', sentT: 10_412 }],
        }
      : { ok: true, acked, required: acked * 2, missing: 0 },
    duplicated: { ok: true, messages: acked, duplicates: 0, seqClashes: 0 },
    reordered: { ok: true, pairs: USERS * 4, violations: 0, orderViolations: 0, seqViolations: 0 },
    receipts: { ok: true, receipts: acked * 2, violations: 0 },
    'seq-owners': { ok: true, issued: acked * 2, clashes: 0, epochs: 2, epochsPerUserMax: 2 },
    availability: {
      ok: !failing,
      sends: totalSends,
      acked,
      ackedInDeadline: inDeadline,
      share: totalSends === 0 ? 1 : round(inDeadline / totalSends, 4),
      deadlineMs: 5000,
      min: failing ? 0.95 : 0,
    },
    convergence: {
      ok: true,
      faults: 1,
      lastFaultEndMs: part.toS * 1000,
      messages: acked,
      required: acked * 2,
      missing: 0,
      convergenceMs: 1240,
      limitMs: 30_000,
    },
    latency: {
      ok: true,
      sentMs: summary(11, 2140, acked),
      deliveredMs: summary(18, 2610, acked * 2),
    },
    'messages-per-op': {
      ok: true,
      acked,
      busPerMessage: 6,
      storeCallsPerMessage: 3,
      actorMessagesPerMessage: 9,
    },
  };
  const wallS = round(durationS / 180 + random() * 0.05, 3);
  return {
    scenario,
    seed,
    trace: traceOf(`${scenario}:${seed}:${JSON.stringify(options.params ?? {})}`),
    simulatedS: durationS,
    wallS,
    speedup: round(durationS / wallS, 1),
    ok: Object.values(checks).every((c) => c.ok),
    checks,
    command: `npm run sim -- simulations/scenarios/${scenario}.yaml --seed ${seed}`,
    ...(options.params === undefined ? {} : { params: options.params }),
    series,
    faults,
    nodes,
    timeline: { user, events: timeline },
    counters: {
      busMessages: totalSends * 6,
      storeCalls: totalSends * 3,
      actorMessages: totalSends * 9,
      events: totalSends * 4,
      sends: totalSends,
    },
  };
}

function seriesOf(
  durationS: number,
  sends: boolean,
  inWindow: (tS: number) => boolean,
  healS: number,
  random: () => number,
): SeriesPoint[] {
  const out: SeriesPoint[] = [];
  for (let t = 0; t < durationS; t++) {
    const cut = inWindow(t);
    const n = sends ? Math.round(SEND_RATE_PER_S * (0.8 + 0.4 * random())) : 0;
    // A third of the users live on the isolated node: no `sent` for them until the heal.
    const acked = cut ? Math.round(n * (0.62 + 0.06 * random())) : n;
    const backlog = sends && t === healS ? Math.round(SEND_RATE_PER_S * 3.3) : 0;
    const delivered = sends ? Math.round(acked * 1.9) + backlog * 2 : 0;
    const noise = () => 0.85 + 0.3 * random();
    out.push({
      t,
      sends: n,
      sentAcks: acked + backlog,
      delivered,
      ...(n > 0 && {
        sentP50Ms: round((cut ? 16 : 11) * noise(), 1),
        sentP99Ms: round((cut ? 2300 : t === healS ? 4100 : 38) * noise(), 1),
        deliverP50Ms: round((cut ? 24 : 17) * noise(), 1),
        deliverP99Ms: round((cut ? 2700 : t === healS ? 4700 : 55) * noise(), 1),
        availability: round(acked / n, 3),
      }),
      connectedDevices: cut ? DEVICES - Math.round(DEVICES / 3) : DEVICES,
    });
  }
  return out;
}

function nodeSamples(
  durationS: number,
  sampleMs: number,
  part: { node: number; fromS: number; toS: number },
  random: () => number,
): NodeSample[] {
  const all = Array.from({ length: NODES }, (_, i) => `n${i + 1}@1`);
  const alone = all[part.node] ?? 'n?@1';
  const rest = all.filter((m) => m !== alone);
  const from = part.fromS * 1000;
  const to = part.toS * 1000;
  const out: NodeSample[] = [];
  for (let t = 0; t < durationS * 1000; t += sampleMs) {
    for (let i = 0; i < NODES; i++) {
      const isCut = i === part.node;
      const split = t >= from + DOWN_AFTER_MS && t < to + 1000;
      const viewVersion = t < from + DOWN_AFTER_MS ? 3 : t < to + 1000 ? 4 : 5;
      const members = split ? (isCut ? [alone] : rest) : all;
      // The others take over the isolated node's keys while it is gone.
      const base = USERS / NODES;
      const actors = Math.round(
        split && !isCut ? base * 1.5 + random() * 4 : base + random() * 4 - 2,
      );
      out.push({
        t,
        node: `n${i + 1}`,
        alive: true,
        isolated: isCut && t >= from && t < to,
        viewVersion,
        members,
        actors,
        sessions: Math.round(DEVICES / NODES),
      });
    }
  }
  return out;
}

function timelineOf(
  user: string,
  durationS: number,
  inWindow: (tS: number) => boolean,
  healS: number,
  random: () => number,
): TimelineEvent[] {
  const events: TimelineEvent[] = [{ t: 3, kind: 'connect', text: `${user}/d1 connected to n1` }];
  let id = 0;
  for (let t = 400; t < durationS * 1000 - 2000; t += 1500 + Math.floor(random() * 2500)) {
    id++;
    const peer = `u${2 + (id % 7)}`;
    events.push({ t, kind: 'send', text: `${user}/d1 sends m${id} to user:${peer}` });
    const late = inWindow(t / 1000);
    const sentAt = late
      ? healS * 1000 + 200 + Math.floor(random() * 300)
      : t + 8 + Math.floor(random() * 9);
    events.push({ t: sentAt, kind: 'sent', text: `m${id} sent (${sentAt - t} ms)` });
    events.push({
      t: sentAt + 30,
      kind: 'receipt',
      text: `m${id} delivered to ${peer}`,
    });
    if (id % 2 === 0)
      events.push({
        t: t + 700,
        kind: 'deliver',
        text: `message ${peer}/m${id} seq ${id / 2} in user:${peer}: "ok, see you at ${id % 12}"`,
      });
  }
  return events.sort((a, b) => a.t - b.t);
}

/** mulberry32: a tiny seeded generator, enough for fixture noise. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a, 64 bits, as 16 hex digits. */
function traceOf(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const c of text) {
    h ^= BigInt(c.codePointAt(0) ?? 0);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
