/**
 * MembershipCore in a simulated cluster under virtual time: nodes heartbeat
 * over a FIFO bus with latency; faults are crashes, restarts, leaves, joins,
 * partitions (a node cut off from the bus both ways) and pauses (a node's
 * timers and inbox stop; on resume its late timers run first, then the
 * messages that queued up, possibly read late, as in Node's event loop).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TimerHandle } from '../runtime/index.ts';
import { VirtualClock } from '../runtime/testing/index.ts';
import { type DetectorOptions, resolveDetectorOptions } from './detector-options.ts';
import { type MemberInfo, MembershipCore, type Step } from './membership-core.ts';
import { ShardMap } from './placement.ts';

const fcOptions = { seed: Number(process.env.FC_SEED), verbose: true, numRuns: 60 };
const T0 = 1_700_000_000_000;
const info = (node: string, creation = 1): MemberInfo => ({
  node,
  creation,
  status: 'up',
  startedAt: T0,
});
const names = (core: MembershipCore) => core.view().members.map((m) => `${m.node}@${m.creation}`);

type Msg =
  | { readonly type: 'hb'; readonly info: MemberInfo; readonly join: boolean }
  | { readonly type: 'leave'; readonly node: string; readonly creation: number };

interface Interval {
  readonly from: number;
  to: number;
}

interface SimNode {
  readonly name: string;
  creation: number;
  core: MembershipCore;
  alive: boolean;
  partitioned: boolean;
  pausedUntil: number;
  /** After a pause, the socket backlog is read only from this time on (a slow reader). */
  readingUntil: number;
  inbox: Msg[];
  timers: TimerHandle[];
  lastVersion: number;
}

type Action =
  | { kind: 'crash' | 'restart' | 'leave' | 'partition' | 'heal'; target: number }
  | { kind: 'pause'; target: number; ms: number; readDelayMs?: number }
  | { kind: 'join' };

const LATENCY_MAX_MS = 30;

class Sim {
  readonly clock = new VirtualClock(T0);
  readonly nodes: SimNode[] = [];
  readonly opts: ReturnType<typeof resolveDetectorOptions>;
  /** Faults per incarnation `node@creation`, for judging every down verdict. */
  readonly faults = new Map<string, Interval[]>();
  /** Pauses and partitions per node name (the observer's own faults). */
  readonly ownFaults = new Map<string, Interval[]>();
  readonly checks: (() => void)[] = [];
  private lastDelivery = new Map<string, number>();
  private latencies: readonly number[];
  private li = 0;

  constructor(opts: DetectorOptions, latencies: readonly number[]) {
    this.opts = resolveDetectorOptions(opts);
    this.latencies = latencies.length > 0 ? latencies : [5];
  }

  fault(node: SimNode, from: number, to = Number.POSITIVE_INFINITY): Interval {
    const key = `${node.name}@${node.creation}`;
    const interval = { from, to };
    this.faults.set(key, [...(this.faults.get(key) ?? []), interval]);
    return interval;
  }

  ownFault(node: SimNode, interval: Interval): void {
    this.ownFaults.set(node.name, [...(this.ownFaults.get(node.name) ?? []), interval]);
  }

  start(name: string, creation: number): SimNode {
    const now = this.clock.now();
    const existing = this.nodes.find((n) => n.name === name);
    const node: SimNode = existing ?? {
      name,
      creation,
      core: undefined as unknown as MembershipCore,
      alive: true,
      partitioned: false,
      pausedUntil: 0,
      readingUntil: 0,
      inbox: [],
      timers: [],
      lastVersion: 0,
    };
    Object.assign(node, {
      creation,
      alive: true,
      inbox: [],
      pausedUntil: 0,
      readingUntil: 0,
      lastVersion: 0,
    });
    node.core = new MembershipCore({ ...info(name, creation), startedAt: now }, now, this.opts);
    if (!existing) this.nodes.push(node);
    this.publish(node, { type: 'hb', info: node.core.self(), join: true });
    this.loops(node);
    return node;
  }

  private loops(node: SimNode): void {
    const hb = () => {
      if (!node.alive || this.paused(node)) return;
      this.publish(node, { type: 'hb', info: node.core.self(), join: false });
      node.timers.push(this.clock.setTimer(this.opts.heartbeatMs, hb));
    };
    const tick = () => {
      if (!node.alive || this.paused(node)) return;
      this.apply(node, node.core.tick(this.clock.now()));
      node.timers.push(this.clock.setTimer(this.opts.tickMs, tick));
    };
    node.timers.push(this.clock.setTimer(this.opts.heartbeatMs, hb));
    node.timers.push(this.clock.setTimer(this.opts.tickMs, tick));
  }

  private stopLoops(node: SimNode): void {
    for (const t of node.timers) this.clock.clearTimer(t);
    node.timers = [];
  }

