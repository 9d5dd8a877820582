/**
 * Membership over NATS: drives `MembershipCore` with heartbeats published
 * and received on one subject, and timers from the injected `Clock`.
 *
 * Wire (msgpack, plain maps, on `<subject>.heartbeat`, default
 * `parley.cluster.heartbeat`): `{v: 1, type: 'heartbeat', join, member}`
 * every `heartbeatMs` (default 250), and `{v: 1, type: 'leave', node,
 * creation}` once on `leave()`. Heartbeats and the leave travel on the same
 * subject, so NATS keeps them in order per publisher.
 *
 * - Join: the first heartbeat carries `join: true`, and every member answers
 *   a join with a heartbeat at once, so a new node has the whole view after
 *   one round trip rather than one heartbeat period. A node whose isolation
 *   ends sends a join again, for the same reason.
 * - Isolation: our own heartbeats come back to us through NATS (the
 *   connection must not be opened with `noEcho`); when they stop, the core
 *   turns `isolated()` true (see `membership-core.ts` for the bounds and the
 *   protections against our own pauses).
 * - Connection: this class does not own `nc`; it neither closes nor drains it.
 *   Use `reconnectTimeWait` well under `downAfterMs` (e.g. 250 ms) and
 *   unlimited reconnects, so a NATS restart heals before anyone is judged.
 * - Robustness: a malformed message is counted and logged, never thrown; a
 *   listener that throws is logged and the others still run; a publish on a
 *   closed connection is counted (the core notices the missing echo).
 *
 * - Fast crash detection: each tick, the members the core holds suspect are
 *   probed through NATS (`membership-probe.ts`); a "no responders" answer
 *   (their connection is gone) lets the core declare them down at once
 *   (`stats.fastDowns`) instead of after `downAfterMs`.
 *
 * Every view change is logged at info with its version, the members added,
 * removed (with the reason) and updated (status or addresses).
 */
import type { Subscription } from 'nats';
import pino, { type Logger } from 'pino';
import { type Clock, ErrorCode, ParleyError, quote, type TimerHandle } from '../runtime/index.ts';
import {
  type MemberInfo,
  MemberStatus,
  MembershipCore,
  type MembershipStats,
  type Step,
  type View,
  type ViewChange,
} from './membership-core.ts';
import { type ProbeStats, SuspectProber } from './membership-probe.ts';
import {
  decodeWire,
  encodeWire,
  isCreation,
  isNodeName,
  type WireMessage,
} from './membership-wire.ts';
import type { NatsLike } from './nats-like.ts';

export interface MembershipSelf {
  readonly node: string;
  readonly creation: number;
  readonly http?: string;
  readonly ws?: string;
  readonly admin?: string;
  /** Default: `clock.now()` at construction. */
  readonly startedAt?: number;
}

export interface MembershipOptions {
  readonly nc: NatsLike;
  readonly self: MembershipSelf;
  readonly clock: Clock;
  /** Default 250. */
  readonly heartbeatMs?: number;
  /** Default 2000. */
  readonly downAfterMs?: number;
  /** How often the detector runs. Default 100 (at most `heartbeatMs`). */
  readonly tickMs?: number;
  /** Subject prefix. Default `parley.cluster`. */
  readonly subject?: string;
  readonly log?: Logger;
}

export interface MembershipDriverStats extends MembershipStats, ProbeStats {
  published: number;
  received: number;
  /** Messages that failed to decode or validate. */
  badMessages: number;
  publishErrors: number;
  listenerErrors: number;
}

function validateOptions(opts: MembershipOptions): void {
  const { self, subject } = opts;
  if (!isNodeName(self.node)) {
    throw new ParleyError(
      ErrorCode.InvalidArgument,
      `membership self.node must be a name of 1..255 characters, got ${quote(self.node)}`,
    );
  }
  if (!isCreation(self.creation)) {
    throw new ParleyError(
      ErrorCode.InvalidArgument,
      `membership self.creation must be an integer >= 0, got ${quote(self.creation)}`,
    );
  }
  if (subject !== undefined && !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(subject)) {
    throw new ParleyError(
      ErrorCode.InvalidArgument,
      `membership subject must be dot-separated tokens without wildcards, got ${quote(subject)}`,
    );
  }
}

const tag = (m: MemberInfo) => `${m.node}@${m.creation}`;

