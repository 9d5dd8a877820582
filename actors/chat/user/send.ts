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
import type { AppendResult, InboxRecord } from '../../../store/index.ts';
import type { ClientMessageFrame } from '../../protocol/index.ts';
import { errorJson, json, messageFrame, toStored } from '../frames-out.ts';
import { directKey, peerConversation } from '../keys.ts';
import { type EdgeMsg, type MessageCore, type UserMsg, userKey } from '../messages.ts';
import { messageCore } from './lifecycle.ts';
import { rememberEntry } from './recent.ts';
import { refuseClientFrame } from './refuse.ts';
import { pushAppended } from './sessions.ts';
import type { UserState } from './state.ts';

/** A device's 1:1 message frame, as the user actor takes it from its mailbox. */
export interface DirectSend {
  readonly device: string;
  readonly edge: Ref<EdgeMsg>;
  readonly frame: ClientMessageFrame & { readonly to: string };
}

/** A 1:1 record as this actor stores it: always with its recipient. */
type StoredDirect = InboxRecord & { readonly to: string };

/**
 * Stores `sends` (in mailbox order) in one `appendInbox`, then acks,
 * copies and forwards each in that order. A refused argument refuses only
 * its own frame: the batch is stored again one frame at a time. An outage
 * answers every frame `unavailable` (none is acked) and rethrows.
 */
export async function sendDirect(
  s: UserState,
  sends: readonly DirectSend[],
  ctx: ActorContext<UserMsg>,
): Promise<void> {
  const { user } = s;
  const ts = ctx.clock.now();
  const records = sends.map(
    ({ device, frame }): StoredDirect => ({
      key: directKey(user, frame.id),
      from: user,
      id: frame.id,
      to: frame.to,
      ts,
      content: toStored(frame.content),
      device,
    }),
  );
  let results: readonly AppendResult[];
  try {
    // The pending marks put the user on the wake list (the store's "Wake list").
    results = await s.env.store.appendInbox(
      user,
      s.epoch,
      records.map((record) => ({
        record,
        conversation: peerConversation(record.to),
        pendingFor: record.to === user ? [] : [record.to],
      })),
    );
  } catch (err) {
    if (isInvalidArgument(err) && sends.length > 1) {
      for (const one of sends) await sendOne(s, one, ctx);
      return;
    }
    // Only an outage is answered here: a refused argument is answered
    // `bad_frame` by `receive`, and after a crash (a bug) the edge submits
    // the message again to the next incarnation.
    if (isOutage(err)) for (const { edge, frame } of sends) answerUnavailable(edge, frame.id, ctx);
    throw err;
  }
  for (let i = 0; i < sends.length; i++) {
    const one = sends[i]!;
    const result = results[i]!;
    if (result.duplicate) await resendStored(s, one, ts, ctx);
    else await afterStored(s, one, records[i]!, result.seq, ctx);
  }
}

/** One frame of a refused batch: a refused argument is answered `bad_frame` and the rest go on. */
async function sendOne(s: UserState, one: DirectSend, ctx: ActorContext<UserMsg>): Promise<void> {
  try {
    await sendDirect(s, [one], ctx);
  } catch (err) {
    if (!isInvalidArgument(err)) throw err;
    ctx.log.warn({ user: s.user, err: (err as Error).message }, 'store refused a client frame');
    refuseClientFrame(
      one.edge,
      one.frame,
      'bad_frame',
      `the frame could not be stored: ${(err as Error).message}`,
      ctx,
    );
  }
}

async function afterStored(
  s: UserState,
  { device, edge, frame }: DirectSend,
  record: StoredDirect,
  seq: number,
  ctx: ActorContext<UserMsg>,
): Promise<void> {
  const { user } = s;
  ctx.send(edge, sentAck(frame.id, record.ts, s.acks.stored(device, frame.id)));
  rememberEntry(s, record.key, { seq, from: user, device });
  await pushAppended(s, ctx, seq, json(messageFrame({ ...record, user, seq })), device);
  if (record.to === user) return;
  const msg: MessageCore = {
    from: user,
    id: frame.id,
    ts: record.ts,
    content: frame.content,
    device,
  };
  forward(s, record.to, record.key, msg, seq, record.ts);
}

/**
 * Sent again by the client: stored before, but the first attempt may have
 * stopped at a lost store reply, before its copies and its forward went out.
 * Both go (again): devices and the recipient drop repeats.
 */
async function resendStored(
  s: UserState,
  { device, edge, frame }: DirectSend,
  ts: number,
  ctx: ActorContext<UserMsg>,
): Promise<void> {
  const { user } = s;
  const existing = await s.env.store.findByKey(user, directKey(user, frame.id));
  ctx.send(edge, sentAck(frame.id, existing?.ts ?? ts, s.acks.known(device, frame.id)));
  if (existing === undefined) return;
  await pushAppended(s, ctx, existing.seq, json(messageFrame(existing)), device);
  // The stored recipient, not this frame's: a repeated id reaches nobody else (guarantee 2).
  const stored = existing.to;
  if (stored !== undefined && stored !== user && !s.outbound.has(stored, existing.key))
    forward(s, stored, existing.key, messageCore(existing), existing.seq, ts);
}

function answerUnavailable(edge: Ref<EdgeMsg>, id: string, ctx: ActorContext<UserMsg>): void {
  ctx.send(edge, {
    t: 'push',
    json: errorJson('unavailable', 'could not store the message now; send it again later', { id }),
  });
}

function isOutage(err: unknown): boolean {
  return (
    err instanceof ParleyError &&
    (err.code === ErrorCode.Unavailable || err.code === ErrorCode.Indeterminate)
  );
}

function isInvalidArgument(err: unknown): boolean {
  return err instanceof ParleyError && err.code === ErrorCode.InvalidArgument;
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
