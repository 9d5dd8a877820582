/**
 * The expiry sweep: deletes rows whose retention passed, with the rows that
 * depend on them. Reads already skip expired rows (`schema.ts`), so the sweep
 * only reclaims space; running it late, or not at all, changes no answer.
 *
 * One pass walks `users` and `glog` by prefix: in each time-ordered prefix
 * ([user,'m'], [user,'h',conv], [user,'r'], [group,'m']) it deletes the
 * expired rows from the front and then seeks past the prefix at the first
 * live row; other prefixes (and those whose TTL is 0) are skipped whole. So
 * a pass costs O(prefixes + expired rows), not O(rows). It runs as a series
 * of write transactions of at most `batchMax` visited rows each, so appends
 * are never held up for long.
 *
 * Deleted with an inbox row: its key index row (if it still points at this
 * seq) and its pending marks (and the user's wake mark with its last pending
 * mark, as `clearPending` does); the history row that holds the entry stays
 * until its own (longer or equal) TTL, and when it goes it takes along an
 * inbox row not swept yet. With a receipt log row: the status row, if that
 * has expired too. With a group log entry: its key index row.
 */
import type { Database, Key } from 'lmdb';
import type { Retention } from '../contract.ts';
import type { Ctx } from './context.ts';
import {
  END,
  entryKey,
  groupKeyIndexKey,
  historyKey,
  historyRowTtl,
  isExpired,
  keyIndexKey,
  type Stamped,
  statusKey,
  Tag,
} from './schema.ts';

type Table = 'users' | 'glog';
type Row = readonly (string | number)[];

interface Step {
  readonly purged: number;
  /** Where the next step starts; undefined when the table is done. */
  readonly next: Key[] | undefined;
}

/** Runs one pass over every table at `nowMs`; resolves with the number of rows deleted. */
export async function sweepOnce(ctx: Ctx, nowMs: number, batchMax: number): Promise<number> {
  let purged = 0;
  for (const table of ['users', 'glog'] as const) {
    let from: Key[] | null | undefined = null;
    while (from !== undefined) {
      const start: Key[] | null = from;
      const step: Step = await ctx.dbs.env.transaction(() =>
        sweepStep(ctx, table, start, nowMs, batchMax),
      );
      purged += step.purged;
      from = step.next;
    }
  }
  return purged;
}

/** The TTL of the rows under `tag` in `table`; 0 for prefixes that do not expire by time. */
function ttlOf(table: Table, tag: string, retention: Retention): number {
  if (table === 'glog') return tag === Tag.Entry ? retention.groupLogTtlMs : 0;
  if (tag === Tag.Entry || tag === Tag.ReceiptLog) return retention.inboxTtlMs;
  if (tag === Tag.History) return historyRowTtl(retention);
  return 0;
}

function sweepStep(
  ctx: Ctx,
  table: Table,
  from: Key[] | null,
  nowMs: number,
  batchMax: number,
): Step {
  const db = ctx.dbs[table];
  let purged = 0;
  let visited = 0;
  let cursor: Key[] | null = from;
  while (visited < batchMax) {
    const first = firstKeyFrom(db, cursor);
    if (first === undefined) return { purged, next: undefined };
    const [id, tag] = first as [string, string];
    const prefix: Key[] = tag === Tag.History ? [id, tag, first[2] as string] : [id, tag];
    const ttl = ttlOf(table, tag, ctx.retention);
    visited += 1;
    if (ttl > 0) {
      const expired = expiredFront(db, prefix, ttl, nowMs, batchMax - visited + 1);
      visited += expired.length;
      for (const row of expired) {
        deleteRow(ctx, table, db, row, nowMs);
        purged += 1;
      }
      // Out of budget inside the prefix: resume there next time.
      if (visited > batchMax) return { purged, next: prefix };
    }
    cursor = [...prefix, END];
  }
  return { purged, next: cursor ?? undefined };
}

function firstKeyFrom(db: Database<unknown, Key[]>, start: Key[] | null): Row | undefined {
  for (const key of db.getKeys(start === null ? { limit: 1 } : { start, limit: 1 }))
    return key as unknown as Row;
  return undefined;
}

/** Expired rows at the front of `prefix` (at most `max`). */
function expiredFront(
  db: Database<unknown, Key[]>,
  prefix: Key[],
  ttlMs: number,
  nowMs: number,
  max: number,
): Row[] {
  const out: Row[] = [];
  for (const { key, value } of db.getRange({ start: prefix, end: [...prefix, END] })) {
    if (out.length >= max || !isExpired((value as Stamped<unknown>)[0], ttlMs, nowMs)) break;
    out.push(key as unknown as Row);
  }
  return out;
}

function deleteRow(
  ctx: Ctx,
  table: Table,
  db: Database<unknown, Key[]>,
  row: Row,
  nowMs: number,
): void {
  const [id, tag] = row as [string, string];
  const value = (db.get(row as Key[]) as Stamped<Record<string, unknown>>)[1];
  if (table === 'glog') {
    const index = groupKeyIndexKey(id, value.key as string);
    if (db.get(index) === value.gseq) void db.remove(index);
  } else if (tag === Tag.Entry) {
    // The value of an inbox row: the conversation whose history row holds the entry.
    const seq = row[2] as number;
    const holder = db.get(historyKey(id, value as unknown as string, seq)) as
      | Stamped<{ key: string }>
      | undefined;
    purgeInboxOf(ctx, db, id, seq, holder?.[1].key);
  } else if (tag === Tag.History) {
    const seq = row[3] as number;
    const pointer = entryKey(id, seq);
    if (db.get(pointer) !== undefined) {
      purgeInboxOf(ctx, db, id, seq, value.key as string);
      void db.remove(pointer);
    }
  } else if (tag === Tag.ReceiptLog) {
    const status = statusKey(id, value.id as string, value.by as string);
    const stored = db.get(status) as Stamped<string> | undefined;
    if (stored !== undefined && isExpired(stored[0], ctx.retention.inboxTtlMs, nowMs))
      void db.remove(status);
  }
  void db.remove(row as Key[]);
}

/**
 * Deletes what hangs on inbox entry `seq`: its key index row (if it points
 * here) and its pending marks, and the user's wake mark with the last of them.
 */
function purgeInboxOf(
  ctx: Ctx,
  db: Database<unknown, Key[]>,
  user: string,
  seq: number,
  key: string | undefined,
): void {
  if (key !== undefined) {
    const index = keyIndexKey(user, key);
    if (db.get(index) === seq) void db.remove(index);
  }
  const marks = [
    ...db.getKeys({ start: [user, Tag.Pending, seq], end: [user, Tag.Pending, seq, END] }),
  ];
  for (const mark of marks) void db.remove(mark);
  if (marks.length === 0) return;
  const left = db.getKeys({ start: [user, Tag.Pending], end: [user, Tag.Pending, END], limit: 1 });
  if (left[Symbol.iterator]().next().done === true) void ctx.dbs.wake.remove(`user:${user}`);
}
