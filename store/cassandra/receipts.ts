/**
 * Receipts of the messages a user sent, in the sender's `user_log` partition:
 * one ReceiptStatus row per (message id, recipient) and a gapless ReceiptLog
 * ordered by `rseq`, with the static `rhead` as its head.
 *
 * Record: read the statuses, keep the receipts that raise them (delivered <
 * read), then one conditional batch
 *   UPDATE rhead = r+n IF epoch = e AND rhead = r
 *   + the raised statuses (one row per pair: its final status) + n log rows.
 * Monotonic and gapless for the same reason as the inbox: every status change
 * moves `rhead`, so a decision made on stale statuses fails its condition.
 * Log rows are never rewritten, so the row at r+1 tells which attempt landed.
 */
import { quote } from '../../runtime/index.ts';
import type { Receipt, ReceiptEntry, ReceiptStatus } from '../contract.ts';
import { checkEpoch, checkId, checkInt, checkLimit, checkReceipts } from '../validate.ts';
import { fence } from './append.ts';
import { type CasAttempt, newWid, runCas } from './cas.ts';
import { type Ctx, live } from './context.ts';
import type { BatchQuery } from './cql.ts';
import { guard } from './driver-errors.ts';
import { expiryOf, isLive } from './expiry.ts';
import { decodeReceipt, decodeReceiptEntry, encodeRecord, Kind, num, statusRank } from './rows.ts';

interface ReceiptState {
  readonly epoch: number | null;
  readonly rhead: number;
  /** Stored status per `${id}\0${by}`. */
  readonly statuses: ReadonlyMap<string, ReceiptStatus>;
}

const pair = (id: string, by: string) => `${id}\u0000${by}`;

/** The receipt of a log entry (the log row's seq is its rseq). */
function stripRseq(entry: ReceiptEntry): Receipt {
  const { rseq, ...receipt } = entry;
  return receipt;
}
const IN_CHUNK = 100;

export async function recordReceipts(
  ctx: Ctx,
  sender: string,
  epoch: number,
  receipts: readonly Receipt[],
): Promise<ReceiptEntry[]> {
  checkId('sender', sender);
  checkEpoch(epoch);
  const list = checkReceipts(receipts);
  const ids = [...new Set(list.map((r) => r.id))];
  const { exec, st } = ctx;

  return ctx.lock.run(`u:${sender}`, () =>
    runCas<ReceiptState, ReceiptEntry[]>(
      {
        what: `recordReceipts(${quote(sender)})`,
        async observe(serial) {
          const readStatuses = async () => {
            const statuses = new Map<string, ReceiptStatus>();
            for (let i = 0; i < ids.length; i += IN_CHUNK) {
              const chunk = ids.slice(i, i + IN_CHUNK);
              const rows = await exec.rows(st.receiptStatuses, [sender, chunk], {
                limit: Number.MAX_SAFE_INTEGER,
                serial,
                keep: live(ctx),
              });
              for (const row of rows)
                statuses.set(
                  pair(row.get('tag'), row.get('sub')),
                  decodeReceipt(row.get('body')).status,
                );
            }
            return statuses;
          };
          const [state, statuses] = await Promise.all([
            exec.first(st.userState, [sender], serial),
            readStatuses(),
          ]);
          const current = state?.get('epoch');
          return {
            epoch: current === null || current === undefined ? null : num(current),
            rhead: num(state?.get('rhead')),
            statuses,
          };
        },
        async landed(o, uncertain) {
          for (const attempt of uncertain) {
            const first = attempt.result[0];
            if (!first || first.rseq > o.rhead) continue;
            const row = await exec.first(st.receiptLogAt, [sender, BigInt(first.rseq)], true);
            if (row?.get('wid') === attempt.wid) return attempt.result;
          }
          return undefined;
        },
        decide(o) {
          fence(`user:${sender}`, o.epoch, epoch);
          const current = new Map(o.statuses);
          const raised: ReceiptEntry[] = [];
          const finals = new Map<string, Receipt>();
          for (const r of list) {
            const k = pair(r.id, r.by);
            if (statusRank(r.status) <= statusRank(current.get(k))) continue;
            current.set(k, r.status);
            finals.set(k, r);
            raised.push({ ...r, rseq: o.rhead + raised.length + 1 });
          }
          if (raised.length === 0) return { done: [] };
          const wid = newWid();
          const e = expiryOf(ctx.retention.inboxTtlMs, ctx.clock.now());
          const rhead = BigInt(o.rhead);
          // One row per pair: two writes of one cell in one batch share a timestamp, and the larger value would win.
          const queries: BatchQuery[] = [
            {
              query: st.receiptHeadCas,
              params: [rhead + BigInt(raised.length), sender, BigInt(epoch), rhead],
            },
            ...[...finals.values()].map((r) => ({
              query: st.userRow,
              params: [
                sender,
                Kind.ReceiptStatus,
                r.id,
                0n,
                r.by,
                encodeRecord(r),
                wid,
                e.exp,
                e.ttl,
              ],
            })),
            ...raised.map((r) => ({
              query: st.userRow,
              params: [
                sender,
                Kind.ReceiptLog,
                '',
                BigInt(r.rseq),
                '',
                encodeRecord(stripRseq(r)),
                wid,
                e.exp,
                e.ttl,
              ],
            })),
          ];
          const attempt: CasAttempt<ReceiptEntry[]> = {
            wid,
            result: raised,
            write: () => exec.casBatch(queries, sender),
          };
          return { attempt };
        },
      },
      ctx.clock,
    ),
  );
}

export async function readReceipts(
  ctx: Ctx,
  sender: string,
  afterRseq: number,
  limit: number,
): Promise<ReceiptEntry[]> {
  checkId('sender', sender);
  checkInt('afterRseq', afterRseq, 0);
  const max = checkLimit(limit);
  const rows = await guard(`readReceipts(${quote(sender)})`, () =>
    ctx.exec.rows(ctx.st.receiptsAfter, [sender, BigInt(afterRseq)], {
      limit: max,
      keep: live(ctx),
    }),
  );
  return rows.map((row) => decodeReceiptEntry(num(row.get('seq')), row.get('body') as string));
}

export async function receiptStatus(
  ctx: Ctx,
  sender: string,
  id: string,
  by: string,
): Promise<ReceiptStatus | undefined> {
  checkId('sender', sender);
  checkId('id', id);
  checkId('by', by);
  const row = await guard(`receiptStatus(${quote(sender)}, ${quote(id)}, ${quote(by)})`, () =>
    ctx.exec.first(ctx.st.receiptStatus, [sender, id, by]),
  );
  return row && isLive(row, ctx.clock.now())
    ? decodeReceipt(row.get('body') as string).status
    : undefined;
}
