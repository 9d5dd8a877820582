/**
 * The NATS driver under virtual time, on an in-memory bus that stands in for
 * the few `NatsConnection` calls it makes (subscribe with a callback,
 * publish, flush, and for the suspect probe: request, isClosed, status). The real nats-server tests are in
 * `tests/cluster-membership.test.ts`.
 */
import type { NatsConnection } from 'nats';
import { describe, expect, it } from 'vitest';
import { captureLogger, VirtualClock } from '../runtime/testing/index.ts';
import { ClusterPlacement } from './cluster-placement.ts';
import { Membership } from './membership.ts';

type Callback = (err: Error | null, msg: { data: Uint8Array }) => void;

/**
 * A broadcast bus with a fixed latency; a node can be cut off (its publishes
 * throw, nothing reaches it, its subscriptions stay: requests to it time
 * out) or closed (cut off and its subscriptions gone: requests to it are
 * answered "no responders", as nats-server answers them).
 */
class Bus {
  private readonly subs = new Map<string, { node: string; cb: Callback }[]>();
  readonly cut = new Set<string>();
  constructor(
    private readonly clock: VirtualClock,
    private readonly latencyMs = 1,
  ) {}

  connection(node: string): NatsConnection {
    const bus = this;
    return {
      subscribe(subject: string, opts: { callback: Callback }) {
        const entry = { node, cb: opts.callback };
        bus.subs.set(subject, [...(bus.subs.get(subject) ?? []), entry]);
        return {
          unsubscribe() {
            bus.subs.set(
              subject,
              (bus.subs.get(subject) ?? []).filter((e) => e !== entry),
            );
          },
        };
      },
      publish(subject: string, data: Uint8Array) {
        if (bus.cut.has(node)) throw new Error('connection closed');
        for (const e of bus.subs.get(subject) ?? []) {
          bus.clock.setTimer(bus.latencyMs, () => {
            if (!bus.cut.has(e.node)) e.cb(null, { data });
          });
        }
      },
      request(subject: string, _data: Uint8Array, opts: { timeout: number }) {
        return new Promise((resolve, reject) => {
          const to = bus.subs.get(subject) ?? [];
          if (bus.cut.has(node) || to.some((e) => bus.cut.has(e.node))) {
            bus.clock.setTimer(opts.timeout, () =>
              reject(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })),
            );
          } else if (to.length === 0) {
            bus.clock.setTimer(bus.latencyMs, () =>
              reject(Object.assign(new Error('503'), { code: '503' })),
            );
          } else {
            bus.clock.setTimer(2 * bus.latencyMs, () => resolve({ data: new Uint8Array(0) }));
          }
        });
      },
      isClosed: () => false,
      status: () => ({ [Symbol.asyncIterator]: () => ({ next: () => new Promise(() => {}) }) }),
      flush: async () => {},
    } as unknown as NatsConnection;
  }

  /** `node`'s connection closed: cut off, and the server forgets its subscriptions. */
  close(node: string): void {
    this.cut.add(node);
    for (const [subject, subs] of this.subs) {
      this.subs.set(
        subject,
        subs.filter((e) => e.node !== node),
      );
    }
  }
}

function run(clock: VirtualClock, untilMs: number): void {
  for (;;) {
    const at = clock.nextTimerAt();
    if (at === undefined || at > untilMs) break;
    clock.setNow(at);
    clock.fireDue();
  }
  clock.setNow(untilMs);
}

function cluster(names: string[]) {
  const clock = new VirtualClock(0);
  const bus = new Bus(clock);
  const logs = captureLogger('info');
  const nodes = names.map(
    (node) =>
      new Membership({
        nc: bus.connection(node),
        self: { node, creation: 1 },
        clock,
        log: logs.logger,
      }),
  );
  return { clock, bus, logs, nodes };
}

const members = (m: Membership) => m.view().members.map((x) => x.node);

/** As `run`, in 10 ms steps, letting promise callbacks (the probes' answers) run between them. */
async function runAsync(clock: VirtualClock, untilMs: number): Promise<void> {
  while (clock.now() < untilMs) {
    run(clock, Math.min(untilMs, clock.now() + 10));
    for (let i = 0; i < 5; i++) await Promise.resolve();
  }
}