  private paused(node: SimNode): boolean {
    return this.clock.now() < node.pausedUntil;
  }

  publish(from: SimNode, msg: Msg): void {
    if (from.partitioned) return;
    for (const to of this.nodes) {
      if (!to.alive) continue;
      const lat = this.latencies[this.li++ % this.latencies.length]!;
      const link = `${from.name}>${to.name}`;
      // FIFO per (publisher, subscriber), as NATS.
      const at = Math.max(this.clock.now() + lat, this.lastDelivery.get(link) ?? 0);
      this.lastDelivery.set(link, at);
      const creation = to.creation;
      this.clock.setTimer(at - this.clock.now(), () => {
        if (!to.alive || to.creation !== creation || to.partitioned) return;
        if (this.paused(to) || this.clock.now() < to.readingUntil) to.inbox.push(msg);
        else this.deliver(to, msg);
      });
    }
  }

  private deliver(to: SimNode, msg: Msg): void {
    const now = this.clock.now();
    if (msg.type === 'leave') {
      this.apply(to, to.core.leave(msg.node, msg.creation, now));
      return;
    }
    this.apply(to, to.core.heartbeat(msg.info, now));
    // The driver answers a join at once, so a joiner gets the view in one round trip.
    if (msg.join && msg.info.node !== to.name && !to.core.left()) {
      this.publish(to, { type: 'hb', info: to.core.self(), join: false });
    }
  }

  private apply(node: SimNode, step: Step): void {
    const change = step.change;
    if (!change) return;
    const now = this.clock.now();
    expect(change.view.version).toBe(change.previous.version + 1);
    expect(change.view.version).toBeGreaterThan(node.lastVersion);
    node.lastVersion = change.view.version;
    for (const r of change.removed) {
      if (r.reason !== 'down') continue;
      // A down verdict is legitimate only if the member had a fault recently.
      const window = this.opts.downAfterMs + this.opts.heartbeatMs + LATENCY_MAX_MS;
      const key = `${r.member.node}@${r.member.creation}`;
      const faulty = (this.faults.get(key) ?? []).some(
        (f) => f.from <= now && f.to >= now - window,
      );
      if (!faulty) {
        throw new Error(`${node.name} falsely declared ${key} down at +${now - T0} ms`);
      }
    }
  }

  act(action: Action): void {
    const now = this.clock.now();
    if (action.kind === 'join') {
      this.start(`n${this.nodes.length}`, 1);
      return;
    }
    const node = this.nodes[action.target % this.nodes.length]!;
    switch (action.kind) {
      case 'crash':
        if (!node.alive) return;
        node.alive = false;
        this.stopLoops(node);
        this.fault(node, now);
        this.expectGoneBy(node, now);
        return;
      case 'restart':
        if (node.alive || node.core.left()) return;
        this.start(node.name, node.creation + 1);
        return;
      case 'leave':
        if (!node.alive || node.partitioned || this.paused(node)) return;
        this.fault(node, now);
        this.publish(node, { type: 'leave', node: node.name, creation: node.creation });
        this.apply(node, node.core.leave(node.name, node.creation, now));
        node.alive = false;
        this.stopLoops(node);
        return;
      case 'partition': {
        if (!node.alive || node.partitioned) return;
        node.partitioned = true;
        const f = this.fault(node, now);
        this.ownFault(node, f);
        (node as SimNode & { cut?: Interval }).cut = f;
        return;
      }
      case 'heal': {
        const cut = (node as SimNode & { cut?: Interval }).cut;
        if (!node.partitioned || cut === undefined) return;
        node.partitioned = false;
        cut.to = now;
        return;
      }
      case 'pause': {
        if (!node.alive || this.paused(node)) return;
        const until = now + action.ms;
        node.pausedUntil = until;
        this.stopLoops(node);
        this.fault(node, now, until);
        // As an observer it is troubled until it has read its backlog.
        this.ownFault(node, { from: now, to: until + (action.readDelayMs ?? 0) });
        this.clock.setTimer(action.ms, () => this.resume(node, until, action.readDelayMs ?? 0));
        return;
      }
    }
  }

  private resume(node: SimNode, until: number, readDelayMs: number): void {
    if (!node.alive || node.pausedUntil !== until) return;
    // Node runs expired timers before reading the sockets; the backlog may take a while to read.
    this.apply(node, node.core.tick(this.clock.now()));
    this.publish(node, { type: 'hb', info: node.core.self(), join: false });
    this.loops(node);
    node.readingUntil = this.clock.now() + readDelayMs;
    const creation = node.creation;
    this.clock.setTimer(readDelayMs, () => {
      if (!node.alive || node.creation !== creation) return;
      const queued = node.inbox;
      node.inbox = [];
      for (const msg of queued) if (node.alive) this.deliver(node, msg);
    });
  }

