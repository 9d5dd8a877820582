/**
 * Receipts of the messages a user sent: the stored status per (message id,
 * recipient) and the sender's gapless receipt log ordered by `rseq`.
 *
 * Monotonic: a receipt is recorded only when it raises the stored status
 * (none < delivered < read), also against an earlier receipt of the same call.
 * Each raise gets the next `rseq`. The decision is made on the committed state
 * of `user:<sender>` (`Owners.decide`) and written as one conditional
 * block with the new receipt head, fenced by the sender's epoch, like inbox
 * appends (`inbox.ts`). Status rows and log rows expire with the inbox TTL;
 * the head does not, so `rseq` stays gapless.
 */
import type { Receipt, ReceiptEntry, ReceiptStatus } from '../contract.ts';
import { staleEpoch } from '../errors.ts';
import { checkEpoch, checkId, checkInt, checkLimit, checkReceipts } from '../validate.ts';
import type { Ctx } from './context.ts';
import { END, live, receiptKey, statusKey, Tag } from './schema.ts';

const rank: Record<ReceiptStatus, number> = { delivered: 1, read: 2 };

export function recordReceipts(
  ctx: Ctx,
  sender: string,
  epoch: number,
  receipts: readonly Receipt[],
): ReceiptEntry[] | Promise<ReceiptEntry[]> {
  checkId('sender', sender);
  checkEpoch(epoch);
  const list = checkReceipts(receipts);
  if (list.length === 0) return [];
  const owner = `user:${sender}`;
  const { owners, dbs, clock, retention } = ctx;
  return owners.decide<ReceiptEntry[]>('recordReceipts', owner, (seen) => {
    if (seen.state.e !== epoch) throw staleEpoch(owner, epoch, seen.state.e);
    const now = clock.now();
    const ttl = retention.inboxTtlMs;
    const raised: ReceiptEntry[] = [];
    const inCall = new Map<string, ReceiptStatus>();
    let rhead = seen.state.r;
    for (const r of list) {
      const pair = `${r.id}\u0000${r.by}`;
      const current =
        inCall.get(pair) ??
        live<ReceiptStatus>(dbs.users.get(statusKey(sender, r.id, r.by)), ttl, now);
      if (current !== undefined && rank[r.status] <= rank[current]) continue;
      inCall.set(pair, r.status);
      rhead += 1;
      raised.push({
        id: r.id,
        by: r.by,
        ...(r.group === undefined ? {} : { group: r.group }),
        status: r.status,
        ts: r.ts,
        rseq: rhead,
      });
    }
    if (raised.length === 0) return { done: [] };
    return {
      result: raised,
      next: { ...seen.state, r: rhead },
      rows: () => {
        for (const e of raised) {
          void dbs.users.put(receiptKey(sender, e.rseq), [now, e]);
          void dbs.users.put(statusKey(sender, e.id, e.by), [now, e.status]);
        }
      },
    };
  });
}

export function readReceipts(
  ctx: Ctx,
  sender: string,
  afterRseq: number,
  limit: number,
): ReceiptEntry[] {
  checkId('sender', sender);
  checkInt('afterRseq', afterRseq, 0);
  const max = checkLimit(limit);
  const now = ctx.clock.now();
  const out: ReceiptEntry[] = [];
  for (const { value } of ctx.dbs.users.getRange({
    start: receiptKey(sender, afterRseq + 1),
    end: [sender, Tag.ReceiptLog, END],
  })) {
    const entry = live<ReceiptEntry>(value, ctx.retention.inboxTtlMs, now);
    if (entry === undefined) continue;
    out.push(entry);
    if (out.length >= max) break;
  }
  return out;
}

export function receiptStatus(
  ctx: Ctx,
  sender: string,
  id: string,
  by: string,
): ReceiptStatus | undefined {
  checkId('sender', sender);
  checkId('id', id);
  checkId('by', by);
  const row = ctx.dbs.users.get(statusKey(sender, id, by));
  return live<ReceiptStatus>(row, ctx.retention.inboxTtlMs, ctx.clock.now());
}
