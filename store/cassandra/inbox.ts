/**
 * The per-user inbox in the user's `user_log` partition: append, read, key
 * lookup, outbound pending marks and conversation history.
 *
 * Append (see `append.ts` for why it is fenced, gapless, atomic and
 * idempotent): one conditional batch writes, for each new item, its Entry,
 * Key and History rows and a Pending row per recipient, and the chat list
 * rows of the conversations it touches (`chats.ts`).
 *
 * Pending marks are cleared with an `IF EXISTS` delete, so every write to the
 * partition goes through Paxos (see `statements.ts`).
 *
 * Wake marks: an append with pending marks writes the user's wake mark
 * first, once per busy period, and the mark is cleared a quiet while after
 * the pending set emptied, not by `clearPending` (`wake-marks.ts`).
 */
import { quote } from '../../runtime/index.ts';
import type {
  AppendResult,
  HistoryPage,
  InboxAppend,
  InboxEntry,
  PendingForward,
} from '../contract.ts';
import { invalidArgument } from '../errors.ts';
import type { StoredEntry } from '../group-ref.ts';
import {
  checkEpoch,
  checkId,
  checkInboxItems,
  checkInt,
  checkKey,
  checkLimit,
} from '../validate.ts';
import { appendFenced, readKeys } from './append.ts';
import { type ChatRow, chatBatchRows, readChatRows } from './chats.ts';
import { type Ctx, live, SEQ_MAX } from './context.ts';
import { guard, Outcome, outcomeOf, toParleyError } from './driver-errors.ts';
import { type Expiry, expiryOf } from './expiry.ts';
import { resolveEntries } from './group-refs.ts';
import { decodeInboxEntry, encodeRecord, Kind, num } from './rows.ts';
import type { WakeMarks } from './wake-marks.ts';

/** Rows one append batch may write (entries, keys, history, pending marks). */
export const BATCH_ROWS_MAX = 8_000;
/** Seqs per `IN` read. */
const IN_CHUNK = 100;

/** The shared checks, and the one limit only this store has: rows per batch. */
function checkItems(items: unknown): readonly InboxAppend[] {
  const list = checkInboxItems(items);
  // Per conversation, the chat list adds three rows (`chats.ts`).
  let rows = 3 * new Set(list.map((item) => item.conversation)).size;
  for (const item of list) rows += 3 + (item.pendingFor?.length ?? 0);
  if (rows > BATCH_ROWS_MAX)
    throw invalidArgument(
      'items',
      `${list.length} items`,
      `would write ${rows} rows; at most ${BATCH_ROWS_MAX} per call`,
    );
  return list;
}

export async function appendInbox(
  ctx: Ctx,
  marks: WakeMarks,
  user: string,
  epoch: number,
  items: readonly InboxAppend[],
): Promise<AppendResult[]> {
  checkId('user', user);
  checkEpoch(epoch);
  const list = checkItems(items);
  const { st, retention } = ctx;
  const row = (
    kind: Kind,
    tag: string,
    seq: bigint,
    sub: string,
    body: string | null,
    wid: string,
    e: Expiry,
  ) => ({
    query: st.userRow,
    params: [user, kind, tag, seq, sub, body, wid, e.exp, e.ttl],
  });
  const conversations = [...new Set(list.map((item) => item.conversation))];
  const creates = list.some((item) => item.pendingFor !== undefined && item.pendingFor.length > 0);
  return ctx.lock.run(`u:${user}`, async () => {
    if (creates) await marks.beforeAppend(ctx, `user:${user}`, epoch);
    return appendFenced<InboxAppend, Map<string, ChatRow>>(
      ctx,
      {
        what: `appendInbox(${quote(user)})`,
        owner: `user:${user}`,
        partition: user,
        stateQuery: st.userState,
        keysQuery: st.inboxKeys,
        headCas: st.inboxHeadCas,
        keyOf: (item) => item.record.key,
        observeMore: () => readChatRows(ctx, user, conversations),
        batchRows: (fresh, stored, wid) => chatBatchRows(ctx, user, fresh, stored, wid),
        rowsFor(item, seq, wid, now) {
          const body = encodeRecord(item.record);
          const inbox = expiryOf(retention.inboxTtlMs, now);
          const history = expiryOf(retention.historyTtlMs, now);
          return [
            row(Kind.Entry, '', seq, '', body, wid, inbox),
            row(Kind.Key, item.record.key, seq, '', null, wid, inbox),
            row(Kind.History, item.conversation, seq, '', body, wid, history),
            ...[...new Set(item.pendingFor ?? [])].map((to) =>
              row(Kind.Pending, '', seq, to, null, wid, inbox),
            ),
          ];
        },
      },
      epoch,
      list,
    );
  });
}

