/**
 * Messages from other actors into this user's inbox: 1:1 forwards from a
 * sender's actor and group messages from a group's actor; and this user's
 * own forwards sent again.
 *
 * Order survives loss: a forward names the sender's previous unconfirmed
 * message to this user (`prevKey`) and is taken only once that one is here
 * (else the sender is told `gap` and resends everything pending, in order);
 * a group message likewise names its predecessor's group seq.
 *
 * A message from someone else stored while the user has no session is handed
 * to the push notifier (`nudgeOffline`): fire and forget, in memory, so it
 * never slows the turn.
 */
import type { ActorContext } from '../../../runtime/index.ts';
import type { Content, InboxRecord } from '../../../store/index.ts';
import { json, messageFrame, toStored } from '../frames-out.ts';
import {
  directKey,
  groupConversation,
  groupCursor,
  groupEntryKey,
  peerConversation,
} from '../keys.ts';
import { groupKey, type MessageCore, type UserMsg, userKey } from '../messages.ts';
import { rememberEntry } from './recent.ts';
import { pushAppended } from './sessions.ts';
import type { UserState } from './state.ts';

const LAST_ACCEPTED_MAX = 10_000;

/** A 1:1 forward as the user actor takes it from its mailbox. */
export type Deliver = Extract<UserMsg, { t: 'deliver' }>;

/**
 * Appends the forwards taken together (in mailbox order) in one
 * `appendInbox`, then pushes and confirms each. A forward whose predecessor
 * is neither here nor earlier in the batch is refused with `gap`, and so is
 * every later one from that sender in the batch (the sender resends them
 * all, in order).
 */
export async function onDeliver(
  s: UserState,
  batch: readonly Deliver[],
  ctx: ActorContext<UserMsg>,
): Promise<void> {
  const { user } = s;
  const { store, directory } = s.env;
  const taken: { readonly d: Deliver; readonly record: InboxRecord }[] = [];
  const inBatch = new Set<string>();
  let gapped: Set<string> | undefined;
  for (const d of batch) {
    const { msg, prevKey } = d;
    if (gapped?.has(msg.from)) continue;
    if (
      prevKey !== null &&
      !inBatch.has(prevKey) &&
      s.lastAccepted.get(msg.from) !== prevKey &&
      s.recent?.get(prevKey) === undefined &&
      (await store.findByKey(user, prevKey)) === undefined
    ) {
      (gapped ??= new Set()).add(msg.from);
      directory.send(userKey(msg.from), { t: 'gap', recipient: user });
      continue;
    }
    const key = directKey(msg.from, msg.id);
    if (s.recent?.get(key) !== undefined || inBatch.has(key)) {
      // Appended by this incarnation already (or earlier in this batch): a
      // resend whose confirm was lost or is late. Confirming is all it needs.
      directory.send(userKey(msg.from), { t: 'confirm', recipient: user, senderSeq: d.senderSeq });
      continue;
    }
    inBatch.add(key);
    const record = {
      key,
      from: msg.from,
      id: msg.id,
      to: user,
      ts: msg.ts,
      content: toStored(msg.content),
      device: msg.device,
    };
    taken.push({ d, record });
  }
  if (taken.length === 0) return;
  const results = await store.appendInbox(
    user,
    s.epoch,
    taken.map(({ record }) => ({ record, conversation: peerConversation(record.from) })),
  );
  for (let i = 0; i < taken.length; i++) {
    const { d, record } = taken[i]!;
    const seq = results[i]!.seq;
    rememberAccepted(s, record.from, record.key);
    // Pushed even when a duplicate: the first append may have landed with its
    // reply lost, before any push (devices drop repeats by `from`/`id`). A
    // session still replaying its inbox reads the entry from the store.
    await pushAppended(s, ctx, seq, json(messageFrame({ ...record, user, seq })));
    rememberEntry(s, record.key, { seq, from: record.from, device: record.device });
    if (!results[i]!.duplicate)
      nudgeOffline(s, record.from, undefined, record.id, seq, record.ts, record.content);
    directory.send(userKey(record.from), { t: 'confirm', recipient: user, senderSeq: d.senderSeq });
  }
}

/** Tells the push notifier of a new message from someone else while no device is connected. */
function nudgeOffline(
  s: UserState,
  from: string,
  group: string | undefined,
  id: string,
  seq: number,
  ts: number,
  content: Content,
): void {
  const push = s.env.push;
  if (push === undefined || s.sessions.size !== 0 || from === s.user) return;
  push.notify(
    group === undefined
      ? { user: s.user, from, id, seq, ts, content }
      : { user: s.user, from, group, id, seq, ts, content },
  );
}

function rememberAccepted(s: UserState, from: string, key: string): void {
  s.lastAccepted.delete(from);
  s.lastAccepted.set(from, key);
  if (s.lastAccepted.size > LAST_ACCEPTED_MAX)
    s.lastAccepted.delete(s.lastAccepted.keys().next().value!);
}

export async function onGroupDeliver(
  s: UserState,
  group: string,
  gseq: number,
  prevGseq: number | null,
  msg: MessageCore,
  ctx: ActorContext<UserMsg>,
): Promise<void> {
  const { user } = s;
  const { store, directory } = s.env;
  const name = groupCursor(group);
  const have = s.cursors.get(name) ?? 0;
  if (gseq <= have) {
    directory.send(groupKey(group), { t: 'confirm', member: user, gseq });
    return;
  }
  if (prevGseq !== null && have < prevGseq) {
    directory.send(groupKey(group), { t: 'gap', member: user });
    return;
  }
  const key = groupEntryKey(group, msg.from, msg.id);
  // A reference: the content stays in the group log, written before this delivery.
  const record = { key, from: msg.from, id: msg.id, group, gseq, ts: msg.ts, device: msg.device };
  const [result] = await store.appendInbox(user, s.epoch, [
    { record, conversation: groupConversation(group) },
  ]);
  // Written lazily: a cursor behind after a crash only causes idempotent re-deliveries.
  s.cursors.set(name, gseq);
  s.dirtyCursors.add(name);
  // Pushed even when a duplicate (see `onDeliver`): the cursor above stops real repeats.
  const content = toStored(msg.content);
  const text = json(messageFrame({ ...record, content, user, seq: result!.seq }));
  await pushAppended(s, ctx, result!.seq, text, msg.from === user ? msg.device : undefined);
  rememberEntry(s, key, { seq: result!.seq, from: msg.from, device: msg.device });
  if (!result!.duplicate) nudgeOffline(s, msg.from, group, msg.id, result!.seq, msg.ts, content);
  directory.send(groupKey(group), { t: 'confirm', member: user, gseq });
}

/** Sends this user's pending forwards to `recipient` again, oldest first, each naming its predecessor. */
export function resend(s: UserState, recipient: string, now: number): void {
  const { directory, config } = s.env;
  const key = userKey(recipient);
  const owner = directory.owner(key);
  for (const { item, prevKey } of s.outbound.resend(recipient, config.resendBatch, now, owner)) {
    directory.send(key, {
      t: 'deliver',
      to: recipient,
      msg: item.msg,
      senderSeq: item.senderSeq,
      prevKey,
    });
  }
}
