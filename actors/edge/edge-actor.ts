/**
 * The edge actor: one per WebSocket connection, bridging a client to its user
 * actor.
 *
 * Lifecycle. At start it writes `welcome` (always the first frame), marks the
 * device online, and sends `attach` to the user actor, which then pushes the
 * inbox replay and live traffic (`push`, `push_many`). Until the user actor
 * answers `attached`, the edge sends `attach` again after every
 * `attachRetryMs` in which no replay batch came: routed to a node that died
 * before the views dropped it, an `attach` is lost like any message, and
 * without it the session would get nothing for good. It ends when the
 * socket closes (`socket_closed`), when the user actor replaced the session
 * (`close`), on a missed heartbeat, on backpressure, or on an exit signal
 * (spawn it with `trapExit: true` so those run the same cleanup): every way
 * out sends `detach`, marks the device offline, drops the presence
 * subscriptions, and stops. Cleanup runs exactly once.
 *
 * Inbound frames, in this order: size (`too_large`), rate limit (a token
 * bucket; `rate_limited`), decoding (`bad_frame`, `unknown_type`). Each refusal
 * is an `error` frame echoing the frame's `ref`/`id` when they could be read,
 * and the connection stays. `ping`, `presence.subscribe` and `settings` are
 * answered here; every other frame goes to the user actor. An exception while
 * handling a frame becomes an `error` frame (`unavailable`, or the code of a
 * `ParleyError` that maps to one), never the end of the connection.
 *
 * A crash of the user actor loses what was queued in its mailbox. So the edge
 * keeps what it forwarded until it sees it answered (`in-flight.ts`: each
 * `message` until its `sent` or an error naming it, each request with a
 * `ref` until a frame with that ref), and when the user actor goes `down`
 * it attaches to the next incarnation and submits those frames again, in
 * order, or answers the ones it must not repeat. At most
 * `inflightMessagesMax` wait at once; past it a frame is refused
 * `rate_limited`.
 *
 * Bounds: inbound rate (`ratePerSec`, `burst`); outbound bytes waiting in the
 * socket (`sendBufferBytesMax`, else close `1013`); presence subscriptions per
 * connection (`presenceUsersMax`, oldest dropped first).
 */
import type { ActorContext, Behavior, ExitReason, TimerRef } from '../../runtime/index.ts';
import { isNormalExit, ParleyError, quote } from '../../runtime/index.ts';
import { type EdgeMsg, type UserMsg, userKey } from '../chat/messages.ts';
import type { Presence, PresenceListener, PresenceState } from '../presence/index.ts';
import {
  BINARY_FRAME_REFUSAL,
  type ClientFrame,
  checkFrameSize,
  type DecodeResult,
  decodeClientFrame,
  type ErrorFrameCode,
  encodeServerFrame,
  type PresenceSubscribeFrame,
} from '../protocol/index.ts';
import type { Directory } from '../virtual/index.ts';
import { CloseCode, closeReason } from './close-codes.ts';
import { type EdgeCounters, noCounters } from './counters.ts';
import type { EdgeSocket } from './edge-socket.ts';
import { InFlight } from './in-flight.ts';
import { type EdgeLimits, resolveEdgeLimits } from './limits.ts';
import { TokenBucket } from './rate-limiter.ts';

export interface EdgeOptions {
  readonly socket: EdgeSocket;
  readonly user: string;
  readonly device: string;
  readonly directory: Directory;
  readonly presence: Presence;
  readonly limits?: Partial<EdgeLimits>;
  readonly counters?: EdgeCounters;
}