  /** A crashed incarnation must be gone from every normally running node's view in time. */
  private expectGoneBy(crashed: SimNode, crashAt: number): void {
    const key = `${crashed.name}@${crashed.creation}`;
    const deadline = crashAt + this.opts.downAfterMs + this.opts.heartbeatMs;
    const windowFrom = crashAt - this.opts.downAfterMs - this.opts.heartbeatMs;
    this.clock.setTimer(deadline - crashAt, () => {
      for (const y of this.nodes) {
        if (!y.alive || y === crashed) continue;
        const troubled = (this.ownFaults.get(y.name) ?? []).some(
          (f) => f.from <= deadline && f.to >= windowFrom,
        );
        if (troubled || y.partitioned) continue;
        if (names(y.core).includes(key)) {
          throw new Error(`${y.name} still had crashed ${key} at +${deadline - T0} ms`);
        }
      }
    });
  }

  runUntil(ms: number): void {
    for (;;) {
      const at = this.clock.nextTimerAt();
      if (at === undefined || at > ms) break;
      this.clock.setNow(at);
      this.clock.fireDue();
    }
    this.clock.setNow(ms);
  }
}

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('crash' as const), target: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('restart' as const), target: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('leave' as const), target: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('partition' as const), target: fc.nat() }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('heal' as const), target: fc.nat() }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('pause' as const),
      target: fc.nat(),
      ms: fc.integer({ min: 50, max: 6000 }),
      readDelayMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1500 })),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'join' as const }) },
);

const scenarioArb = fc.record({
  nodes: fc.integer({ min: 2, max: 5 }),
  latencies: fc.array(fc.integer({ min: 0, max: LATENCY_MAX_MS }), { minLength: 1, maxLength: 16 }),
  schedule: fc.array(fc.tuple(fc.integer({ min: 0, max: 3000 }), actionArb), { maxLength: 14 }),
  opts: fc.constantFrom<DetectorOptions>(
    {},
    { heartbeatMs: 300, downAfterMs: 2000 },
    { heartbeatMs: 100, downAfterMs: 1000, tickMs: 50 },
  ),
});

describe('MembershipCore in a simulated cluster under virtual time', () => {
  it('keeps versions growing, removes crashed nodes in time, never removes a healthy node, and converges', () => {
    fc.assert(
      fc.property(scenarioArb, ({ nodes, latencies, schedule, opts }) => {
        const sim = new Sim(opts, latencies);
        for (let i = 0; i < nodes; i++) sim.start(`n${i}`, 1);
        let t = T0 + 1000;
        sim.runUntil(t);
        // Within a round trip every node has every other: the join was answered.
        for (const n of sim.nodes) expect(n.core.view().members.length).toBe(nodes);
        for (const [delayMs, action] of schedule) {
          t += delayMs;
          sim.runUntil(t);
          sim.act(action);
        }
        // Heal everything, let pauses end, and give the detector time to settle.
        t += 6000;
        sim.runUntil(t);
        for (const n of sim.nodes) sim.act({ kind: 'heal', target: sim.nodes.indexOf(n) });
        t += 2 * sim.opts.downAfterMs + 1000;
        sim.runUntil(t);
        const alive = sim.nodes.filter((n) => n.alive);
        const expected = alive.map((n) => `${n.name}@${n.creation}`).sort();
        for (const n of alive) {
          expect(names(n.core)).toEqual(expected);
          expect(n.core.isolated()).toBe(false);
        }
        // Nodes that see the same members compute the same owner for every shard.
        const maps = alive.map((n) =>
          ShardMap.build(
            n.core
              .view()
              .members.filter((m) => m.status === 'up')
              .map((m) => m.node),
          ),
        );
        for (const m of maps) expect(m.diff(maps[0]!)).toEqual([]);
      }),
      fcOptions,
    );
  });

  it('does not falsely mark others down when the local node is paused and resumed, however long', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 50, max: 10_000 })),
          {
            minLength: 1,
            maxLength: 8,
          },
        ),
        (pauses) => {
          const sim = new Sim({}, [1, 3, 7]);
          for (let i = 0; i < 3; i++) sim.start(`n${i}`, 1);
          let t = T0 + 1000;
          sim.runUntil(t);
          for (const [gapMs, ms] of pauses) {
            t += gapMs;
            sim.runUntil(t);
            sim.act({ kind: 'pause', target: 0, ms });
            t += ms;
          }
          t += 3000;
          sim.runUntil(t);
          const n0 = sim.nodes[0]!;
          // Only the paused node itself could have been removed (by the others), never by it.
          expect(names(n0.core)).toEqual(['n0@1', 'n1@1', 'n2@1']);
          expect(n0.core.stats.downs).toBe(0);
          expect(n0.core.stats.lateTicks).toBeGreaterThanOrEqual(
            pauses.filter(([, ms]) => ms > 300).length,
          );
        },
      ),
      fcOptions,
    );
  });
});
