/**
 * Presence and connection registry in Redis, shared by every node of a
 * cluster: who is online, on which node and device, and when each user was
 * last seen. Passes the `Presence` contract suite; key layout and scripts in
 * `redis-scripts.ts`, listeners in `redis-watchers.ts`.
 *
 * Guarantees:
 * - Each connection this node holds is written with an expiry `now + ttlMs`
 *   (this node's injected clock) and refreshed every `refreshMs` by one
 *   pipelined round (one script per user, no per-connection timers). A node
 *   that dies stops refreshing, so none of its users reads as online more
 *   than `ttlMs` after its last refresh: `get` counts only unexpired
 *   connections. Such a user's last seen is the expiry of their last
 *   connection (the moment the others stopped seeing them online).
 * - Listeners on every node hear each change through Redis pub/sub, in the
 *   order Redis applied them. Expiries are noticed by a sweep every
 *   `refreshMs` on each node (the users whose deadline passed, from the
 *   `deadlines` set: work in proportion to what expired, not to who is
 *   watched); the first node to settle a user publishes its offline change,
 *   exactly once. Listeners hear of an expiry at most `refreshMs` after it.
 * - Redis down: `connect`, `disconnect`, `setLastSeenVisibility` and `get`
 *   reject at once with `unavailable` (no offline queue, no retries, a
 *   `commandTimeoutMs` for a Redis that stalls), naming the address. The
 *   connection still counts locally, so when Redis is back the next refresh
 *   registers every live connection of this node again (and publishes the
 *   users that thereby come online). ioredis reconnects on its own.
 * - `close()` stops refreshing and closes the connections without removing
 *   this node's entries: to the others it is a crash, resolved by the TTL.
 *   A node that drains disconnects its clients first.
 *
 * Clocks: expiries are compared across nodes, so nodes' clocks should agree
 * to well within `ttlMs` (NTP does); a node that runs ahead keeps its users
 * online longer by its lead.
 */
import type { Redis } from 'ioredis';
import {
  type Clock,
  ErrorCode,
  ParleyError,
  quote,
  type TimerHandle,
} from '../../runtime/index.ts';
import type { LastSeenVisibility } from '../protocol/index.ts';
import type { Presence, PresenceListener, PresenceState } from './presence.ts';
import { execAll, nonEmpty, openConnections, positive } from './redis-connection.ts';
import {
  connectionMember,
  DEFAULT_KEY_PREFIX,
  defineScripts,
  type PresenceKeys,
  presenceKeys,
  type RawState,
} from './redis-scripts.ts';
import { RedisWatchers, stateOf } from './redis-watchers.ts';

export interface RedisPresenceOptions {
  /** A Redis client, or its URL (`redis://127.0.0.1:6379`). A given client is used as is and not closed. */
  readonly redis: Redis | string;
  /** This node's id, recorded with each of its connections. */
  readonly node: string;
  readonly clock: Clock;
  /** How long a connection counts as live after a refresh; default 10,000. */
  readonly ttlMs?: number;
  /** Refresh (and sweep) interval; default `ttlMs / 3`, must be below `ttlMs`. */
  readonly refreshMs?: number;
  /** Prefix of every key and channel; default `parley:presence:`. */
  readonly keyPrefix?: string;
  /** A command unanswered this long fails `unavailable`; default 2,000. */
  readonly commandTimeoutMs?: number;
  /** (user, listener) subscriptions at most; default 1,000,000. */
  readonly subscriptionsMax?: number;
  /** Distinct devices one user may have online on this node; default 256. */
  readonly devicesMax?: number;
  /** Where refresh and sweep failures go (they are retried on the next round). */
  readonly log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/** One connection of a user, as the registry knows it. */
export interface ConnectionInfo {
  readonly device: string;
  readonly node: string;
}

const SWEEP_BATCH = 1000;
const SWEEP_BATCHES_MAX = 20;
const PIPELINE_MAX = 1000;

export class RedisPresence implements Presence {
  private readonly redis: Redis;
  private readonly sub: Redis;
  private readonly owned: boolean;
  private readonly node: string;
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly refreshMs: number;
  private readonly devicesMax: number;
  private readonly keys: PresenceKeys;
  private readonly scripts: ReturnType<typeof defineScripts>;
  private readonly watchers: RedisWatchers;
  private readonly log: RedisPresenceOptions['log'];
  private readonly address: string;
  /** Open connections of this node: user → device → sessions. */
  private readonly local = new Map<string, Map<string, number>>();
  private readonly firstReady: Promise<void>;
  /** Set once both connections were ready the first time. */
  private started = false;
  private timer: TimerHandle | undefined;
  private closed = false;