export interface EdgeState {
  readonly bucket: TokenBucket;
  /** Acks have their own bucket, so acking a long backlog is never refused. */
  readonly ackBucket: TokenBucket;
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
  attachTimer: TimerRef | undefined;
  /** Presence subscriptions of this connection, oldest first. */
  readonly subscriptions: Map<string, () => void>;
  readonly listener: PresenceListener;
  /** Frames forwarded to the user actor and not yet answered. */
  readonly inflight: InFlight;
  heartbeat: TimerRef | undefined;
  /** A ping is out: the next tick checks that `socket.pongs` moved past `pongsAtPing`. */
  awaitingPong: boolean;
  pongsAtPing: number;
  missedPongs: number;
  closed: boolean;
}

type Ctx = ActorContext<EdgeMsg>;

/** How often a paced replay looks whether the socket drained. */
const DRAIN_CHECK_MS = 20;

/** Builds the behavior of one connection's edge actor. Throws `invalid_argument` on bad limits. */
export function edgeBehavior(options: EdgeOptions): Behavior<EdgeMsg, EdgeState> {
  const { socket, user, device, directory, presence } = options;
  const limits = resolveEdgeLimits(options.limits);
  const counters = options.counters ?? noCounters;
  const key = userKey(user);

  const toUser = (msg: UserMsg) => directory.send(key, msg);

  function write(state: EdgeState, frames: readonly string[], ctx: Ctx): void {
    let written = 0;
    let messages = 0;
    for (const json of frames) {
      if (state.closed) break;
      socket.send(json);
      written++;
      if (json.startsWith('{"type":"message"')) messages++;
      if (socket.bufferedAmount > limits.sendBufferBytesMax) {
        shut(
          state,
          ctx,
          CloseCode.SlowConsumer,
          `slow consumer: over ${limits.sendBufferBytesMax} bytes unsent`,
        );
      }
    }
    counters.frameOut(written);
    if (messages > 0) counters.messageOut(messages);
  }

  function sendError(
    state: EdgeState,
    ctx: Ctx,
    code: ErrorFrameCode,
    message: string,
    echo: { readonly ref?: string | undefined; readonly id?: string | undefined },
  ): void {
    counters.error(code);
    const frame = {
      type: 'error' as const,
      code,
      message,
      ...(echo.ref === undefined ? {} : { ref: echo.ref }),
      ...(echo.id === undefined ? {} : { id: echo.id }),
    };
    write(state, [encodeServerFrame(frame)], ctx);
  }

  /** Closes the socket and ends the actor after the current message. */
  function shut(state: EdgeState, ctx: Ctx, code: number, reason: string): void {
    if (state.closed) return;
    try {
      socket.close(code, closeReason(reason));
    } finally {
      release(state, ctx);
      ctx.stop();
    }
  }

  /** Everything a session holds, given back once. */
  function release(state: EdgeState, ctx: Ctx): void {
    if (state.closed) return;
    state.closed = true;
    if (state.heartbeat !== undefined) ctx.cancelTimer(state.heartbeat);
    if (state.attachTimer !== undefined) ctx.cancelTimer(state.attachTimer);
    for (const unsubscribe of state.subscriptions.values()) unsubscribe();
    state.subscriptions.clear();
    presence.disconnect(user, device).catch((err: unknown) => {
      ctx.log.warn({ user, device, err: String(err) }, 'presence disconnect failed');
    });
    toUser({ t: 'detach', device, edge: ctx.self });
  }

  function onFrame(
    state: EdgeState,
    data: string,
    binary: boolean,
    ctx: Ctx,
  ): EdgeState | Promise<EdgeState> {
    socket.received?.(data.length);
    if (state.closed) return state;
    counters.frameIn();
    const tooLarge = checkFrameSize(data);
    if (tooLarge !== undefined) {
      state.bucket.take(ctx.clock.now());
      sendError(state, ctx, tooLarge.code, tooLarge.message, {});
      return state;
    }
    // The protocol is JSON in text frames: a binary frame is refused whatever it holds.
    const decoded: DecodeResult = binary
      ? { ok: false, error: BINARY_FRAME_REFUSAL }
      : decodeClientFrame(data);
    const bucket = decoded.ok && decoded.frame.type === 'ack' ? state.ackBucket : state.bucket;
    const allowed = bucket.take(ctx.clock.now());
    if (!allowed) {
      sendError(
        state,
        ctx,
        'rate_limited',
        `rate limited: a connection may send ${limits.ratePerSec} frames a second in bursts of ${limits.burst}; this frame was dropped`,
        echoOf(decoded),
      );
      return state;
    }
    if (!decoded.ok) {
      sendError(state, ctx, decoded.error.code, decoded.error.message, decoded.error);
      return state;
    }
    const frame = decoded.frame;
    try {
      const handled = dispatch(state, frame, ctx);
      if (handled === undefined) return state;
      return handled.then(
        () => state,
        (err: unknown) => failed(state, ctx, frame, err),
      );
    } catch (err) {
      return failed(state, ctx, frame, err);
    }
  }

  /** Handles a valid frame; a promise when it needs presence I/O. */
  function dispatch(state: EdgeState, frame: ClientFrame, ctx: Ctx): Promise<void> | undefined {
    switch (frame.type) {
      case 'ping': {
        const pong = { type: 'pong' as const, ts: ctx.clock.now() };
        write(
          state,
          [encodeServerFrame(frame.ref === undefined ? pong : { ...pong, ref: frame.ref })],
          ctx,
        );
        return undefined;
      }
      case 'presence.subscribe':
        return subscribePresence(state, frame, ctx);
      case 'settings':
        return presence.setLastSeenVisibility(user, frame.lastSeen);
      default:
        if (!state.inflight.track(frame)) {
          sendError(
            state,
            ctx,
            'rate_limited',
            `${limits.inflightMessagesMax} frames await their answer; this one was dropped, send it again later`,
            { ref: frame.ref, id: frame.type === 'message' ? frame.id : undefined },
          );
          return undefined;
        }
        if (frame.type === 'message') counters.messageIn();
        toUser({ t: 'client', device, edge: ctx.self, frame });
        return undefined;
    }
  }

  async function subscribePresence(
    state: EdgeState,
    frame: PresenceSubscribeFrame,
    ctx: Ctx,
  ): Promise<void> {
    const subscriptions = state.subscriptions;
    for (const peer of frame.users) {
      if (subscriptions.has(peer)) continue;
      subscriptions.set(peer, presence.subscribe([peer], state.listener));
      if (subscriptions.size > limits.presenceUsersMax) {
        const [oldest, unsubscribe] = subscriptions.entries().next().value!;
        unsubscribe();
        subscriptions.delete(oldest);
      }
    }
    const states = await presence.get(frame.users);
    write(state, states.map(presenceJson), ctx);
  }

  function failed(state: EdgeState, ctx: Ctx, frame: ClientFrame, err: unknown): EdgeState {
    ctx.log.error(
      { user, device, frame: frame.type, err: err instanceof Error ? err.stack : String(err) },
      'edge failed to handle a frame',
    );
    const code = frameCodeOf(err);
    const what = err instanceof ParleyError ? err.message : 'internal error';
    sendError(state, ctx, code, `could not handle the ${quote(frame.type)} frame: ${what}`, {
      ref: frame.ref,
      id: 'id' in frame ? frame.id : undefined,
    });
    return state;
  }

  /** Asks the user actor for the next replay batch once the socket has drained below a quarter of its bound. */
  function askForMore(state: EdgeState, ctx: Ctx): void {
    if (state.closed || !state.replayWaiting) return;
    if (socket.bufferedAmount > limits.sendBufferBytesMax / 4) {
      ctx.sendAfter(DRAIN_CHECK_MS, { t: 'drain_check' });
      return;
    }
    state.replayWaiting = false;
    state.replayMoved = true;
    toUser({ t: 'replay_more', device, edge: ctx.self });
  }

  /**
   * Asks whichever incarnation owns the user's key now to serve this session
   * (replay, then live pushes), and watches for its `attached`: a message
   * routed to a node that died before this node's view (or a forwarding
   * node's) dropped it is lost like any other, and nothing else would ever
   * attach this session again.
   */
  function attach(state: EdgeState, ctx: Ctx): void {
    state.attaching = true;
    state.replayMoved = false;
    state.replayWaiting = false;
    toUser({ t: 'attach', device, edge: ctx.self });
    if (state.attachTimer === undefined && !state.closed)
      state.attachTimer = ctx.sendAfter(limits.attachRetryMs, { t: 'attach_check' });
  }

  function onAttachCheck(state: EdgeState, ctx: Ctx): void {
    state.attachTimer = undefined;
    if (state.closed || !state.attaching) return;
    if (state.replayMoved || state.replayWaiting) {
      // The replay is under way (or waits for this socket to drain): no answer is missing.
      state.replayMoved = false;
      state.attachTimer = ctx.sendAfter(limits.attachRetryMs, { t: 'attach_check' });
      return;
    }
    ctx.log.info(
      { user, device, afterMs: limits.attachRetryMs },
      'no answer to attach from the user actor: attaching again',
    );
    attach(state, ctx);
  }

  /** After a crash of the user actor: what it had queued is lost, so submit it again (or answer it). */
  function resubmit(state: EdgeState, ctx: Ctx, crashed: boolean): void {
    for (const next of state.inflight.afterCrash(crashed)) {
      if ('resubmit' in next) toUser({ t: 'client', device, edge: ctx.self, frame: next.resubmit });
      else sendError(state, ctx, 'unavailable', next.refuse.message, next.refuse);
    }
  }

  function onHeartbeat(state: EdgeState, ctx: Ctx): EdgeState {
    state.heartbeat = undefined;
    if (state.closed) return state;
    const pongs = socket.pongs;
    if (state.awaitingPong)
      state.missedPongs = pongs === state.pongsAtPing ? state.missedPongs + 1 : 0;
    if (state.missedPongs >= limits.missedPongsMax) {
      shut(
        state,
        ctx,
        CloseCode.HeartbeatTimeout,
        `heartbeat timeout: no pong to ${state.missedPongs} pings`,
      );
      return state;
    }
    socket.ping();
    state.awaitingPong = true;
    state.pongsAtPing = pongs;
    state.heartbeat = ctx.sendAfter(limits.heartbeatIntervalMs, { t: 'heartbeat' });
    return state;
  }

  return {
    name: 'edge',

    init(ctx) {
      const self = ctx.self;
      const state: EdgeState = {
        bucket: new TokenBucket(limits.ratePerSec, limits.burst, ctx.clock.now()),
        ackBucket: new TokenBucket(limits.ackRatePerSec, limits.ackBurst, ctx.clock.now()),
        userMonitor: undefined,
        replayWaiting: false,
        attaching: false,
        replayMoved: false,
        attachTimer: undefined,
        subscriptions: new Map(),
        // Called from other actors' turns: it only posts to this actor's mailbox.
        listener: (s) => ctx.send(self, { t: 'presence', json: presenceJson(s) }),
        inflight: new InFlight(limits.inflightMessagesMax),
        heartbeat: undefined,
        awaitingPong: false,
        pongsAtPing: 0,
        missedPongs: 0,
        closed: false,
      };
      write(
        state,
        [encodeServerFrame({ type: 'welcome', user, device, ts: ctx.clock.now() })],
        ctx,
      );
      presence.connect(user, device).catch((err: unknown) => {
        ctx.log.warn({ user, device, err: String(err) }, 'presence connect failed');
      });
      attach(state, ctx);
      if (!state.closed)
        state.heartbeat = ctx.sendAfter(limits.heartbeatIntervalMs, { t: 'heartbeat' });
      return state;
    },

    receive(state, msg, ctx) {
      switch (msg.t) {
        case 'push': {
          const next = state.inflight.release(msg.json, msg.prior);
          if (next.write.length > 0) write(state, next.write, ctx);
          if (next.resubmit !== undefined)
            toUser({ t: 'client', device, edge: ctx.self, frame: next.resubmit });
          return state;
        }
        case 'presence':
          write(state, [msg.json], ctx);
          return state;
        case 'push_many':
          state.replayMoved = true;
          write(state, msg.json, ctx);
          if (msg.more) {
            state.replayWaiting = true;
            askForMore(state, ctx);
          }
          return state;
        case 'drain_check':
          askForMore(state, ctx);
          return state;
        case 'attached':
          state.attaching = false;
          if (state.attachTimer !== undefined) ctx.cancelTimer(state.attachTimer);
          state.attachTimer = undefined;
          if (state.userMonitor !== undefined) ctx.demonitor(state.userMonitor);
          state.userMonitor = ctx.monitor(msg.user);
          return state;
        case 'attach_check':
          onAttachCheck(state, ctx);
          return state;
        case 'reattach':
          // The user actor lost this session to a broken link: attach again and resubmit what is unanswered.
          if (state.closed) return state;
          if (state.userMonitor !== undefined) ctx.demonitor(state.userMonitor);
          state.userMonitor = undefined;
          attach(state, ctx);
          resubmit(state, ctx, false);
          return state;
        case 'close':
          shut(state, ctx, msg.code, msg.reason);
          return state;
        case 'socket_frame':
          try {
            return onFrame(state, msg.data, msg.binary === true, ctx);
          } catch (err) {
            // Past the decoder nothing should throw; if it does, the client still gets an answer.
            ctx.log.error({ user, device, err: String(err) }, 'edge failed on a frame');
            sendError(state, ctx, 'unavailable', 'could not handle the frame: internal error', {});
            return state;
          }
        case 'socket_closed':
          release(state, ctx);
          ctx.stop();
          return state;
        case 'heartbeat':
          return onHeartbeat(state, ctx);
      }
    },

    // The user actor serving this session died (a crash, or its key moved): attach
    // to the next incarnation, which replays what this device has not acked.
    down(state, down, ctx) {
      if (state.closed || down.monitor !== state.userMonitor) return state;
      state.userMonitor = undefined;
      attach(state, ctx);
      resubmit(state, ctx, isCrash(down.reason));
      return state;
    },

    exit(state, exit, ctx) {
      const code = exit.reason === 'shutdown' ? CloseCode.GoingAway : CloseCode.InternalError;
      shut(
        state,
        ctx,
        code,
        `edge stopped: ${typeof exit.reason === 'string' ? exit.reason : 'error'}`,
      );
      ctx.stop(exit.reason);
      return state;
    },

    terminate(state, reason, ctx) {
      // A crash (or a stop with the socket still open): close it, give everything back.
      if (state === undefined || state.closed) return;
      socket.close(reason === 'normal' ? 1000 : CloseCode.InternalError, 'edge stopped');
      release(state, ctx);
    },
  };
}

function echoOf(decoded: DecodeResult): { ref?: string | undefined; id?: string | undefined } {
  if (!decoded.ok) return decoded.error;
  const frame = decoded.frame;
  return { ref: frame.ref, id: 'id' in frame ? frame.id : undefined };
}

function presenceJson(s: PresenceState): string {
  return encodeServerFrame({
    type: 'presence',
    user: s.user,
    online: s.online,
    lastSeen: s.lastSeen,
  });
}

/** The `error` frame code for a failure while handling a frame. */
function frameCodeOf(err: unknown): ErrorFrameCode {
  if (err instanceof ParleyError) {
    if (err.code === 'forbidden') return 'forbidden';
    if (err.code === 'not_found') return 'not_found';
  }
  return 'unavailable';
}

/** A user actor that died of an error (or was killed), not one whose node was lost or that stopped on purpose. */
function isCrash(reason: ExitReason): boolean {
  return !isNormalExit(reason) && reason !== 'noconnection' && reason !== 'noproc';
}