describe('Membership (driver) under virtual time', () => {
  it('gives every node the full view within a round trip, not a heartbeat period', () => {
    const { clock, nodes } = cluster(['a', 'b', 'c']);
    for (const n of nodes) n.start();
    run(clock, 5);
    for (const n of nodes) expect(members(n)).toEqual(['a', 'b', 'c']);
  });

  it('removes a node whose connection closed once suspect (probe: no responders), a cut-off one only at downAfterMs', async () => {
    const { clock, bus, nodes } = cluster(['a', 'b', 'c', 'd']);
    const [a, b] = nodes as [Membership, Membership, Membership, Membership];
    for (const n of nodes) n.start();
    await runAsync(clock, 1000);
    const removedAt = new Map<string, number>();
    a.onChange((view, previous) => {
      for (const p of previous.members)
        if (!view.members.some((m) => m.node === p.node)) removedAt.set(p.node, clock.now());
    });
    const t0 = clock.now();
    bus.close('c'); // killed: the server forgets its subscriptions
    bus.cut.add('d'); // black-holed: its subscriptions stay, requests to it time out
    await runAsync(clock, t0 + 3000);
    // Suspect after 1 s of silence (its last heartbeat up to 250 ms before), probed at that tick.
    expect(removedAt.get('c')! - t0).toBeGreaterThanOrEqual(750);
    expect(removedAt.get('c')! - t0).toBeLessThanOrEqual(1150);
    expect(removedAt.get('d')! - t0).toBeGreaterThanOrEqual(1750);
    expect(removedAt.get('d')! - t0).toBeLessThanOrEqual(2150);
    expect(a.stats).toMatchObject({ fastDowns: 1, downs: 2 });
    expect(b.stats.fastDowns).toBe(1);
    expect(a.stats.probesSent).toBeGreaterThan(1);
    expect(members(a)).toEqual(['a', 'b']);
  });

  it('removes a cut-off node after downAfterMs, and the node itself turns isolated', () => {
    const { clock, bus, nodes, logs } = cluster(['a', 'b', 'c']);
    const [a, b, c] = nodes as [Membership, Membership, Membership];
    for (const n of nodes) n.start();
    run(clock, 1000);
    const flips: [number, boolean][] = [];
    c.onIsolation((i) => flips.push([clock.now(), i]));
    let removedAt: number | undefined;
    a.onChange((view) => {
      if (!view.members.some((m) => m.node === 'c')) removedAt ??= clock.now();
    });
    bus.cut.add('c');
    run(clock, 4000);
    expect(removedAt! - 1000).toBeGreaterThanOrEqual(1750);
    expect(removedAt! - 1000).toBeLessThanOrEqual(2100);
    expect(flips.length).toBe(1);
    expect(flips[0]![0] - 1000).toBeLessThanOrEqual(2100);
    expect(members(b)).toEqual(['a', 'b']);
    expect(members(c)).toEqual(['a', 'b', 'c']);
    expect(c.stats.publishErrors).toBeGreaterThan(0);
    const change = logs.lines.find(
      (l) => l.msg === 'membership view changed' && (l.removed as unknown[]).length > 0,
    );
    expect(change).toMatchObject({ removed: [{ member: 'c@1', reason: 'down' }] });
    expect(typeof change?.version).toBe('number');
    // Back: c sends a join, everyone answers, views agree within a round trip.
    bus.cut.delete('c');
    run(clock, 4300);
    for (const n of nodes) expect(members(n)).toEqual(['a', 'b', 'c']);
    expect(flips.map(([, i]) => i)).toEqual([true, false]);
    expect(a.stats.rejoins).toBe(1);
  });

  it('announces a status change at once and a leave before going quiet', async () => {
    const { clock, nodes } = cluster(['a', 'b']);
    const [a, b] = nodes as [Membership, Membership];
    for (const n of nodes) n.start();
    run(clock, 10);
    const placement = new ClusterPlacement(b);
    a.setStatus('draining');
    run(clock, 12);
    expect(placement.shardMap().nodes).toEqual(['b']);
    expect(b.view().members.find((m) => m.node === 'a')?.status).toBe('draining');
    await a.leave();
    run(clock, 14);
    expect(members(b)).toEqual(['b']);
    expect(members(a)).toEqual(['b']);
    const published = a.stats.published;
    run(clock, 5000);
    expect(a.stats.published).toBe(published);
  });

  it('keeps calling the other listeners when one throws, and counts it', () => {
    const { clock, nodes } = cluster(['a', 'b']);
    const [a] = nodes as [Membership, Membership];
    let calls = 0;
    a.onChange(() => {
      throw new Error('listener bug');
    });
    const off = a.onChange(() => calls++);
    for (const n of nodes) n.start();
    run(clock, 10);
    expect(calls).toBe(2);
    expect(a.stats.listenerErrors).toBe(2);
    off();
    expect(() => a.start()).toThrow('membership of "a" was already started');
  });
});