export class Membership {
  private readonly nc: NatsLike;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly subject: string;
  private readonly core: MembershipCore;
  private readonly changeListeners = new Set<(view: View, previous: View) => void>();
  private readonly isolationListeners = new Set<(isolated: boolean) => void>();
  private readonly driver = {
    published: 0,
    received: 0,
    badMessages: 0,
    publishErrors: 0,
    listenerErrors: 0,
  };
  private sub: Subscription | undefined;
  private readonly prober: SuspectProber;
  private heartbeatTimer: TimerHandle | undefined;
  private tickTimer: TimerHandle | undefined;
  private state: 'new' | 'running' | 'left' | 'closed' = 'new';
  private everEchoed = false;

  constructor(opts: MembershipOptions) {
    validateOptions(opts);
    this.nc = opts.nc;
    this.clock = opts.clock;
    this.log = (opts.log ?? pino({ level: 'silent' })).child({ component: 'membership' });
    const prefix = opts.subject ?? 'parley.cluster';
    this.subject = `${prefix}.heartbeat`;
    const { node, creation, http, ws, admin } = opts.self;
    const self: MemberInfo = {
      node,
      creation,
      status: MemberStatus.Up,
      startedAt: opts.self.startedAt ?? this.clock.now(),
      ...(http !== undefined && { http }),
      ...(ws !== undefined && { ws }),
      ...(admin !== undefined && { admin }),
    };
    this.core = new MembershipCore(self, this.clock.now(), {
      ...(opts.heartbeatMs !== undefined && { heartbeatMs: opts.heartbeatMs }),
      ...(opts.downAfterMs !== undefined && { downAfterMs: opts.downAfterMs }),
      ...(opts.tickMs !== undefined && { tickMs: opts.tickMs }),
    });
    const o = this.core.options;
    this.prober = new SuspectProber(
      this.nc,
      prefix,
      this.clock,
      o.heartbeatMs,
      2 * o.heartbeatMs,
      o.suspectAfterMs,
      this.log,
      (node, creation) => {
        if (this.state !== 'running') return;
        const step = this.core.unreachable(node, creation, this.clock.now());
        if (step.change) {
          this.log.warn(
            { node, creation },
            'membership: suspect has no NATS subscriber, down at once',
          );
        }
        this.apply(step);
      },
    );
  }

  /** Subscribes, announces the join and starts heartbeating. */
  start(): void {
    if (this.state !== 'new') {
      throw new ParleyError(
        ErrorCode.Stopped,
        `membership of ${quote(this.core.self().node)} was already started`,
      );
    }
    this.state = 'running';
    this.sub = this.nc.subscribe(this.subject, {
      callback: (err, msg) => {
        if (err) {
          this.log.warn({ err }, 'membership subscription error');
          return;
        }
        this.receive(msg.data);
      },
    });
    this.log.info(
      { node: this.core.self().node, creation: this.core.self().creation, subject: this.subject },
      'membership joining',
    );
    this.prober.start(this.core.self().node);
    this.publishHeartbeat(true);
    this.scheduleHeartbeat();
    this.scheduleTick();
  }

  view(): View {
    return this.core.view();
  }

  self(): MemberInfo {
    return this.core.self();
  }

  isolated(): boolean {
    return this.core.isolated();
  }

  get stats(): MembershipDriverStats {
    return { ...this.core.stats, ...this.driver, ...this.prober.stats };
  }

