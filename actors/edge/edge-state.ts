/**
 * The state of one connection's edge actor, and how it is made.
 *
 * Everything a connection needs lives here, so the behavior's handlers are
 * module-level functions shared by every connection (no closures per
 * connection). What only some connections use is made on first use and is
 * `undefined` until then: the rate buckets (first client frame), the
 * in-flight table (first frame that waits for an answer), the presence
 * subscriptions and their listener (first `presence.subscribe`). An idle
 * connection holds this object, its behavior object and socket, and one
 * entry in the shared heartbeat queue (`deadlines.ts`): no timer of its own.
 */
import type { ActorContext } from '../../runtime/index.ts';
import { type EdgeMsg, type UserMsg, userKey } from '../chat/messages.ts';
import type { Presence, PresenceListener } from '../presence/index.ts';
import type { PushRegistry } from '../push/index.ts';
import type { Directory } from '../virtual/index.ts';
import { type EdgeCounters, noCounters } from './counters.ts';
import { type Deadlines, deadlines } from './deadlines.ts';
import type { EdgeSocket } from './edge-socket.ts';
import type { InFlight } from './in-flight.ts';
import { type EdgeLimits, resolveEdgeLimits } from './limits.ts';
import type { EdgeLoad } from './load.ts';
import type { TokenBucket } from './rate-limiter.ts';

export interface EdgeOptions {
  readonly socket: EdgeSocket;
  readonly user: string;
  readonly device: string;
  readonly directory: Directory;
  readonly presence: Presence;
  readonly limits?: Partial<EdgeLimits>;
  readonly counters?: EdgeCounters;
  /** The node's messages in flight (one per node); without it no node-wide bound applies. */
  readonly load?: EdgeLoad;
  /** The node's push subscriptions; without it `push.subscribe` is refused. */
  readonly push?: PushRegistry;
}

export type Ctx = ActorContext<EdgeMsg>;

export interface EdgeState {
  readonly ctx: Ctx;
  readonly socket: EdgeSocket;
  readonly user: string;
  readonly device: string;
  /** The user actor's directory key. */
  readonly key: string;
  readonly directory: Directory;
  readonly presence: Presence;
  readonly limits: EdgeLimits;
  readonly counters: EdgeCounters;
  readonly load: EdgeLoad | undefined;
  readonly push: PushRegistry | undefined;
  /** The queue the next heartbeat waits in (one per clock and interval). */
  readonly heartbeats: Deadlines<EdgeMsg>;
  /** The queue an unanswered `attach` waits in. */
  readonly attachChecks: Deadlines<EdgeMsg>;
  /** Made on the first client frame: before it the bucket is full anyway. */
  bucket: TokenBucket | undefined;
  /** Acks have their own bucket, so acking a long backlog is never refused. */
  ackBucket: TokenBucket | undefined;
  /** The monitor on the user actor incarnation serving this session, once attached. */
  userMonitor: string | undefined;
  /** The user actor waits for `replay_more`; sent once the socket has drained. */
  replayWaiting: boolean;
  /**
   * An `attach` is out and its `attached` has not come back. It may have been
   * lost (routed, in a view not yet updated, to a node that is gone), so it
   * is sent again every `attachRetryMs` in which no replay batch arrived.
   */
  attaching: boolean;
  /** The replay moved (a batch came, or `replay_more` went) since the last attach check. */
  replayMoved: boolean;
  /** Presence subscriptions of this connection, oldest first; made on the first subscribe. */
  subscriptions: Map<string, () => void> | undefined;
  listener: PresenceListener | undefined;
  /** Frames forwarded to the user actor and not yet answered; made on the first such frame. */
  inflight: InFlight | undefined;
  /** A ping is out: the next tick checks that `socket.pongs` moved past `pongsAtPing`. */
  awaitingPong: boolean;
  pongsAtPing: number;
  missedPongs: number;
  closed: boolean;
}

/** How often a paced replay looks whether the socket drained. */
export const DRAIN_CHECK_MS = 20;

const HEARTBEAT: EdgeMsg = { t: 'heartbeat' };
const ATTACH_CHECK: EdgeMsg = { t: 'attach_check' };

/**
 * Limits resolved once per limits object: a server passes the same one to
 * every connection, so it is checked and filled in once, not per connection.
 */
const resolved = new WeakMap<Partial<EdgeLimits>, EdgeLimits>();
const DEFAULTS = resolveEdgeLimits();

/** Fills in and checks `limits`. Throws `invalid_argument` on a bad one. */
export function edgeLimitsOf(limits: Partial<EdgeLimits> | undefined): EdgeLimits {
  if (limits === undefined) return DEFAULTS;
  let out = resolved.get(limits);
  if (out === undefined) {
    out = resolveEdgeLimits(limits);
    resolved.set(limits, out);
  }
  return out;
}

export function newEdgeState(options: EdgeOptions, limits: EdgeLimits, ctx: Ctx): EdgeState {
  return {
    ctx,
    socket: options.socket,
    user: options.user,
    device: options.device,
    key: userKey(options.user),
    directory: options.directory,
    presence: options.presence,
    limits,
    counters: options.counters ?? noCounters,
    load: options.load,
    push: options.push,
    heartbeats: deadlines(ctx.clock, 'heartbeat', limits.heartbeatIntervalMs, HEARTBEAT),
    attachChecks: deadlines(ctx.clock, 'attach_check', limits.attachRetryMs, ATTACH_CHECK),
    bucket: undefined,
    ackBucket: undefined,
    userMonitor: undefined,
    replayWaiting: false,
    attaching: false,
    replayMoved: false,
    subscriptions: undefined,
    listener: undefined,
    inflight: undefined,
    awaitingPong: false,
    pongsAtPing: 0,
    missedPongs: 0,
    closed: false,
  };
}

export function toUser(state: EdgeState, msg: UserMsg): void {
  state.directory.send(state.key, msg);
}
