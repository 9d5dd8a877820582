/**
 * Acks and receipts. A device's `ack` moves its delivered cursor and is
 * relayed as a receipt to the sender's actor; the sender's actor records
 * receipts (monotonic: the store refuses a downgrade, and a `delivered`
 * after an implied `read` is dropped) and pushes them to its devices.
 * Confirms of forwards and receipts are buffered until a `flush` the actor
 * sent itself, so everything already in the mailbox is one store write.
 *
 * Group receipts are aggregated per message: a group message read by many
 * members brings a burst of receipts spread over the time their acks take,
 * so a group receipt waits up to `GROUP_RECEIPTS_DELAY_MS` for the others
 * (one delayed flush at a time), and all the receipts of one flush are one
 * `recordReceipts` write and one push to each device of the sender (the
 * frames in order, one `ack` per member as the protocol says). A 1:1
 * receipt, or a confirm, flushes at once, taking the waiting group receipts
 * along. Receipts stay in arrival order, so they stay monotonic.
 */
import type { ActorContext } from '../../../runtime/index.ts';
import type { Receipt, ReceiptEntry } from '../../../store/index.ts';
import type { ClientAckFrame } from '../../protocol/index.ts';
import { json, receiptFrame } from '../frames-out.ts';
import { ackedKey, readWatermark } from '../keys.ts';
import { type EdgeMsg, type UserMsg, userKey } from '../messages.ts';
import { onReadAck } from '../read-state.ts';
import { markReceipts } from './sessions.ts';
import type { UserState } from './state.ts';

/** The contract's bound on items per call. */
const RECEIPTS_PER_WRITE = 1000;
/**
 * How long a group receipt waits for the others of its burst. Short against
 * a person's reading; the actor cannot passivate meanwhile (that takes
 * `idlePassivateMs` without a routed message, and a receipt is one).
 */
export const GROUP_RECEIPTS_DELAY_MS = 100;
const FLUSH: UserMsg = { t: 'flush' };
/** Out-of-order acks remembered per device; past it they are forgotten (and may be replayed once more). */
const ACKED_ABOVE_MAX = 10_000;

export async function onClientAck(
  s: UserState,
  device: string,
  frame: ClientAckFrame,
  ctx: ActorContext<UserMsg>,
): Promise<void> {
  const { user } = s;
  const { store, directory } = s.env;
  const key = ackedKey(frame.from, frame.id, frame.group);
  const entry = s.recent?.get(key) ?? (await store.findByKey(user, key));
  // An ack for a message this user does not hold is ignored (docs/protocol.md).
  if (entry === undefined) return;
  // `delivered` (and `read`, which implies it) marks this message delivered to this device.
  await markDelivered(s, device, entry.seq);
  // The copy of one of this user's own sends on another device: acking it
  // stops its replay to that device, and is no receipt for anyone.
  if (entry.from === user) return;
  directory.send(userKey(frame.from), {
    t: 'receipt',
    id: frame.id,
    by: user,
    status: frame.status,
    ...(frame.group !== undefined ? { group: frame.group } : {}),
    ts: ctx.clock.now(),
  });
  if (frame.status === 'read')
    await onReadAck(store, user, s.epoch, s, device, frame, entry.seq, ctx);
}

/**
 * Records that `device` has `seq`, and moves its stored cursor over every
 * contiguous delivered entry: acked ones, the device's own sends (never
 * pushed to it) and seqs that no longer exist (expired).
 */
async function markDelivered(s: UserState, device: string, seq: number): Promise<void> {
  const start = s.cursors.get(device) ?? 0;
  if (seq <= start) return;
  let above = s.ackedAbove.get(device);
  if (above === undefined) s.ackedAbove.set(device, (above = new Set()));
  above.add(seq);
  let cursor = start;
  for (;;) {
    if (above.delete(cursor + 1)) {
      cursor++;
      continue;
    }
    if (above.size === 0) break;
    const known = s.recent?.atSeq(cursor + 1);
    if (known !== undefined) {
      if (known.from !== s.user || known.device !== device) break;
      cursor++; // the device's own send, never pushed to it
      continue;
    }
    const batch = await s.env.store.readInbox(s.user, cursor, s.env.config.replayBatch);
    let moved = false;
    for (const e of batch) {
      if (e.seq > cursor + 1) {
        cursor = e.seq - 1; // the seqs between have expired
        moved = true;
      }
      if (!(above.delete(e.seq) || (e.from === s.user && e.device === device))) break;
      cursor = e.seq;
      moved = true;
    }
    if (!moved) break;
  }
  if (above.size > ACKED_ABOVE_MAX) above.clear();
  if (cursor > start) {
    // Written on the next tick: a cursor behind after a crash only means a
    // few messages replayed once more, which clients drop as repeats.
    s.cursors.set(device, cursor);
    s.dirtyCursors.add(device);
  }
}

