/**
 * Frames from the client, in this order: size (`too_large`), rate limit (a
 * token bucket, acks in their own; `rate_limited`), decoding (`bad_frame`,
 * `unknown_type`). Each refusal is an `error` frame echoing the frame's
 * `ref`/`id` when they could be read, and the connection stays. `ping`,
 * `presence.subscribe` and `settings` are answered here; every other frame
 * is tracked in flight (`in-flight.ts`; past `inflightMessagesMax` it is
 * refused `rate_limited`) and goes to the user actor. An exception while
 * handling a frame becomes an `error` frame (`unavailable`, or the code of a
 * `ParleyError` that maps to one), never the end of the connection.
 */
import { ParleyError, quote } from '../../runtime/index.ts';
import type { PresenceState } from '../presence/index.ts';
import {
  BINARY_FRAME_REFUSAL,
  type ClientFrame,
  checkFrameSize,
  type DecodeResult,
  decodeClientFrame,
  decodeMsgpackFrame,
  type ErrorFrameCode,
  encodeServerFrame,
  type PresenceSubscribeFrame,
  TEXT_FRAME_REFUSAL,
  type Wire,
} from '../protocol/index.ts';
import { type EdgeState, toUser } from './edge-state.ts';
import { type Echo, sendError, write, writeFrame } from './edge-writes.ts';
import { awaitsAnswer, InFlight } from './in-flight.ts';
import { TokenBucket } from './rate-limiter.ts';

/** Handles one inbound frame; a promise when it waits for presence I/O. */
export function onFrame(
  state: EdgeState,
  data: string | Uint8Array,
  binary: boolean,
): EdgeState | Promise<EdgeState> {
  state.socket.received?.(data.length);
  if (state.closed) return state;
  state.counters.frameIn();
  const now = state.ctx.clock.now();
  const tooLarge = checkFrameSize(data);
  if (tooLarge !== undefined) {
    bucketOf(state, now).take(now);
    sendError(state, tooLarge.code, tooLarge.message, {});
    return state;
  }
  const decoded = decode(state.socket.encoding, data, binary);
  const bucket =
    decoded.ok && decoded.frame.type === 'ack' ? ackBucketOf(state, now) : bucketOf(state, now);
  if (!bucket.take(now)) {
    const { ratePerSec, burst } = state.limits;
    sendError(
      state,
      'rate_limited',
      `rate limited: a connection may send ${ratePerSec} frames a second in bursts of ${burst}; this frame was dropped`,
      echoOf(decoded),
    );
    return state;
  }
  if (!decoded.ok) {
    sendError(state, decoded.error.code, decoded.error.message, decoded.error);
    return state;
  }
  const frame = decoded.frame;
  try {
    const handled = dispatch(state, frame);
    if (handled === undefined) return state;
    return handled.then(
      () => state,
      (err: unknown) => failed(state, frame, err),
    );
  } catch (err) {
    return failed(state, frame, err);
  }
}

/**
 * JSON wire: text frames only, a binary frame is refused whatever it holds;
 * MessagePack wire: binary frames only, a text frame is refused.
 */
function decode(wire: Wire | undefined, data: string | Uint8Array, binary: boolean): DecodeResult {
  if (wire === 'msgpack')
    return binary && typeof data !== 'string'
      ? decodeMsgpackFrame(data)
      : { ok: false, error: TEXT_FRAME_REFUSAL };
  return binary ? { ok: false, error: BINARY_FRAME_REFUSAL } : decodeClientFrame(data);
}

/** A bucket made on first use is full, as one made at connect would be by now. */
function bucketOf(state: EdgeState, now: number): TokenBucket {
  return (state.bucket ??= new TokenBucket(state.limits.ratePerSec, state.limits.burst, now));
}

function ackBucketOf(state: EdgeState, now: number): TokenBucket {
  return (state.ackBucket ??= new TokenBucket(
    state.limits.ackRatePerSec,
    state.limits.ackBurst,
    now,
  ));
}

/** The in-flight table, made when the first frame that waits for an answer comes. */
function trackOf(state: EdgeState): InFlight {
  return (state.inflight ??= new InFlight(state.limits.inflightMessagesMax, state.load));
}

/** Handles a valid frame; a promise when it needs presence I/O. */
function dispatch(state: EdgeState, frame: ClientFrame): Promise<void> | undefined {
  switch (frame.type) {
    case 'ping': {
      const pong = { type: 'pong' as const, ts: state.ctx.clock.now() };
      writeFrame(
        state,
        encodeServerFrame(frame.ref === undefined ? pong : { ...pong, ref: frame.ref }),
      );
      return undefined;
    }
    case 'presence.subscribe':
      return subscribePresence(state, frame);
    case 'settings':
      return state.presence.setLastSeenVisibility(state.user, frame.lastSeen);
    default: {
      if (frame.type === 'message' && state.load?.full === true) {
        // Backpressure, not more work: the node is behind; nothing is stored.
        sendError(state, 'unavailable', 'the server is overloaded; send it again later', {
          id: frame.id,
        });
        return undefined;
      }
      if (awaitsAnswer(frame) && !trackOf(state).track(frame)) {
        sendError(
          state,
          'rate_limited',
          `${state.limits.inflightMessagesMax} frames await their answer; this one was dropped, send it again later`,
          { ref: frame.ref, id: frame.type === 'message' ? frame.id : undefined },
        );
        return undefined;
      }
      if (frame.type === 'message') state.counters.messageIn();
      toUser(state, { t: 'client', device: state.device, edge: state.ctx.self, frame });
      return undefined;
    }
  }
}

async function subscribePresence(state: EdgeState, frame: PresenceSubscribeFrame): Promise<void> {
  const { presence, limits } = state;
  const subscriptions = (state.subscriptions ??= new Map());
  const listener = (state.listener ??= presenceListener(state));
  for (const peer of frame.users) {
    if (subscriptions.has(peer)) continue;
    subscriptions.set(peer, presence.subscribe([peer], listener));
    if (subscriptions.size > limits.presenceUsersMax) {
      const [oldest, unsubscribe] = subscriptions.entries().next().value!;
      unsubscribe();
      subscriptions.delete(oldest);
    }
  }
  const states = await presence.get(frame.users);
  write(state, states.map(presenceJson));
}

/**
 * The one closure a connection may have: presence calls it from other
 * actors' turns, so it only posts to this actor's mailbox. Made on the
 * first `presence.subscribe`, never for a connection that watches nobody.
 */
function presenceListener(state: EdgeState): (s: PresenceState) => void {
  const ctx = state.ctx;
  const self = ctx.self;
  return (s) => ctx.send(self, { t: 'presence', json: presenceJson(s) });
}

function failed(state: EdgeState, frame: ClientFrame, err: unknown): EdgeState {
  const { user, device } = state;
  state.ctx.log.error(
    { user, device, frame: frame.type, err: err instanceof Error ? err.stack : String(err) },
    'edge failed to handle a frame',
  );
  const code = frameCodeOf(err);
  const what = err instanceof ParleyError ? err.message : 'internal error';
  sendError(state, code, `could not handle the ${quote(frame.type)} frame: ${what}`, {
    ref: frame.ref,
    id: 'id' in frame ? frame.id : undefined,
  });
  return state;
}

function echoOf(decoded: DecodeResult): Echo {
  if (!decoded.ok) return decoded.error;
  const frame = decoded.frame;
  return { ref: frame.ref, id: 'id' in frame ? frame.id : undefined };
}

export function presenceJson(s: PresenceState): string {
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
