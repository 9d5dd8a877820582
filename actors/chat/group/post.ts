/**
 * A member's post: appended once to the group log (the group order, `gseq`;
 * idempotent on `from/id`), answered to the sender's actor, then fanned out.
 * Answers go in the order posts arrive; a repeated id is answered with the
 * stored entry's `gseq` and `ts` and fanned out no more.
 */
import type { ActorContext } from '../../../runtime/index.ts';
import { toStored } from '../frames-out.ts';
import { groupLogKey } from '../keys.ts';
import type { GroupMsg, GroupReply } from '../messages.ts';
import { fanOut } from './fanout.ts';
import type { GroupState } from './state.ts';

export type Post = Extract<GroupMsg, { t: 'post' }>;

export async function onPost(s: GroupState, p: Post, ctx: ActorContext<GroupMsg>): Promise<void> {
  const { msg } = p;
  const { store } = s.env;
  if (s.meta === undefined) {
    answer(s, p, { ok: false, code: 'not_found', message: `no group "${s.id}"` }, ctx);
    return;
  }
  if (!s.members.has(msg.from)) {
    const message = `you are not a member of group "${s.id}"`;
    answer(s, p, { ok: false, code: 'forbidden', message }, ctx);
    return;
  }
  const record = {
    key: groupLogKey(msg.from, msg.id),
    from: msg.from,
    id: msg.id,
    ts: msg.ts,
    content: toStored(msg.content),
    device: msg.device,
  };
  if (!s.wakeMarked) {
    await store.markWake(s.owner);
    s.wakeMarked = true;
  }
  const [result] = await store.appendGroupLog(s.id, s.epoch, [record]);
  if (result!.duplicate) {
    const [existing] = await store.readGroupLog(s.id, result!.seq - 1, 1);
    answer(s, p, { ok: true, gseq: result!.seq, ts: existing?.ts ?? msg.ts }, ctx);
    return;
  }
  const gseq = result!.seq;
  s.head = gseq;
  answer(s, p, { ok: true, gseq, ts: msg.ts }, ctx);
  fanOut(s, gseq, msg, ctx);
}

/** Answers a `post` to the sender's user actor. */
export function answer(
  s: GroupState,
  p: Post,
  reply: GroupReply,
  ctx: ActorContext<GroupMsg>,
): void {
  ctx.send(p.replyTo, { t: 'posted', group: s.id, id: p.msg.id, reply });
}