export function scheduleFlush(s: UserState, ctx: ActorContext<UserMsg>): void {
  if (s.flushScheduled) return;
  s.flushScheduled = true;
  ctx.send(ctx.self, FLUSH);
}

/** A receipt for a message this user sent: a 1:1 one is flushed at once, a group one after the others of its burst. */
export function onReceipt(
  s: UserState,
  r: Extract<UserMsg, { t: 'receipt' }>,
  ctx: ActorContext<UserMsg>,
): void {
  s.receiptBuf.push(r);
  if (r.group === undefined) {
    scheduleFlush(s, ctx);
    return;
  }
  if (s.receiptsDueMs !== undefined) return;
  s.receiptsDueMs = ctx.clock.now() + GROUP_RECEIPTS_DELAY_MS;
  ctx.sendAfter(GROUP_RECEIPTS_DELAY_MS, FLUSH);
}

/** Takes the buffered confirms (their marks are cleared lazily, `flushCursors`) and records receipts in as few store writes as possible. */
export async function flushBuffered(s: UserState, ctx: ActorContext<UserMsg>): Promise<void> {
  const { user } = s;
  const { store } = s.env;
  const now = ctx.clock.now();
  // The delayed flush is this one or behind it: a group receipt from now on waits for a new one.
  if (s.receiptsDueMs !== undefined && now >= s.receiptsDueMs) s.receiptsDueMs = undefined;
  for (const c of s.confirmBuf.splice(0)) {
    for (const seq of s.outbound.confirm(c.recipient, c.senderSeq, now))
      s.clears.push({ seq, recipient: c.recipient });
  }
  const receipts = s.receiptBuf.splice(0);
  if (receipts.length === 0) return;
  // `read` of a message implies it for every earlier one in the conversation:
  // after it, a `delivered` for an earlier message is stale and dropped.
  const raised = new Map<string, number>();
  const toRecord: Receipt[] = [];
  for (const r of receipts) {
    const ownKey = ackedKey(user, r.id, r.group);
    const own = s.recent?.get(ownKey) ?? (await store.findByKey(user, ownKey));
    if (own === undefined) continue;
    const watermark = readWatermark(r.group, r.by);
    const readUpTo = Math.max(s.cursors.get(watermark) ?? 0, raised.get(watermark) ?? 0);
    if (r.status === 'delivered' && own.seq <= readUpTo) continue;
    if (r.status === 'read' && own.seq > readUpTo) raised.set(watermark, own.seq);
    toRecord.push({
      id: r.id,
      by: r.by,
      status: r.status,
      ts: r.ts,
      ...(r.group !== undefined ? { group: r.group } : {}),
    });
  }
  await Promise.all(
    [...raised].map(async ([watermark, seq]) => {
      s.cursors.set(watermark, await store.advanceCursor(user, watermark, seq));
    }),
  );
  const recorded: ReceiptEntry[] = [];
  for (let i = 0; i < toRecord.length; i += RECEIPTS_PER_WRITE)
    recorded.push(
      ...(await store.recordReceipts(user, s.epoch, toRecord.slice(i, i + RECEIPTS_PER_WRITE))),
    );
  pushReceipts(s, recorded, ctx);
}

/** Pushes recorded receipts (ascending `rseq`) to each live session in one message. */
function pushReceipts(
  s: UserState,
  entries: readonly ReceiptEntry[],
  ctx: ActorContext<UserMsg>,
): void {
  if (entries.length === 0) return;
  const texts = entries.map((e) => json(receiptFrame(e)));
  const push: EdgeMsg =
    texts.length === 1 ? { t: 'push', json: texts[0]! } : { t: 'push_many', json: texts };
  for (const [device, session] of s.sessions) {
    if (session.phase !== 'live') continue; // its replay reads the receipt log
    ctx.send(session.edge, push);
    for (const e of entries)
      if (session.receiptsUpTo === e.rseq - 1) markReceipts(s, device, session, e.rseq);
  }
}
