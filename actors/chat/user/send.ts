/**
 * A device's 1:1 `message` frames: stored in the sender's own inbox, acked
 * `sent`, copied to its other devices, forwarded to the recipient. (Group
 * messages: `posts.ts`.)
 *
 * Guarantees (PROTOCOL.md): `sent` only after the message is in the
 * sender's inbox (durable) with its pending mark for the recipient, in one
 * atomic store write; a repeated `id` gets the same `sent` again and
 * nothing else (the store's append is idempotent on the key); each `sent`
 * names the message stored before it from the device (`prior`), so the edge
 * writes acks in store order.
 */
import { type ActorContext, ErrorCode, ParleyError, type Ref } from '../../../runtime/index.ts';
import type { ClientMessageFrame } from '../../protocol/index.ts';
import { errorJson, json, messageFrame, toStored } from '../frames-out.ts';
import { directKey, peerConversation } from '../keys.ts';
import { type EdgeMsg, type MessageCore, type UserMsg, userKey } from '../messages.ts';
import { messageCore } from './lifecycle.ts';
import { rememberEntry } from './recent.ts';
import { pushAppended } from './sessions.ts';
import type { UserState } from './state.ts';

export async function sendDirect(
  s: UserState,
  device: string,
  edge: Ref<EdgeMsg>,
  frame: ClientMessageFrame & { to: string },
  ctx: ActorContext<UserMsg>,
): Promise<void> {
  const { user } = s;
  const { store } = s.env;
  const key = directKey(user, frame.id);
  const ts = ctx.clock.now();
  const to = frame.to;
  const record = {
    key,
    from: user,
    id: frame.id,
    to,
    ts,
    content: toStored(frame.content),
    device,
  };
  let result: { seq: number; duplicate: boolean };
  try {
    // The pending mark puts the user on the wake list (the store's "Wake list").
    [result] = (await store.appendInbox(user, s.epoch, [
      { record, conversation: peerConversation(to), pendingFor: to === user ? [] : [to] },
    ])) as [{ seq: number; duplicate: boolean }];
  } catch (err) {
    // Only an outage is answered here: a refused argument is answered
    // `bad_frame` by `receive`, and after a crash (a bug) the edge submits
    // the message again to the next incarnation.
    if (
      err instanceof ParleyError &&
      (err.code === ErrorCode.Unavailable || err.code === ErrorCode.Indeterminate)
    )
      ctx.send(edge, {
        t: 'push',
        json: errorJson('unavailable', 'could not store the message now; send it again later', {
          id: frame.id,
        }),
      });
    throw err;
  }
  if (result.duplicate) {
    // Sent again by the client: stored before, but the first attempt may have
    // stopped at a lost store reply, before its copies and its forward went
    // out. Both go (again): devices and the recipient drop repeats.
    const existing = await store.findByKey(user, key);
    const stamp = existing?.ts ?? ts;
    ctx.send(edge, sentAck(frame.id, stamp, s.acks.known(device, frame.id)));
    if (existing === undefined) return;
    await pushAppended(s, ctx, existing.seq, json(messageFrame(existing)), device);
    // The stored recipient, not this frame's: a repeated id reaches nobody else (guarantee 2).
    const stored = existing.to;
    if (stored !== undefined && stored !== user && !s.outbound.has(stored, key))
      forward(s, stored, key, messageCore(existing), existing.seq, ts);
    return;
  }
  ctx.send(edge, sentAck(frame.id, ts, s.acks.stored(device, frame.id)));
  rememberEntry(s, key, { seq: result.seq, from: user, device });
  await pushAppended(
    s,
    ctx,
    result.seq,
    json(messageFrame({ ...record, user, seq: result.seq })),
    device,
  );
  if (to === user) return;
  const msg: MessageCore = { from: user, id: frame.id, ts, content: frame.content, device };
  forward(s, to, key, msg, result.seq, ts);
}

/** The `sent` ack of `id` for the edge, naming the message stored before it from the device. */
export function sentAck(id: string, ts: number, prior: string | undefined): EdgeMsg {
  const text = json({ type: 'ack', id, status: 'sent', ts });
  return prior === undefined ? { t: 'push', json: text } : { t: 'push', json: text, prior };
}

/** Forwards an outbound message to its recipient, pending until confirmed (resent in order). */
function forward(
  s: UserState,
  to: string,
  key: string,
  msg: MessageCore,
  senderSeq: number,
  nowMs: number,
): void {
  const { directory, config } = s.env;
  const recipient = userKey(to);
  const prevKey = s.outbound.add(
    to,
    { senderSeq, key, msg },
    nowMs + config.resendIntervalMs,
    directory.owner(recipient),
  );
  directory.send(recipient, { t: 'deliver', to, msg, senderSeq, prevKey });
}
