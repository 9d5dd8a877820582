/**
 * A user's outbound 1:1 messages not yet confirmed by their recipient, per
 * recipient in send order. Resends keep that order: each forward names the
 * key of the previous still-pending message to the same recipient
 * (`prevKey`), and the recipient refuses a forward whose predecessor it does
 * not hold, so a lost message is never overtaken by a later one.
 */
import type { MessageCore } from './messages.ts';

export interface PendingItem {
  readonly senderSeq: number;
  readonly key: string;
  readonly msg: MessageCore;
  lastSentMs: number;
}

export class Outbound {
  private readonly byRecipient = new Map<string, PendingItem[]>();

  get size(): number {
    return this.byRecipient.size;
  }

  /**
   * Adds `item` in `senderSeq` order (at the end, but for a message whose
   * store reply was lost and whose resend by the client comes after later
   * ones) and returns the key of its predecessor.
   */
  add(recipient: string, item: PendingItem): string | null {
    let list = this.byRecipient.get(recipient);
    if (list === undefined) this.byRecipient.set(recipient, (list = []));
    let i = list.length;
    while (i > 0 && list[i - 1]!.senderSeq > item.senderSeq) i--;
    list.splice(i, 0, item);
    return i === 0 ? null : list[i - 1]!.key;
  }

  /** Whether `key` is pending for `recipient`. */
  has(recipient: string, key: string): boolean {
    return this.byRecipient.get(recipient)?.some((i) => i.key === key) ?? false;
  }

  /** Removes items up to `senderSeq` (the recipient accepts in order); returns their seqs. */
  confirm(recipient: string, senderSeq: number): number[] {
    const list = this.byRecipient.get(recipient);
    if (list === undefined) return [];
    let n = 0;
    while (n < list.length && list[n]!.senderSeq <= senderSeq) n++;
    const removed = list.splice(0, n).map((i) => i.senderSeq);
    if (list.length === 0) this.byRecipient.delete(recipient);
    return removed;
  }

  /** The first `max` pending items for `recipient`, each with the key of its predecessor in the list. */
  resendable(recipient: string, max: number): { item: PendingItem; prevKey: string | null }[] {
    const list = this.byRecipient.get(recipient) ?? [];
    return list
      .slice(0, max)
      .map((item, i) => ({ item, prevKey: i === 0 ? null : list[i - 1]!.key }));
  }

  /** Recipients whose oldest pending item was last sent before `beforeMs`. */
  due(beforeMs: number): string[] {
    const out: string[] = [];
    for (const [recipient, list] of this.byRecipient)
      if (list[0]!.lastSentMs <= beforeMs) out.push(recipient);
    return out;
  }
}
