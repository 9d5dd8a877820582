/**
 * A device's messages to groups, posted to the group's actor without the
 * user actor waiting for the answer (it goes on with its mailbox); the
 * group answers `posted`, and the device gets its `sent` (or error) then.
 *
 * Order (guarantee 4): the device's `sent` acks for one group must come in
 * the group's order (gseq). So this user's posts to one group go one at a
 * time: the next is posted once the one before it is answered for good. A
 * store failure leaves a post ambiguous (it may be in the log): the group
 * answers `retry`, and the post goes again at once (the log keeps one entry
 * per id, and the answer then says where it is) before anything later is
 * posted; answering the client `unavailable` instead let a later post be
 * acked first while the failed one held the earlier gseq (found by the
 * simulator: slow-flaky-store). A post unanswered for `POST_TIMEOUT_MS`
 * goes again; after `POST_ATTEMPTS` tries it is answered `unavailable` (the
 * client sends it again later) and the next one goes.
 */
import type { ActorContext, Ref } from '../../../runtime/index.ts';
import type { ClientMessageFrame } from '../../protocol/index.ts';
import { errorJson } from '../frames-out.ts';
import {
  type EdgeMsg,
  type GroupReply,
  groupKey,
  type MessageCore,
  type UserMsg,
} from '../messages.ts';
import { sentAck } from './send.ts';
import type { UserState } from './state.ts';

export const POST_ATTEMPTS = 3;
export const POST_TIMEOUT_MS = 5000;

/** A post waiting for the group's answer, or for its turn behind earlier posts to the group. */
export interface PostWait {
  readonly id: string;
  readonly device: string;
  readonly edge: Ref<EdgeMsg>;
  readonly msg: MessageCore;
  /** Tries so far. */
  attempts: number;
  /** When it was last posted (clock ms). */
  sentMs: number;
}

const GAVE_UP: GroupReply = {
  ok: false,
  code: 'unavailable',
  message: 'the group did not answer; send it again later',
};

export function postToGroup(
  s: UserState,
  device: string,
  edge: Ref<EdgeMsg>,
  frame: ClientMessageFrame & { group: string },
  ctx: ActorContext<UserMsg>,
): void {
  const now = ctx.clock.now();
  const msg: MessageCore = { from: s.user, id: frame.id, ts: now, content: frame.content, device };
  const wait: PostWait = { id: frame.id, device, edge, msg, attempts: 0, sentMs: now };
  const posts = (s.posts ??= new Map());
  let queue = posts.get(frame.group);
  if (queue === undefined) posts.set(frame.group, (queue = []));
  queue.push(wait);
  if (queue.length === 1) post(s, frame.group, wait, ctx);
}

export function onPosted(
  s: UserState,
  group: string,
  id: string,
  reply: GroupReply,
  ctx: ActorContext<UserMsg>,
): void {
  const queue = s.posts?.get(group);
  const head = queue?.[0];
  // Only the head is out; anything else is the answer to an earlier try of a post answered already.
  if (head === undefined || head.id !== id) return;
  if (!reply.ok && reply.retry === true && head.attempts < POST_ATTEMPTS) {
    post(s, group, head, ctx);
    return;
  }
  answer(s, head, reply.ok || reply.retry !== true ? reply : GAVE_UP, ctx);
  next(s, group, queue!, ctx);
}

/** On the actor's tick: a post unanswered for too long goes again, or is given up on. */
export function retryPosts(s: UserState, ctx: ActorContext<UserMsg>): void {
  if (s.posts === undefined) return;
  const now = ctx.clock.now();
  for (const [group, queue] of s.posts) {
    const head = queue[0]!;
    if (now - head.sentMs < POST_TIMEOUT_MS) continue;
    if (head.attempts < POST_ATTEMPTS) post(s, group, head, ctx);
    else {
      answer(s, head, GAVE_UP, ctx);
      next(s, group, queue, ctx);
    }
  }
}

/** The answer comes back to this incarnation (a new one starts with no posts: the edge submits them again). */
function post(s: UserState, group: string, w: PostWait, ctx: ActorContext<UserMsg>): void {
  w.attempts++;
  w.sentMs = ctx.clock.now();
  s.env.directory.send(groupKey(group), { t: 'post', msg: w.msg, replyTo: ctx.self });
}

/** The head is answered: post the next one, or forget the group's queue. */
function next(s: UserState, group: string, queue: PostWait[], ctx: ActorContext<UserMsg>): void {
  queue.shift();
  if (queue.length > 0) post(s, group, queue[0]!, ctx);
  else {
    s.posts!.delete(group);
    if (s.posts!.size === 0) s.posts = undefined;
  }
}

function answer(s: UserState, w: PostWait, reply: GroupReply, ctx: ActorContext<UserMsg>): void {
  if (reply.ok) ctx.send(w.edge, sentAck(w.id, reply.ts, s.acks.stored(w.device, w.id)));
  else ctx.send(w.edge, { t: 'push', json: errorJson(reply.code, reply.message, { id: w.id }) });
}
