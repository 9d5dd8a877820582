/**
 * Test support: the real `MembershipCore` of every in-process node, driven
 * by timers on the injected clock and exchanging heartbeats over a bus that
 * honours the cuts of an `InProcessNetwork` (as NATS would carry them).
 * For tests only; never imported by production code.
 *
 * - A heartbeat from `a` reaches `b` (after `latencyMs`) only if both are
 *   running, neither is cut off from the bus, and `network.connected(a, b)`
 *   holds at delivery time. A node's own heartbeat comes back to it (NATS
 *   echo) unless it is cut off from the bus: `cutOff` models a node that lost
 *   NATS (it turns isolated and owns nothing); a pairwise partition leaves
 *   both sides their echo, so each side builds its own view (split brain).
 * - As `cluster/membership.ts` does: the first heartbeat carries `join` and
 *   every member answers a join at once; a node whose isolation ends joins again.
 * - `stop(node)` is a crash: timers stop, nothing is announced.
 * Each started node is a `MembershipLike` for `ClusterPlacement`.
 */
import type { DetectorOptions, MemberInfo, MembershipLike, View } from '../../cluster/index.ts';
import { MembershipCore, type MembershipStep } from '../../cluster/index.ts';
import type { Clock, InProcessNetwork, TimerHandle } from '../../runtime/index.ts';

export class TestMembership implements MembershipLike {
  readonly core: MembershipCore;
  private readonly changes = new Set<(view: View, previous: View) => void>();
  private readonly isolations = new Set<(isolated: boolean) => void>();
  private timers: TimerHandle[] = [];
  running = true;

  constructor(
    private readonly bus: MembershipBus,
    info: MemberInfo,
  ) {
    this.core = new MembershipCore(info, bus.clock.now(), bus.options);
  }

  view(): View {
    return this.core.view();
  }
  isolated(): boolean {
    return this.core.isolated();
  }
  self(): MemberInfo {
    return this.core.self();
  }
  onChange(listener: (view: View, previous: View) => void): () => void {
    this.changes.add(listener);
    return () => this.changes.delete(listener);
  }
  onIsolation(listener: (isolated: boolean) => void): () => void {
    this.isolations.add(listener);
    return () => this.isolations.delete(listener);
  }

  start(): void {
    const { heartbeatMs, tickMs } = this.core.options;
    this.bus.publish(this, true);
    const beat = () => {
      if (!this.running) return;
      this.bus.publish(this, false);
      this.timers[0] = this.bus.clock.setTimer(heartbeatMs, beat);
    };
    const tick = () => {
      if (!this.running) return;
      this.apply(this.core.tick(this.bus.clock.now()));
      this.timers[1] = this.bus.clock.setTimer(tickMs, tick);
    };
    this.timers = [
      this.bus.clock.setTimer(heartbeatMs, beat),
      this.bus.clock.setTimer(tickMs, tick),
    ];
  }

  stop(): void {
    this.running = false;
    for (const t of this.timers) this.bus.clock.clearTimer(t);
    this.timers = [];
  }

  /** A heartbeat arrived. */
  receive(info: MemberInfo, join: boolean): void {
    if (!this.running) return;
    const wasIsolated = this.core.isolated();
    this.apply(this.core.heartbeat(info, this.bus.clock.now()));
    if (join && info.node !== this.self().node) this.bus.publish(this, false);
    if (wasIsolated && !this.core.isolated()) this.bus.publish(this, true);
  }

  private apply(step: MembershipStep): void {
    if (step.change) {
      const { view, previous } = step.change;
      for (const l of [...this.changes]) l(view, previous);
    }
    if (step.isolated !== undefined) for (const l of [...this.isolations]) l(step.isolated);
  }
}

export class MembershipBus {
  private readonly members = new Map<string, TestMembership>();
  private readonly cut = new Set<string>();
  /** Heartbeats delivered and dropped. */
  readonly stats = { delivered: 0, dropped: 0 };

  constructor(
    readonly clock: Clock,
    private readonly network: InProcessNetwork,
    readonly options: DetectorOptions = {},
    private readonly latencyMs = 5,
  ) {}

  /** Starts a node's membership (a restart replaces the older incarnation's, which must be stopped). */
  start(node: string, creation: number): TestMembership {
    this.members.get(node)?.stop();
    const m = new TestMembership(this, {
      node,
      creation,
      status: 'up',
      startedAt: this.clock.now(),
    });
    this.members.set(node, m);
    m.start();
    return m;
  }

  /** A crash: the node's membership stops without a word. */
  stop(node: string): void {
    this.members.get(node)?.stop();
  }

  /** The node loses (true) or regains (false) the bus, its own echo included. */
  cutOff(node: string, cut: boolean): void {
    if (cut) this.cut.add(node);
    else this.cut.delete(node);
  }

  private reaches(from: string, to: string): boolean {
    if (this.cut.has(from) || this.cut.has(to)) return false;
    return from === to || this.network.connected(from, to);
  }

  publish(sender: TestMembership, join: boolean): void {
    const info = sender.self();
    for (const target of [...this.members.values()]) {
      if (!target.running) continue;
      const to = target.self().node;
      if (!this.reaches(info.node, to)) {
        this.stats.dropped++;
        continue;
      }
      this.clock.setTimer(this.latencyMs, () => {
        if (!this.reaches(info.node, to) || this.members.get(to) !== target) {
          this.stats.dropped++;
          return;
        }
        this.stats.delivered++;
        target.receive(info, join);
      });
    }
  }
}