  constructor(options: RedisPresenceOptions) {
    this.node = nonEmpty('node', options.node);
    this.clock = options.clock;
    this.ttlMs = positive('ttlMs', options.ttlMs ?? 10_000);
    this.refreshMs = positive('refreshMs', options.refreshMs ?? Math.floor(this.ttlMs / 3));
    if (this.refreshMs >= this.ttlMs)
      throw new ParleyError(
        ErrorCode.InvalidArgument,
        `refreshMs must be below ttlMs (${this.ttlMs}), got ${quote(this.refreshMs)}`,
      );
    this.devicesMax = positive('devicesMax', options.devicesMax ?? 256);
    const commandTimeoutMs = positive('commandTimeoutMs', options.commandTimeoutMs ?? 2000);
    const subscriptionsMax = positive('subscriptionsMax', options.subscriptionsMax ?? 1_000_000);
    this.keys = presenceKeys(options.keyPrefix ?? DEFAULT_KEY_PREFIX);
    this.log = options.log;
    ({
      redis: this.redis,
      sub: this.sub,
      owned: this.owned,
      address: this.address,
    } = openConnections(options.redis, commandTimeoutMs));
    this.scripts = defineScripts(this.redis);
    this.watchers = new RedisWatchers(this.sub, this.keys, subscriptionsMax, (users) =>
      this.readRaw(users),
    );
    this.firstReady = this.watchConnections();
    this.schedule();
  }

  /** Resolves once Redis answers; rejects `unavailable` if the first attempt to reach it fails. */
  ready(): Promise<void> {
    return this.firstReady;
  }

  async connect(user: string, device: string): Promise<void> {
    this.assertOpen();
    let devices = this.local.get(user);
    const sessions = devices?.get(device) ?? 0;
    if (sessions === 0 && (devices?.size ?? 0) >= this.devicesMax)
      throw new ParleyError(
        ErrorCode.ResourceExhausted,
        `user ${quote(user)} already has ${this.devicesMax} devices online on node ${quote(this.node)}; refused ${quote(device)}`,
      );
    if (devices === undefined) this.local.set(user, (devices = new Map()));
    // Counted before Redis answers: the connection is live, and the next refresh registers it if this write fails.
    devices.set(device, sessions + 1);
    if (sessions > 0) return;
    await this.gate();
    const now = this.clock.now();
    const member = connectionMember(this.node, device);
    await this.call(() =>
      this.scripts.commands.parleyPresenceConnect(
        ...this.userKeys(user),
        now,
        user,
        this.keys.channel(user),
        member,
        now + this.ttlMs,
      ),
    );
  }

  async disconnect(user: string, device: string): Promise<void> {
    this.assertOpen();
    const devices = this.local.get(user);
    const sessions = devices?.get(device);
    if (devices === undefined || sessions === undefined) return;
    if (sessions > 1) {
      devices.set(device, sessions - 1);
      return;
    }
    devices.delete(device);
    if (devices.size === 0) this.local.delete(user);
    await this.gate();
    const now = this.clock.now();
    await this.call(() =>
      this.scripts.commands.parleyPresenceDisconnect(
        ...this.userKeys(user),
        now,
        user,
        this.keys.channel(user),
        connectionMember(this.node, device),
      ),
    );
  }

  async setLastSeenVisibility(user: string, visibility: LastSeenVisibility): Promise<void> {
    this.assertOpen();
    await this.gate();
    await this.call(() =>
      this.scripts.commands.parleyPresenceVisibility(
        ...this.userKeys(user),
        this.clock.now(),
        user,
        this.keys.channel(user),
        visibility,
      ),
    );
  }

  async get(users: readonly string[]): Promise<PresenceState[]> {
    this.assertOpen();
    await this.gate();
    const distinct = [...new Set(users)];
    const raw = await this.readRaw(distinct);
    const byUser = new Map<string, PresenceState>();
    distinct.forEach((user, i) => {
      const [live, seen, vis] = raw[i]!;
      byUser.set(user, stateOf(user, live > 0, seen, vis));
    });
    return users.map((user) => byUser.get(user)!);
  }

  subscribe(users: readonly string[], listener: PresenceListener): () => void {
    this.assertOpen();
    return this.watchers.watch(users, listener);
  }

  /** The live connections of `user` on every node (the connection registry). */
  async connections(user: string): Promise<ConnectionInfo[]> {
    this.assertOpen();
    await this.gate();
    const members = await this.call(() =>
      this.redis.zrangebyscore(this.keys.conns(user), `(${this.clock.now()}`, '+inf'),
    );
    return members.map((m) => {
      const [node, device] = JSON.parse(m) as [string, string];
      return { device, node };
    });
  }

  /** (user, listener) subscriptions now. */
  get subscriptionCount(): number {
    return this.watchers.count;
  }

  /**
   * Writes a fresh expiry for every connection of this node, re-adding any
   * Redis lost. Runs every `refreshMs` on its own; public for tests. Sent in
   * pipelines of `PIPELINE_MAX` users one after the other, so a node with
   * many users neither holds one huge reply nor keeps other calls (queued
   * behind it on the same connection) waiting past their timeout.
   */
  async refresh(): Promise<void> {
    if (this.local.size === 0) return;
    await this.gate();
    const users = [...this.local.keys()];
    for (let i = 0; i < users.length; i += PIPELINE_MAX) {
      const now = this.clock.now();
      const expiry = now + this.ttlMs;
      const pipeline = this.redis.pipeline();
      const queue = this.scripts.pipeline(pipeline);
      for (const user of users.slice(i, i + PIPELINE_MAX)) {
        const devices = this.local.get(user);
        if (devices === undefined) continue;
        const members = [...devices.keys()].map((d) => connectionMember(this.node, d));
        queue.parleyPresenceRefresh(
          ...this.userKeys(user),
          now,
          user,
          this.keys.channel(user),
          expiry,
          ...members,
        );
      }
      await this.call(() => execAll(pipeline));
    }
  }

