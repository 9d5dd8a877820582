/**
 * A user actor's sessions (one per attached device): attaching, the paced
 * replay of the inbox and the receipt log, and pushing new entries live.
 * Top-level functions over the actor's state (`state.ts`).
 *
 * Invariants: every device gets every inbox entry after its delivered cursor
 * in `seq` order, replayed then live, never two at one `seq`, and each
 * device's `seq` strictly increases (`pushAppended` fills a gap left by an
 * append whose store reply was lost before pushing past it); a device's own
 * sends are not pushed back to it.
 */
import type { ActorContext, Ref } from '../../../runtime/index.ts';
import type { ReceiptEntry } from '../../../store/index.ts';
import { json, messageFrame, receiptFrame } from '../frames-out.ts';
import { readWatermark, receiptCursor } from '../keys.ts';
import { CLOSE_REPLACED, type EdgeMsg, type UserMsg } from '../messages.ts';
import { replayableReceipts } from '../receipt-replay.ts';
import type { Session, UserState } from './state.ts';

/**
 * Pushes a new inbox entry to every session past its inbox replay. A session
 * still in the `inbox` phase reads it from the store; one replaying
 * receipts has read the inbox to its end (an empty read), so the entry,
 * newer than all it was sent, goes to it live, in seq order.
 */
export function pushEntry(
  s: UserState,
  ctx: ActorContext<UserMsg>,
  text: string,
  exceptDevice?: string,
): void {
  for (const [device, session] of s.sessions) {
    if (device !== exceptDevice && session.phase !== 'inbox')
      ctx.send(session.edge, { t: 'push', json: text });
  }
}

/**
 * Pushes the entry this actor just appended (or found appended) at `seq`,
 * keeping every device's `seq` strictly increasing: entries between the
 * last one pushed and `seq` (appended by an attempt whose store reply was
 * lost) are read and pushed first, in order; an entry at or below the last
 * one pushed went out already.
 */
export async function pushAppended(
  s: UserState,
  ctx: ActorContext<UserMsg>,
  seq: number,
  text: string,
  exceptDevice?: string,
): Promise<void> {
  const last = s.pushedUpTo;
  if (seq <= last) return;
  if (seq > last + 1) {
    for (const e of await s.env.store.readInbox(s.user, last, seq - last - 1)) {
      if (e.seq >= seq) break;
      pushEntry(s, ctx, json(messageFrame(e)), e.from === s.user ? e.device : undefined);
    }
  }
  pushEntry(s, ctx, text, exceptDevice);
  s.pushedUpTo = seq;
}

export async function attach(
  s: UserState,
  device: string,
  edge: Ref<EdgeMsg>,
  ctx: ActorContext<UserMsg>,
): Promise<void> {
  const old = s.sessions.get(device);
  if (old !== undefined) ctx.demonitor(old.monitor);
  if (old !== undefined && !old.edge.equals(edge)) {
    ctx.send(old.edge, {
      t: 'close',
      code: CLOSE_REPLACED,
      reason: 'replaced by a newer connection of this device',
    });
  }
  const session: Session = {
    edge,
    monitor: ctx.monitor(edge),
    receiptsUpTo: s.cursors.get(receiptCursor(device)) ?? 0,
    phase: 'inbox',
    replayedUpTo: s.cursors.get(device) ?? 0,
  };
  s.sessions.set(device, session);
  await replay(s, device, session, ctx);
}

/**
 * Sends the next replay batch: inbox entries after the device's cursor in
 * seq order (its own sends skipped), then the receipts it has not seen, then
 * `attached`. Each non-empty batch waits for the edge's `replay_more`.
 */
export async function replay(
  s: UserState,
  device: string,
  session: Session,
  ctx: ActorContext<UserMsg>,
): Promise<void> {
  // The inbox phase ends on an empty read; from then on new entries are pushed
  // live (`pushEntry`), so nothing appended during a paced replay falls between
  // replay and live. The receipts phase ends on an empty read in the turn that
  // goes live, likewise for receipts.
  while (session.phase === 'inbox') {
    const batch = await s.env.store.readInbox(
      s.user,
      session.replayedUpTo,
      s.env.config.replayBatch,
    );
    if (batch.length === 0) {
      session.phase = 'receipts';
      break;
    }
    session.replayedUpTo = batch.at(-1)!.seq;
    const frames: string[] = [];
    const acked = s.ackedAbove.get(device);
    for (const e of batch) {
      if ((e.from === s.user && e.device === device) || acked?.has(e.seq)) continue;
      frames.push(json(messageFrame(e)));
    }
    if (frames.length > 0) {
      ctx.send(session.edge, { t: 'push_many', json: frames, more: true });
      return;
    }
  }
  if (session.phase === 'receipts') {
    const receipts = await s.env.store.readReceipts(
      s.user,
      session.receiptsUpTo,
      s.env.config.replayBatch,
    );
    if (receipts.length > 0) {
      markReceipts(s, device, session, receipts.at(-1)!.rseq);
      const sendable = await replayableReceipts(
        s.env.store,
        s.user,
        receipts,
        (group, by) => s.cursors.get(readWatermark(group, by)) ?? 0,
      );
      ctx.send(session.edge, {
        t: 'push_many',
        json: sendable.map((r: ReceiptEntry) => json(receiptFrame(r))),
        more: true,
      });
      return;
    }
    session.phase = 'live';
  }
  ctx.send(session.edge, { t: 'attached', user: ctx.self });
}

export function markReceipts(s: UserState, device: string, session: Session, rseq: number): void {
  session.receiptsUpTo = rseq;
  s.cursors.set(receiptCursor(device), rseq);
  s.dirtyCursors.add(receiptCursor(device));
}

/**
 * Writes what is kept lazily: cursors moved in memory and the pending marks
 * of confirmed forwards, all issued at once (one store transaction where
 * the store batches). Losing them to a crash only replays messages or
 * resends forwards once more, which clients and recipients drop as repeats.
 */
export async function flushCursors(s: UserState, nowMs: number): Promise<void> {
  s.flushedMs = nowMs;
  const { store } = s.env;
  const writes: Promise<unknown>[] = [];
  for (const name of s.dirtyCursors)
    writes.push(store.advanceCursor(s.user, name, s.cursors.get(name) ?? 0));
  s.dirtyCursors.clear();
  for (const c of s.clears.splice(0)) writes.push(store.clearPending(s.user, c.seq, c.recipient));
  await Promise.all(writes);
}
