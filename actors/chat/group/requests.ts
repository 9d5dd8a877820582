/**
 * Members' requests that change nothing: history pages of the group log and
 * typing, relayed to the other members. Members only: a non-member's
 * history is `forbidden` (`not_found` before the group exists), its typing
 * dropped.
 */
import type { ActorContext } from '../../../runtime/index.ts';
import { errorJson, groupHistoryFrame, json } from '../frames-out.ts';
import { type GroupMsg, userKey } from '../messages.ts';
import type { GroupState } from './state.ts';

type History = Extract<GroupMsg, { t: 'history' }>;
type Typing = Extract<GroupMsg, { t: 'typing' }>;

export async function onHistory(
  s: GroupState,
  msg: History,
  ctx: ActorContext<GroupMsg>,
): Promise<void> {
  const { ref } = msg;
  const refOnly = ref !== undefined ? { ref } : {};
  if (s.meta === undefined) {
    ctx.send(msg.edge, { t: 'push', json: errorJson('not_found', `no group "${s.id}"`, refOnly) });
    return;
  }
  if (!s.members.has(msg.by)) {
    const text = `you are not a member of group "${s.id}"`;
    ctx.send(msg.edge, { t: 'push', json: errorJson('forbidden', text, refOnly) });
    return;
  }
  const page = await s.env.store.groupHistory(s.id, msg.before, msg.limit);
  ctx.send(msg.edge, {
    t: 'push',
    json: json({
      type: 'history',
      group: s.id,
      ...refOnly,
      messages: page.entries.map(groupHistoryFrame),
      next: page.nextBeforeSeq === null ? null : String(page.nextBeforeSeq),
    }),
  });
}

export function onTyping(s: GroupState, msg: Typing): void {
  if (!s.members.has(msg.from)) return;
  for (const m of s.members.keys()) {
    if (m !== msg.from)
      s.env.directory.send(userKey(m), {
        t: 'typing',
        from: msg.from,
        group: s.id,
        status: msg.status,
      });
  }
}