export async function readInbox(
  ctx: Ctx,
  user: string,
  afterSeq: number,
  limit: number,
): Promise<InboxEntry[]> {
  checkId('user', user);
  checkInt('afterSeq', afterSeq, 0);
  const max = checkLimit(limit);
  return guard(`readInbox(${quote(user)})`, async () => {
    const out: InboxEntry[] = [];
    let after = BigInt(afterSeq);
    // Expired group references are skipped: read on until `max` or the end.
    for (;;) {
      const want = max - out.length;
      const rows = await ctx.exec.rows(ctx.st.inboxAfter, [user, after], {
        limit: want,
        keep: live(ctx),
      });
      const kept = rows.map((row) =>
        decodeInboxEntry(user, num(row.get('seq')), row.get('body') as string),
      );
      for (const e of await resolveEntries(ctx, kept)) if (e !== undefined) out.push(e);
      if (rows.length < want || out.length >= max) return out;
      after = BigInt(kept.at(-1)!.seq);
    }
  });
}

export async function inboxHead(ctx: Ctx, user: string): Promise<number> {
  checkId('user', user);
  const row = await guard(`inboxHead(${quote(user)})`, () =>
    ctx.exec.first(ctx.st.userState, [user]),
  );
  return num(row?.get('head'));
}

/** Entries at these seqs (those still within retention, references resolved), by seq. */
async function entriesAt(
  ctx: Ctx,
  user: string,
  seqs: readonly number[],
): Promise<Map<number, InboxEntry>> {
  const kept: StoredEntry[] = [];
  for (let i = 0; i < seqs.length; i += IN_CHUNK) {
    const chunk = seqs.slice(i, i + IN_CHUNK).map((s) => BigInt(s));
    const rows = await ctx.exec.rows(ctx.st.inboxAt, [user, chunk], {
      limit: chunk.length,
      keep: live(ctx),
    });
    for (const row of rows)
      kept.push(decodeInboxEntry(user, num(row.get('seq')), row.get('body') as string));
  }
  const found = new Map<number, InboxEntry>();
  for (const e of await resolveEntries(ctx, kept)) if (e !== undefined) found.set(e.seq, e);
  return found;
}

export async function findByKey(
  ctx: Ctx,
  user: string,
  key: string,
): Promise<InboxEntry | undefined> {
  checkId('user', user);
  checkKey('key', key);
  return guard(`findByKey(${quote(user)}, ${quote(key)})`, async () => {
    const seq = (await readKeys(ctx, ctx.st.inboxKeys, user, [key], false)).live.get(key);
    if (seq === undefined) return undefined;
    return (await entriesAt(ctx, user, [seq])).get(seq);
  });
}

export async function listPending(
  ctx: Ctx,
  user: string,
  limit: number,
): Promise<PendingForward[]> {
  checkId('user', user);
  const max = checkLimit(limit);
  return guard(`listPending(${quote(user)})`, async () => {
    const marks = await ctx.exec.rows(ctx.st.pending, [user], { limit: max, keep: live(ctx) });
    const seqs = [...new Set(marks.map((m) => num(m.get('seq'))))];
    const entries = await entriesAt(ctx, user, seqs);
    const out: PendingForward[] = [];
    for (const mark of marks) {
      const entry = entries.get(num(mark.get('seq')));
      if (entry) out.push({ recipient: mark.get('sub') as string, entry });
    }
    return out;
  });
}

/** Clears one pending mark. Idempotent, so an unknown outcome is simply tried again. */
export async function clearPending(
  ctx: Ctx,
  user: string,
  seq: number,
  recipient: string,
): Promise<void> {
  checkId('user', user);
  checkInt('seq', seq, 1);
  checkId('recipient', recipient);
  const what = `clearPending(${quote(user)}, ${seq}, ${quote(recipient)})`;
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await ctx.lock.run(`u:${user}`, () =>
        ctx.exec.cas(ctx.st.pendingClear, [user, BigInt(seq), recipient]),
      );
      return;
    } catch (err) {
      last = err;
      if (outcomeOf(err) !== Outcome.Unknown) break;
    }
  }
  throw toParleyError(last, what);
}

export async function history(
  ctx: Ctx,
  user: string,
  conversation: string,
  beforeSeq: number | null,
  limit: number,
): Promise<HistoryPage> {
  checkId('user', user);
  checkKey('conversation', conversation);
  if (beforeSeq !== null) checkInt('beforeSeq', beforeSeq, 0);
  const max = checkLimit(limit);
  // Newest first; one entry more than asked tells whether an older page exists.
  const newest = await guard(`history(${quote(user)}, ${quote(conversation)})`, async () => {
    const out: InboxEntry[] = [];
    let before = beforeSeq === null ? SEQ_MAX : BigInt(beforeSeq);
    // Expired group references are skipped: read on until `max + 1` or the start.
    for (;;) {
      const want = max + 1 - out.length;
      const rows = await ctx.exec.rows(ctx.st.history, [user, conversation, before], {
        limit: want,
        keep: live(ctx),
      });
      const kept = rows.map((row) =>
        decodeInboxEntry(user, num(row.get('seq')), row.get('body') as string),
      );
      for (const e of await resolveEntries(ctx, kept)) if (e !== undefined) out.push(e);
      if (rows.length < want || out.length > max) return out;
      before = BigInt(kept.at(-1)!.seq);
    }
  });
  const page = newest.slice(0, max).reverse();
  const oldest = page[0];
  return { entries: page, nextBeforeSeq: newest.length > max && oldest ? oldest.seq : null };
}
