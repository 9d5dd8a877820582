/**
 * Fan-out of the group log to members: at-least-once and ordered per member.
 * The group keeps each member's confirmed `gseq` (a cursor in the store,
 * written lazily), resends what is unconfirmed, and names the predecessor
 * (`prevGseq`) so a member never accepts a message before the one before it.
 */
import type { ActorContext } from '../../../runtime/index.ts';
import { fromStored } from '../frames-out.ts';
import { memberCursor } from '../keys.ts';
import { type GroupMsg, type MessageCore, userKey } from '../messages.ts';
import type { GroupState, Member } from './state.ts';

/**
 * Sends the entry just appended at `gseq` to the members in step with the
 * log: one payload per node holding members (`sendMany`), in two variants,
 * for members that confirmed everything before it and for those that did
 * not (they take it only once they hold its predecessor). A member further
 * behind waits for its resend, in order.
 */
export function fanOut(
  s: GroupState,
  gseq: number,
  msg: MessageCore,
  ctx: ActorContext<GroupMsg>,
): void {
  const now = ctx.clock.now();
  const caughtUp: string[] = [];
  const behind: string[] = [];
  for (const [user, m] of s.members) {
    if (m.sent !== gseq - 1) continue;
    (m.confirmed >= gseq - 1 ? caughtUp : behind).push(userKey(user));
    m.sent = gseq;
    m.lastSentMs = now;
  }
  const deliver = { t: 'group_deliver', group: s.id, gseq, msg } as const;
  const { directory } = s.env;
  if (caughtUp.length > 0) directory.sendMany(caughtUp, { ...deliver, prevGseq: null });
  if (behind.length > 0) directory.sendMany(behind, { ...deliver, prevGseq: gseq - 1 });
}

/** Sends `user` what it has not confirmed, in order, up to `resendBatch` entries. */
export async function resend(
  s: GroupState,
  user: string,
  m: Member,
  ctx: ActorContext<GroupMsg>,
): Promise<void> {
  if (m.confirmed >= s.head) return;
  const entries = await s.env.store.readGroupLog(s.id, m.confirmed, s.env.config.resendBatch);
  const now = ctx.clock.now();
  let prev: number | null = null;
  for (const e of entries) {
    s.env.directory.send(userKey(user), {
      t: 'group_deliver',
      group: s.id,
      gseq: e.gseq,
      prevGseq: prev,
      msg: {
        from: e.from,
        id: e.id,
        ts: e.ts,
        content: fromStored(e.content),
        device: e.device ?? '',
      },
    });
    prev = e.gseq;
    m.sent = Math.max(m.sent, e.gseq);
  }
  m.lastSentMs = now;
}

/** A member holds everything up to `gseq`. */
export function onConfirm(s: GroupState, member: string, gseq: number): void {
  const m = s.members.get(member);
  if (m !== undefined && gseq > m.confirmed) {
    m.confirmed = gseq;
    m.dirty = true;
  }
}

/** A member lacks the predecessor of what it got: resend from its confirmed cursor. */
export async function onGap(
  s: GroupState,
  member: string,
  ctx: ActorContext<GroupMsg>,
): Promise<void> {
  const m = s.members.get(member);
  if (m !== undefined) await resend(s, member, m, ctx);
}

/**
 * Writes the dirty member cursors, all at once: the store can put them in
 * one transaction (LMDB batches the writes of one turn), so a new group of
 * 1024 costs one commit rather than 1024 in a row. Cursors only move up, so
 * the writes commute.
 */
export async function flushCursors(s: GroupState): Promise<void> {
  const dirty = [...s.members].filter(([, m]) => m.dirty);
  await Promise.all(
    dirty.map(([user, m]) => s.env.store.advanceCursor(s.owner, memberCursor(user), m.confirmed)),
  );
  for (const [, m] of dirty) m.dirty = false;
}
