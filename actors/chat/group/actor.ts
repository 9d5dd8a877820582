/**
 * The group actor: one per group, the owner of its membership and its log.
 *
 * What it guarantees, and where:
 * - Membership up to 1024; admins change it; the creator is member and
 *   admin; when the last admin leaves, the longest-standing member becomes
 *   admin (`membership.ts`).
 * - A member's message is appended once to the group log (the group order,
 *   `gseq`; idempotent on `from/id`), acknowledged to the sender's actor,
 *   then fanned out to every member's actor (`post.ts`).
 * - Fan-out is at-least-once and ordered per member (`fanout.ts`), resent
 *   on ticks until confirmed (`lifecycle.ts`).
 * - Members only: posting, reading history and typing (`requests.ts`).
 *   Admins only: add and remove others.
 * - A value the store refuses (`invalid_argument`) in a post is answered
 *   `bad_frame`; an outage is answered `unavailable` (a post with `retry`:
 *   it may be in the log); a fenced write stops the actor (`receive` here).
 *
 * The behavior is one small object per actor whose methods are shared
 * module-level functions over the actor's state (`state.ts`).
 *
 * Invariant: the actor handles one message at a time (the runtime awaits
 * async handlers), so appends, fan-out and cursor moves never interleave.
 */
import {
  type ActorContext,
  type Behavior,
  ErrorCode,
  ParleyError,
  type Ref,
} from '../../../runtime/index.ts';
import type { ActivatorMsg } from '../../virtual/index.ts';
import { onRouted, stopFenced, UNROUTED } from '../actor-lifecycle.ts';
import type { ChatEnv } from '../env.ts';
import { errorJson } from '../frames-out.ts';
import type { GroupMsg } from '../messages.ts';
import { onConfirm, onGap } from './fanout.ts';
import { finish, initGroup, onTick } from './lifecycle.ts';
import { onChange, onCreate } from './membership.ts';
import { answer, onPost } from './post.ts';
import { onHistory, onTyping } from './requests.ts';
import type { GroupState } from './state.ts';

class GroupBehavior implements Behavior<GroupMsg, GroupState> {
  readonly name = 'group';

  constructor(
    private readonly id: string,
    private readonly env: ChatEnv,
    private readonly activator: Ref<ActivatorMsg>,
  ) {}

  init(ctx: ActorContext<GroupMsg>): Promise<GroupState> {
    return initGroup(this.id, this.env, this.activator, ctx);
  }

  receive(s: GroupState, msg: GroupMsg, ctx: ActorContext<GroupMsg>): Promise<GroupState> {
    return receive(s, msg, ctx);
  }
}

export function groupActor(
  id: string,
  env: ChatEnv,
  activator: Ref<ActivatorMsg>,
): Behavior<GroupMsg, GroupState> {
  return new GroupBehavior(id, env, activator);
}

async function receive(
  s: GroupState,
  msg: GroupMsg,
  ctx: ActorContext<GroupMsg>,
): Promise<GroupState> {
  onRouted(s, msg.t, UNROUTED, ctx, s.env.config);
  try {
    switch (msg.t) {
      case 'create':
        await onCreate(s, msg, ctx);
        break;
      case 'change':
        await onChange(s, msg, ctx);
        break;
      case 'post':
        await onPost(s, msg, ctx);
        break;
      case 'confirm':
        onConfirm(s, msg.member, msg.gseq);
        break;
      case 'gap':
        await onGap(s, msg.member, ctx);
        break;
      case 'history':
        await onHistory(s, msg, ctx);
        break;
      case 'typing':
        onTyping(s, msg);
        break;
      case 'tick':
        await onTick(s, msg, ctx);
        break;
      case 'wake':
        break;
      case 'passivated':
      case 'handoff':
        await finish(s, ctx);
        break;
      case 'introspect':
        ctx.send(msg.replyTo, { epoch: s.epoch, members: s.members.size });
        break;
    }
  } catch (err) {
    handleFailure(s, msg, err, ctx);
  }
  return s;
}

/** What a failed message leaves: a refused post is `bad_frame`, fenced stops the actor, an outage is answered; anything else crashes it. */
function handleFailure(
  s: GroupState,
  msg: GroupMsg,
  err: unknown,
  ctx: ActorContext<GroupMsg>,
): void {
  if (!(err instanceof ParleyError)) throw err;
  if (msg.t === 'post' && err.code === ErrorCode.InvalidArgument) {
    // A value the store refuses is a bad frame, not an outage to retry forever.
    answer(s, msg, { ok: false, code: 'bad_frame', message: err.message }, ctx);
    return;
  }
  if (err.code === ErrorCode.Fenced) {
    stopFenced(ctx, 'group', { group: s.id }, err);
    return;
  }
  if (err.code !== ErrorCode.Unavailable && err.code !== ErrorCode.Indeterminate) throw err;
  ctx.log.warn({ group: s.id, msg: msg.t, err: err.message }, 'store unavailable');
  // The post may be in the log (a lost answer looks like a failure): the
  // sender posts it again before anything later (`retry`), and the log's
  // one entry per id then says where it is.
  if (msg.t === 'post')
    answer(
      s,
      msg,
      {
        ok: false,
        code: 'unavailable',
        message: 'could not store the message now; send it again later',
        retry: true,
      },
      ctx,
    );
  if (msg.t === 'create' || msg.t === 'change') {
    ctx.send(msg.edge, {
      t: 'push',
      json: errorJson('unavailable', 'could not store the group now; retry later', {
        ref: msg.ref,
      }),
    });
  }
}
