/**
 * The edge actor: one per WebSocket connection, bridging a client to its user
 * actor.
 *
 * Lifecycle. At start it writes `welcome` (always the first frame), marks the
 * device online, and sends `attach` to the user actor, which then pushes the
 * inbox replay and live traffic (`push`, `push_many`). Until the user actor
 * answers `attached`, the edge sends `attach` again after every
 * `attachRetryMs` in which no replay batch came (`edge-attach.ts`). It ends when the
 * socket closes (`socket_closed`), when the user actor replaced the session
 * (`close`), on a missed heartbeat, on backpressure, or on an exit signal
 * (spawn it with `trapExit: true` so those run the same cleanup): every way
 * out sends `detach`, marks the device offline, drops the presence
 * subscriptions, and stops. Cleanup runs exactly once.
 *
 * Inbound frames (`edge-frames.ts`), in this order: size (`too_large`), rate
 * limit (a token bucket; `rate_limited`), decoding (`bad_frame`,
 * `unknown_type`). Each refusal is an `error` frame echoing the frame's
 * `ref`/`id` when they could be read, and the connection stays. `ping`,
 * `presence.subscribe` and `settings` are answered by the edge; every other
 * frame goes to the user actor. An exception while handling a frame becomes
 * an `error` frame (`unavailable`, or the code of a `ParleyError` that maps
 * to one), never the end of the connection.
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
 *
 * Shape. The behavior is a set of module-level functions over `EdgeState`
 * (`edge-state.ts`), shared by every connection: one connection costs its
 * state, its behavior object and its socket, not a closure per handler. The
 * heartbeat (`edge-heartbeat.ts`) and the attach retry wait in queues shared
 * per clock (`deadlines.ts`), so an idle connection has no timer of its own.
 */
import type { Behavior, Down, ExitMessage, ExitReason } from '../../runtime/index.ts';
import type { EdgeMsg } from '../chat/messages.ts';
import { encodeServerFrame } from '../protocol/index.ts';
import { CloseCode } from './close-codes.ts';
import {
  askForMore,
  attach,
  onAttachCheck,
  onAttached,
  onPush,
  onPushMany,
  onReattach,
  onUserDown,
} from './edge-attach.ts';
import { release, shut } from './edge-close.ts';
import { onFrame } from './edge-frames.ts';
import { onHeartbeat, startHeartbeat } from './edge-heartbeat.ts';
import {
  type Ctx,
  type EdgeOptions,
  type EdgeState,
  edgeLimitsOf,
  newEdgeState,
} from './edge-state.ts';
import { sendError, writeFrame } from './edge-writes.ts';
import type { EdgeLimits } from './limits.ts';

export type { EdgeOptions, EdgeState } from './edge-state.ts';

/** One connection's behavior: its options, and the handlers every connection shares. */
interface EdgeBehavior extends Behavior<EdgeMsg, EdgeState> {
  readonly options: EdgeOptions;
  readonly limits: EdgeLimits;
}

/** Builds the behavior of one connection's edge actor. Throws `invalid_argument` on bad limits. */
export function edgeBehavior(options: EdgeOptions): Behavior<EdgeMsg, EdgeState> {
  const behavior: EdgeBehavior = {
    name: 'edge',
    options,
    limits: edgeLimitsOf(options.limits),
    init,
    receive,
    down,
    exit,
    terminate,
  };
  return behavior;
}

function init(this: EdgeBehavior, ctx: Ctx): EdgeState {
  const state = newEdgeState(this.options, this.limits, ctx);
  const { user, device } = state;
  writeFrame(state, encodeServerFrame({ type: 'welcome', user, device, ts: ctx.clock.now() }));
  state.presence.connect(user, device).catch((err: unknown) => {
    ctx.log.warn({ user, device, err: String(err) }, 'presence connect failed');
  });
  attach(state);
  startHeartbeat(state);
  return state;
}

function receive(state: EdgeState, msg: EdgeMsg, ctx: Ctx): EdgeState | Promise<EdgeState> {
  switch (msg.t) {
    case 'push':
      onPush(state, msg.json, msg.prior);
      return state;
    case 'presence':
      writeFrame(state, msg.json);
      return state;
    case 'push_many':
      onPushMany(state, msg.json, msg.more === true);
      return state;
    case 'drain_check':
      askForMore(state);
      return state;
    case 'attached':
      onAttached(state, msg);
      return state;
    case 'attach_check':
      onAttachCheck(state);
      return state;
    case 'reattach':
      onReattach(state);
      return state;
    case 'close':
      shut(state, msg.code, msg.reason);
      return state;
    case 'socket_frame':
      try {
        return onFrame(state, msg.data, msg.binary === true);
      } catch (err) {
        // Past the decoder nothing should throw; if it does, the client still gets an answer.
        ctx.log.error(
          { user: state.user, device: state.device, err: String(err) },
          'edge failed on a frame',
        );
        sendError(state, 'unavailable', 'could not handle the frame: internal error', {});
        return state;
      }
    case 'socket_closed':
      release(state);
      ctx.stop();
      return state;
    case 'heartbeat':
      onHeartbeat(state);
      return state;
  }
}

function down(state: EdgeState, msg: Down): EdgeState {
  onUserDown(state, msg);
  return state;
}

function exit(state: EdgeState, msg: ExitMessage, ctx: Ctx): EdgeState {
  const code = msg.reason === 'shutdown' ? CloseCode.GoingAway : CloseCode.InternalError;
  shut(state, code, `edge stopped: ${typeof msg.reason === 'string' ? msg.reason : 'error'}`);
  ctx.stop(msg.reason);
  return state;
}

/** A crash (or a stop with the socket still open): close it, give everything back. */
function terminate(state: EdgeState | undefined, reason: ExitReason): void {
  if (state === undefined || state.closed) return;
  state.socket.close(reason === 'normal' ? 1000 : CloseCode.InternalError, 'edge stopped');
  release(state);
}
