/**
 * A device's frames, dispatched: messages (`send.ts`, `posts.ts`), acks
 * (`receipts.ts`), typing, history and chat list reads, and group
 * operations (forwarded to the group's actor, which answers the edge).
 */
import type { ActorContext, Ref } from '../../../runtime/index.ts';
import type { ClientFrame, HistoryRequestFrame } from '../../protocol/index.ts';
import { answerConversations, answerGroupInfo } from '../conversations.ts';
import { errorJson, json, messageFrame } from '../frames-out.ts';
import { newGroupId } from '../ids.ts';
import { peerConversation } from '../keys.ts';
import { type EdgeMsg, groupKey, type UserMsg, userKey } from '../messages.ts';
import { postToGroup } from './posts.ts';
import { onClientAck } from './receipts.ts';
import { sendDirect } from './send.ts';
import type { UserState } from './state.ts';

export async function onClient(
  s: UserState,
  device: string,
  edge: Ref<EdgeMsg>,
  frame: ClientFrame,
  ctx: ActorContext<UserMsg>,
): Promise<void> {
  const { user } = s;
  const { store, directory } = s.env;
  switch (frame.type) {
    case 'message':
      if (frame.to !== undefined)
        await sendDirect(s, [{ device, edge, frame: { ...frame, to: frame.to } }], ctx);
      else postToGroup(s, device, edge, frame, ctx);
      return;
    case 'ack':
      await onClientAck(s, device, frame, ctx);
      return;
    case 'typing':
      if (frame.to !== undefined)
        directory.send(userKey(frame.to), { t: 'typing', from: user, status: frame.status });
      else directory.send(groupKey(frame.group), { t: 'typing', from: user, status: frame.status });
      return;
    case 'history':
      await onHistory(s, edge, frame, ctx);
      return;
    case 'conversations':
      await answerConversations(store, user, edge, frame, ctx);
      return;
    case 'group.info':
      await answerGroupInfo(store, user, edge, frame, ctx);
      return;
    case 'group.create':
      directory.send(groupKey(newGroupId(ctx.random)), {
        t: 'create',
        by: user,
        name: frame.name,
        members: frame.members,
        ref: frame.ref,
        edge,
      });
      return;
    case 'group.add':
    case 'group.remove':
      directory.send(groupKey(frame.group), {
        t: 'change',
        op: frame.type,
        by: user,
        members: frame.members,
        ref: frame.ref,
        edge,
      });
      return;
    case 'group.leave':
      directory.send(groupKey(frame.group), {
        t: 'change',
        op: frame.type,
        by: user,
        members: [],
        ref: frame.ref,
        edge,
      });
      return;
    default:
      // ping, presence.subscribe and settings are the edge's.
      ctx.send(edge, {
        t: 'push',
        json: errorJson('bad_frame', `frame type "${frame.type}" is handled by the edge`),
      });
  }
}

async function onHistory(
  s: UserState,
  edge: Ref<EdgeMsg>,
  frame: HistoryRequestFrame,
  ctx: ActorContext<UserMsg>,
): Promise<void> {
  const ref = frame.ref;
  let before: number | null = null;
  if (frame.before !== undefined) {
    before = /^[1-9][0-9]{0,15}$/.test(frame.before) ? Number(frame.before) : Number.NaN;
    if (Number.isNaN(before)) {
      ctx.send(edge, {
        t: 'push',
        json: errorJson(
          'bad_frame',
          `field "before" must be a cursor from a previous history page, got ${JSON.stringify(frame.before)}`,
          ref ? { ref } : {},
        ),
      });
      return;
    }
  }
  if (frame.group !== undefined) {
    s.env.directory.send(groupKey(frame.group), {
      t: 'history',
      by: s.user,
      before,
      limit: frame.limit,
      ref,
      edge,
    });
    return;
  }
  const page = await s.env.store.history(s.user, peerConversation(frame.with), before, frame.limit);
  ctx.send(edge, {
    t: 'push',
    json: json({
      type: 'history',
      with: frame.with,
      ...(ref !== undefined ? { ref } : {}),
      messages: page.entries.map(messageFrame),
      next: page.nextBeforeSeq === null ? null : String(page.nextBeforeSeq),
    }),
  });
}

/** Pushes one encoded frame to every session of this user but `exceptDevice`. */
export function broadcast(
  s: UserState,
  ctx: ActorContext<UserMsg>,
  text: string,
  exceptDevice?: string,
): void {
  for (const [device, session] of s.sessions) {
    if (device !== exceptDevice) ctx.send(session.edge, { t: 'push', json: text });
  }
}
