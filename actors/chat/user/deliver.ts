/**
 * Messages from other actors into this user's inbox: 1:1 forwards from a
 * sender's actor and group messages from a group's actor; and this user's
 * own forwards sent again.
 *
 * Order survives loss: a forward names the sender's previous unconfirmed
 * message to this user (`prevKey`) and is taken only once that one is here
 * (else the sender is told `gap` and resends everything pending, in order);
 * a group message likewise names its predecessor's group seq.
 */
import type { ActorContext } from '../../../runtime/index.ts';
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

export async function onDeliver(
  s: UserState,
  msg: MessageCore,
  senderSeq: number,
  prevKey: string | null,
  ctx: ActorContext<UserMsg>,
): Promise<void> {
  const { user } = s;
  const { store, directory } = s.env;
  if (
    prevKey !== null &&
    s.lastAccepted.get(msg.from) !== prevKey &&
    s.recent?.get(prevKey) === undefined
  ) {
    if ((await store.findByKey(user, prevKey)) === undefined) {
      directory.send(userKey(msg.from), { t: 'gap', recipient: user });
      return;
    }
  }
  const key = directKey(msg.from, msg.id);
  if (s.recent?.get(key) !== undefined) {
    // Appended and pushed by this incarnation already: a resend whose confirm
    // was lost or is late. Confirming again is all it needs: no store write.
    directory.send(userKey(msg.from), { t: 'confirm', recipient: user, senderSeq });
    return;
  }
  const record = {
    key,
    from: msg.from,
    id: msg.id,
    to: user,
    ts: msg.ts,
    content: toStored(msg.content),
    device: msg.device,
  };
  const [result] = await store.appendInbox(user, s.epoch, [
    { record, conversation: peerConversation(msg.from) },
  ]);
  rememberAccepted(s, msg.from, key);
  // Pushed even when a duplicate: the first append may have landed with its
  // reply lost, before any push (devices drop repeats by `from`/`id`). A
  // session still replaying its inbox reads the entry from the store.
  await pushAppended(
    s,
    ctx,
    result!.seq,
    json(messageFrame({ ...record, user, seq: result!.seq })),
  );
  rememberEntry(s, key, { seq: result!.seq, from: msg.from, device: msg.device });
  directory.send(userKey(msg.from), { t: 'confirm', recipient: user, senderSeq });
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
  const record = {
    key,
    from: msg.from,
    id: msg.id,
    group,
    gseq,
    ts: msg.ts,
    content: toStored(msg.content),
    device: msg.device,
  };
  const [result] = await store.appendInbox(user, s.epoch, [
    { record, conversation: groupConversation(group) },
  ]);
  // Written lazily: a cursor behind after a crash only causes idempotent re-deliveries.
  s.cursors.set(name, gseq);
  s.dirtyCursors.add(name);
  // Pushed even when a duplicate (see `onDeliver`): the cursor above stops real repeats.
  const text = json(messageFrame({ ...record, user, seq: result!.seq }));
  await pushAppended(s, ctx, result!.seq, text, msg.from === user ? msg.device : undefined);
  rememberEntry(s, key, { seq: result!.seq, from: msg.from, device: msg.device });
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