  onChange(listener: (view: View, previous: View) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onIsolation(listener: (isolated: boolean) => void): () => void {
    this.isolationListeners.add(listener);
    return () => this.isolationListeners.delete(listener);
  }

  /** Announces a new status (`draining` gives up every shard) in a heartbeat sent at once. */
  setStatus(status: 'up' | 'draining'): void {
    if (status !== MemberStatus.Up && status !== MemberStatus.Draining) {
      throw new ParleyError(
        ErrorCode.InvalidArgument,
        `membership status must be "up" or "draining", got ${quote(status)}`,
      );
    }
    if (this.state === 'left' || this.state === 'closed') return;
    this.apply(this.core.setSelf({ ...this.core.self(), status }));
    if (this.state === 'running') this.publishHeartbeat(false);
  }

  /** Announces our leave, stops heartbeating and waits until NATS has the announcement. */
  async leave(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'left';
    this.stopTimers();
    const { node, creation } = this.core.self();
    this.publish({ v: 1, type: 'leave', node, creation });
    this.apply(this.core.leave(node, creation, this.clock.now()));
    this.log.info({ node, creation }, 'membership left');
    try {
      await this.nc.flush();
    } catch (err) {
      this.log.warn({ err }, 'membership leave not confirmed by NATS');
    }
    this.unsubscribe();
  }

  /** Stops heartbeating and listening, without announcing anything. Idempotent. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.stopTimers();
    this.unsubscribe();
  }

  private receive(data: Uint8Array): void {
    if (this.state !== 'running') return;
    this.driver.received++;
    let msg: WireMessage;
    try {
      msg = decodeWire(data);
    } catch (err) {
      this.driver.badMessages++;
      this.log.warn({ err }, 'membership message dropped');
      return;
    }
    const now = this.clock.now();
    if (msg.type === 'leave') {
      this.apply(this.core.leave(msg.node, msg.creation, now));
      return;
    }
    if (msg.member.node === this.core.self().node) {
      if (msg.member.creation === this.core.self().creation) this.everEchoed = true;
      else if (msg.member.creation > this.core.self().creation) {
        this.log.error({ other: tag(msg.member) }, 'a newer incarnation of this node is running');
      }
    }
    this.apply(this.core.heartbeat(msg.member, now));
    if (msg.join && msg.member.node !== this.core.self().node) this.publishHeartbeat(false);
  }

  private apply(step: Step): void {
    if (step.change) this.changed(step.change);
    if (step.isolated !== undefined) {
      const isolated = step.isolated;
      this.log.warn(
        { isolated, echoed: this.everEchoed, view: this.core.view().version },
        isolated
          ? this.everEchoed
            ? 'membership isolated: our heartbeats stopped coming back through NATS'
            : 'membership isolated: our heartbeats never came back (is the NATS connection noEcho?)'
          : 'membership reconnected: our heartbeats come back again',
      );
      // Ask everyone to answer at once, so the view is fresh within a round trip.
      if (!isolated && this.state === 'running') this.publishHeartbeat(true);
      for (const l of this.isolationListeners) this.call(() => l(isolated));
    }
  }

  private changed(change: ViewChange): void {
    this.log.info(
      {
        version: change.view.version,
        members: change.view.members.map(tag),
        added: change.added.map(tag),
        removed: change.removed.map((r) => ({ member: tag(r.member), reason: r.reason })),
        updated: change.updated.map((u) => ({ member: tag(u.to), status: u.to.status })),
      },
      'membership view changed',
    );
    for (const l of this.changeListeners) this.call(() => l(change.view, change.previous));
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.driver.listenerErrors++;
      this.log.error({ err }, 'membership listener threw');
    }
  }

  private publishHeartbeat(join: boolean): void {
    this.publish({ v: 1, type: 'heartbeat', join, member: this.core.self() });
  }

  private publish(msg: WireMessage): void {
    try {
      this.nc.publish(this.subject, encodeWire(msg));
      this.driver.published++;
    } catch (err) {
      this.driver.publishErrors++;
      if (this.driver.publishErrors === 1 || this.driver.publishErrors % 100 === 0) {
        this.log.warn({ err, errors: this.driver.publishErrors }, 'membership publish failed');
      }
    }
  }

  private scheduleHeartbeat(): void {
    this.heartbeatTimer = this.clock.setTimer(this.core.options.heartbeatMs, () => {
      if (this.state !== 'running') return;
      this.publishHeartbeat(false);
      this.scheduleHeartbeat();
    });
  }

  private scheduleTick(): void {
    this.tickTimer = this.clock.setTimer(this.core.options.tickMs, () => {
      if (this.state !== 'running') return;
      const lateBefore = this.core.stats.lateTicks;
      this.apply(this.core.tick(this.clock.now()));
      if (!this.core.isolated()) this.prober.probe(this.core.suspects());
      if (this.core.stats.lateTicks > lateBefore && this.core.stats.lateTicks % 10 === 1) {
        this.log.warn(
          { lateTicks: this.core.stats.lateTicks, maxTickGapMs: this.core.stats.maxTickGapMs },
          'membership tick late: this process was paused; verdicts held back',
        );
      }
      this.scheduleTick();
    });
  }

  private stopTimers(): void {
    if (this.heartbeatTimer) this.clock.clearTimer(this.heartbeatTimer);
    if (this.tickTimer) this.clock.clearTimer(this.tickTimer);
    this.heartbeatTimer = undefined;
    this.tickTimer = undefined;
  }

  private unsubscribe(): void {
    this.prober.close();
    try {
      this.sub?.unsubscribe();
    } catch {
      // The connection is closed already: nothing left to unsubscribe.
    }
    this.sub = undefined;
  }
}
