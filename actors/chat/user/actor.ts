/**
 * The user actor: one per user, the owner of that user's inbox.
 *
 * What it guarantees (PROTOCOL.md), and where:
 * - `sent` only after the message is durable in the sender's inbox with its
 *   pending mark, in one atomic write; a repeated `id` is one message
 *   (`send.ts`).
 * - Forwards to the recipient until it confirms, in order across loss
 *   (`deliver.ts`).
 * - Every device gets every inbox entry after its delivered cursor on
 *   attach, in `seq` order, then live entries; a device's own sends are not
 *   pushed back to it (`sessions.ts`).
 * - Receipts are relayed to the sender's actor, which keeps them monotonic
 *   and pushes them to every device of the sender (`receipts.ts`).
 * - A client frame the store refuses (`invalid_argument`) is answered
 *   `bad_frame`, never `unavailable` (which clients retry forever), and the
 *   actor goes on with the next frame instead of crashing (`receive` here).
 *
 * The behavior is one small object per actor whose methods are shared
 * module-level functions over the actor's state (`state.ts`): an actor
 * costs its state, not a set of closures.
 *
 * Invariant: the actor handles one message at a time (the runtime awaits
 * async handlers), so inbox appends, pushes and cursor moves never interleave.
 * A fenced write means a newer owner exists: the actor stops.
 */
import {
  type ActorContext,
  type Behavior,
  type Down,
  ErrorCode,
  ParleyError,
  type Ref,
} from '../../../runtime/index.ts';
import type { ActivatorMsg } from '../../virtual/index.ts';
import { noteRouted, onRouted, stopFenced } from '../actor-lifecycle.ts';
import type { ChatEnv } from '../env.ts';
import { json } from '../frames-out.ts';
import type { UserMsg } from '../messages.ts';
import { type Deliver, onDeliver, onGroupDeliver, resend } from './deliver.ts';
import { initUser, onSessionDown, onTick, USER_UNROUTED } from './lifecycle.ts';
import { onPosted } from './posts.ts';
import { flushBuffered, onReceipt, scheduleFlush } from './receipts.ts';
import { refuseClientFrame } from './refuse.ts';
import { broadcast, onClient } from './requests.ts';
import { type DirectSend, sendDirect } from './send.ts';
import { attach, flushCursors, replay } from './sessions.ts';
import type { UserState } from './state.ts';

class UserBehavior implements Behavior<UserMsg, UserState> {
  readonly name = 'user';

  constructor(
    private readonly user: string,
    private readonly env: ChatEnv,
    private readonly activator: Ref<ActivatorMsg>,
  ) {}

  init(ctx: ActorContext<UserMsg>): Promise<UserState> {
    return initUser(this.user, this.env, this.activator, ctx);
  }

  receive(s: UserState, msg: UserMsg, ctx: ActorContext<UserMsg>): Promise<UserState> {
    return receive(s, msg, ctx);
  }

  down(s: UserState, d: Down, ctx: ActorContext<UserMsg>): UserState {
    return onSessionDown(s, d, ctx);
  }
}

export function userActor(
  user: string,
  env: ChatEnv,
  activator: Ref<ActivatorMsg>,
): Behavior<UserMsg, UserState> {
  return new UserBehavior(user, env, activator);
}

/** Most messages one store write takes along (the first one and those waiting behind it). */
const SEND_BATCH_MAX = 64;
const DELIVER_BATCH_MAX = 64;