  /**
   * Settles users whose deadline passed (their node stopped refreshing), so
   * their offline change is published. Runs every `refreshMs`; public for tests.
   */
  async sweep(): Promise<void> {
    await this.gate();
    for (let round = 0; round < SWEEP_BATCHES_MAX; round++) {
      const now = this.clock.now();
      const due = await this.call(() =>
        this.redis.zrangebyscore(this.keys.deadlines, '-inf', now, 'LIMIT', 0, SWEEP_BATCH),
      );
      if (due.length === 0) return;
      await this.readRaw(due);
      if (due.length < SWEEP_BATCH) return;
    }
  }

  /** Stops refreshing and closes the Redis connections, leaving this node's entries to expire. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.sub.disconnect();
    if (this.owned) this.redis.disconnect();
  }

  /** Settles and reads `users` in one pipelined round. */
  private async readRaw(users: readonly string[]): Promise<RawState[]> {
    if (users.length === 0) return [];
    const now = this.clock.now();
    const pipeline = this.redis.pipeline();
    const queue = this.scripts.pipeline(pipeline);
    for (const user of users)
      queue.parleyPresenceRead(...this.userKeys(user), now, user, this.keys.channel(user));
    const results = await this.call(() => execAll(pipeline));
    return results.map((r) => {
      const [live, seen, vis] = r as [number, string, string];
      return [Number(live), String(seen), String(vis)];
    });
  }

  private userKeys(user: string): [string, string, string] {
    return [this.keys.conns(user), this.keys.info(user), this.keys.deadlines];
  }

  /** Waits for the first connection and for subscribes in flight; fails fast when Redis is down. */
  private async gate(): Promise<void> {
    if (!this.started) {
      try {
        await this.firstReady;
      } catch (err) {
        if (this.redis.status !== 'ready') throw err;
      }
    }
    if (this.redis.status !== 'ready')
      throw this.unavailable(`the connection is ${this.redis.status}`);
    const pending = this.watchers.pending;
    if (pending !== undefined) await pending;
  }

  /** Runs a Redis call, turning its failure into `unavailable`. */
  private async call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof ParleyError) throw err;
      throw this.unavailable(err instanceof Error ? err.message : String(err), err);
    }
  }

  private unavailable(reason: string, cause?: unknown): ParleyError {
    return new ParleyError(
      ErrorCode.Unavailable,
      `presence redis at ${this.address} is unavailable: ${reason}`,
      { cause },
    );
  }

  private assertOpen(): void {
    if (this.closed)
      throw new ParleyError(ErrorCode.Stopped, `presence of node ${quote(this.node)} is closed`);
  }

  /** Tracks readiness of both connections; resubscribes (and resyncs) the subscriber on each reconnect. */
  private watchConnections(): Promise<void> {
    // One line per outage, not one per reconnect attempt.
    // A server that dies closes the socket without an error when it is back before the
    // first reconnect attempt: the outage is the lost connection, whichever comes first.
    let down = false;
    const lost = (why: string) => {
      if (down || this.closed) return;
      down = true;
      this.log?.warn({ redis: this.address, err: why }, 'presence redis unavailable');
    };
    this.redis.on('error', (err: Error) => lost(err.message));
    this.redis.on('close', () => lost('connection closed'));
    this.redis.on('ready', () => {
      if (down) this.log?.info({ redis: this.address }, 'presence redis back');
      down = false;
    });
    this.sub.on('error', () => {});
    this.sub.on('ready', () => {
      this.watchers.resubscribe().catch((err: unknown) => {
        this.log?.warn({ err: String(err) }, 'presence resubscribe failed');
      });
    });
    const first = Promise.all([this.onceReady(this.redis), this.onceReady(this.sub)]).then(() => {
      this.started = true;
    });
    first.catch(() => {});
    return first;
  }

  /** Resolves when `conn` is ready; rejects `unavailable` on an error before that. */
  private onceReady(conn: Redis): Promise<void> {
    if (conn.status === 'ready') return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      conn.once('ready', () => resolve());
      conn.once('error', (err: Error) => reject(this.unavailable(err.message, err)));
    });
  }

  private schedule(): void {
    this.timer = this.clock.setTimer(this.refreshMs, () => {
      this.timer = undefined;
      if (this.closed) return;
      const round = async () => {
        await this.refresh();
        await this.sweep();
      };
      round()
        .catch((err: unknown) => this.log?.warn({ err: String(err) }, 'presence refresh failed'))
        .finally(() => {
          if (!this.closed) this.schedule();
        });
    });
  }
}
