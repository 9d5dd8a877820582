/**
 * Read state per user, not per device (protocol v1.1): a device's `ack`
 * `read` moves the user's read watermark of that conversation in the store
 * (`Store.markRead`: monotonic, fenced by the user actor's epoch, unread
 * recounted), and when it rose, every *other* device of the user gets
 * `{type:"read", with|group, upTo, ts}`, so open devices clear the unread
 * count too; a device that connects later asks `conversations`.
 *
 * The conversation is the one of the acked message: `with` = the peer it
 * came from for 1:1, `group` for a group. `upTo` is the user's inbox `seq`
 * of that message (or of the conversation's last message, if lower: the
 * watermark never passes it). Acks of the user's own messages (copies on
 * another device) move nothing: own messages are never unread.
 */
import type { ActorContext, Ref } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import type { ClientAckFrame } from '../protocol/index.ts';
import { json } from './frames-out.ts';
import type { EdgeMsg, UserMsg } from './messages.ts';

export interface ReadSessions {
  readonly sessions: ReadonlyMap<string, { readonly edge: Ref<EdgeMsg> }>;
}

/** Moves the watermark for a `read` ack of the message at inbox `seq`; pushes `read` to the other devices when it rose. */
export async function onReadAck(
  store: Store,
  user: string,
  epoch: number,
  s: ReadSessions,
  device: string,
  frame: ClientAckFrame,
  seq: number,
  ctx: ActorContext<UserMsg>,
): Promise<void> {
  const conversation = frame.group !== undefined ? `g:${frame.group}` : `u:${frame.from}`;
  const mark = await store.markRead(user, epoch, conversation, seq);
  if (mark === undefined || !mark.raised) return;
  const text = json({
    type: 'read',
    ...(frame.group !== undefined ? { group: frame.group } : { with: frame.from }),
    upTo: mark.readUpTo,
    ts: ctx.clock.now(),
  });
  for (const [other, session] of s.sessions)
    if (other !== device) ctx.send(session.edge, { t: 'push', json: text });
}