async function receive(s: UserState, msg: UserMsg, ctx: ActorContext<UserMsg>): Promise<UserState> {
  onRouted(s, msg.t, USER_UNROUTED, ctx, s.env.config);
  try {
    switch (msg.t) {
      case 'attach':
        await attach(s, msg.device, msg.edge, ctx);
        break;
      case 'replay_more': {
        const session = s.sessions.get(msg.device);
        if (session?.edge.equals(msg.edge) && session.phase !== 'live')
          await replay(s, msg.device, session, ctx);
        break;
      }
      case 'detach': {
        const session = s.sessions.get(msg.device);
        if (session?.edge.equals(msg.edge)) {
          ctx.demonitor(session.monitor);
          s.sessions.delete(msg.device);
        }
        await flushCursors(s, ctx.clock.now());
        break;
      }
      case 'client':
        if (isDirectSend(msg))
          await sendDirect(s, [msg, ...takeRouted(s, ctx, isDirectSend, SEND_BATCH_MAX - 1)], ctx);
        else await onClient(s, msg.device, msg.edge, msg.frame, ctx);
        break;
      case 'deliver':
        await onDeliver(s, [msg, ...takeRouted(s, ctx, isDeliver, DELIVER_BATCH_MAX - 1)], ctx);
        break;
      case 'confirm':
        s.confirmBuf.push(msg);
        scheduleFlush(s, ctx);
        break;
      case 'flush':
        s.flushScheduled = false;
        await flushBuffered(s, ctx);
        break;
      case 'wake':
        break;
      case 'gap':
        resend(s, msg.recipient, ctx.clock.now());
        break;
      case 'group_deliver':
        await onGroupDeliver(s, msg.group, msg.gseq, msg.prevGseq, msg.msg, ctx);
        break;
      case 'posted':
        onPosted(s, msg.group, msg.id, msg.reply, ctx);
        break;
      case 'receipt':
        onReceipt(s, msg, ctx);
        break;
      case 'typing':
        broadcast(
          s,
          ctx,
          json({
            type: 'typing',
            from: msg.from,
            status: msg.status,
            ...(msg.group ? { group: msg.group } : {}),
          }),
        );
        break;
      case 'group_changed':
        broadcast(s, ctx, json(msg.frame));
        break;
      case 'tick':
        await onTick(s, msg, ctx);
        break;
      case 'passivated':
        await flushCursors(s, ctx.clock.now());
        ctx.stop('normal');
        break;
      case 'handoff':
        // The key moved: everything before this is done; write what is buffered and stop.
        await flushBuffered(s, ctx);
        await flushCursors(s, ctx.clock.now());
        ctx.stop('normal');
        break;
      case 'introspect':
        ctx.send(msg.replyTo, { epoch: s.epoch, devices: [...s.sessions.keys()] });
        break;
    }
  } catch (err) {
    handleFailure(s, msg, err, ctx);
  }
  return s;
}

/** The routed messages waiting right behind the current one that one store write can take along. */
function takeRouted<T extends UserMsg>(
  s: UserState,
  ctx: ActorContext<UserMsg>,
  accept: (msg: UserMsg) => msg is T,
  max: number,
): T[] {
  const more = ctx.takeWhile(accept, max);
  if (more.length > 0) noteRouted(s, more.length, ctx, s.env.config);
  return more;
}

type ClientMsg = Extract<UserMsg, { t: 'client' }>;

/** A device's 1:1 message frame (group posts go to the group's actor). */
function isDirectSend(msg: UserMsg): msg is ClientMsg & DirectSend {
  return msg.t === 'client' && msg.frame.type === 'message' && msg.frame.to !== undefined;
}

function isDeliver(msg: UserMsg): msg is Deliver {
  return msg.t === 'deliver';
}

/** What a failed message leaves: fenced stops the actor; a refused frame and an outage are answered; anything else crashes it. */
function handleFailure(s: UserState, msg: UserMsg, err: unknown, ctx: ActorContext<UserMsg>): void {
  if (err instanceof ParleyError && err.code === ErrorCode.Fenced) {
    stopFenced(ctx, 'user', { user: s.user }, err);
    return;
  }
  if (msg.t === 'client' && err instanceof ParleyError && err.code === ErrorCode.InvalidArgument) {
    // The store refused a value the client sent: the frame is bad, and the
    // store is not down (an `unavailable` would be retried forever).
    ctx.log.warn(
      { user: s.user, frame: msg.frame.type, err: err.message },
      'store refused a client frame',
    );
    refuseClientFrame(
      msg.edge,
      msg.frame,
      'bad_frame',
      `the frame could not be stored: ${err.message}`,
      ctx,
    );
    return;
  }
  if (
    err instanceof ParleyError &&
    (err.code === ErrorCode.Unavailable || err.code === ErrorCode.Indeterminate)
  ) {
    // The store is down: nothing is acked; senders and forwards retry.
    ctx.log.warn({ user: s.user, msg: msg.t, err: err.message }, 'store unavailable');
    // A message was answered where it failed; a request with a ref gets its answer here.
    if (msg.t === 'client' && msg.frame.type !== 'message' && msg.frame.ref !== undefined)
      refuseClientFrame(
        msg.edge,
        msg.frame,
        'unavailable',
        'the store is unavailable; retry later',
        ctx,
      );
    return;
  }
  throw err;
}
