/**
 * Which entries of the receipt log a replay sends again (guarantee 5:
 * receipts are monotonic). The device's receipt cursor is written lazily, so
 * after a crash or handoff a replay can restart behind what the device was
 * already sent live; sending an old `delivered` again after the device saw
 * `read` for the same message would be a downgrade on the wire. So a
 * `delivered` entry whose (id, by) is `read` by now, in this batch or in
 * the store, is left out: the `read` entry is in the log after it, and
 * reaches the device in the same replay or reached it already. So is one
 * whose message is at or below the reader's read watermark in that
 * conversation (`readUpTo`: the sender's inbox seq of the latest message the
 * reader read there), since `read` of a later message implies it.
 */
import type { ReceiptEntry, Store } from '../../store/index.ts';
import { ackedKey } from './keys.ts';

export async function replayableReceipts(
  store: Store,
  sender: string,
  batch: readonly ReceiptEntry[],
  readUpTo: (group: string | undefined, by: string) => number,
): Promise<ReceiptEntry[]> {
  const readInBatch = new Set<string>();
  for (const r of batch) if (r.status === 'read') readInBatch.add(`${r.id}\u0000${r.by}`);
  const stale = await Promise.all(
    batch.map(async (r) => {
      if (r.status !== 'delivered') return false;
      if (readInBatch.has(`${r.id}\u0000${r.by}`)) return true;
      const upTo = readUpTo(r.group, r.by);
      if (upTo > 0) {
        const own = await store.findByKey(sender, ackedKey(sender, r.id, r.group));
        if (own !== undefined && own.seq <= upTo) return true;
      }
      return (await store.receiptStatus(sender, r.id, r.by)) === 'read';
    }),
  );
  return batch.filter((_, i) => !stale[i]);
}
