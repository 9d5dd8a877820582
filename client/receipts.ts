/**
 * Receipts of the messages this user sent: pending → sent → delivered → read.
 *
 * Monotonic: a status never goes down, per recipient and overall, whatever
 * order receipts arrive in (a `delivered` after `read` is ignored). `read`
 * by a recipient implies `read` of every earlier message this device sent
 * into the same conversation (PROTOCOL.md guarantee 5), so one read receipt
 * may upgrade many messages. A message's overall status is the highest any
 * recipient reported (for a group: "someone has read it"); `by` has each
 * recipient's. Memory is bounded: the oldest tracked message is forgotten
 * first, and a receipt for a forgotten message counts as a first one, so
 * monotonicity holds for the last `capacity` messages.
 */
import { BoundedMap } from './bounded-map.ts';
import type { ReceiptFrame, ReceiptStatus } from './frames.ts';

export type MessageStatus = 'pending' | 'sent' | ReceiptStatus;

const RANK: Record<MessageStatus, number> = { pending: 0, sent: 1, delivered: 2, read: 3 };

export interface Receipt {
  readonly id: string;
  readonly status: MessageStatus;
  readonly by: ReadonlyMap<string, ReceiptStatus>;
}

/** One upgrade, as the client's `receipt` event reports it. */
export interface ReceiptUpdate {
  readonly id: string;
  readonly by: string;
  /** This recipient's new status. */
  readonly status: ReceiptStatus;
  /** The message's overall status after the update. */
  readonly overall: MessageStatus;
  readonly group?: string;
  readonly ts: number;
}

interface Entry {
  readonly id: string;
  readonly conversation: string;
  /** Position in the conversation's send order; undefined for messages learnt of by receipt. */
  readonly ordered: boolean;
  status: MessageStatus;
  readonly by: Map<string, ReceiptStatus>;
}

export class ReceiptTracker {
  private readonly entries: BoundedMap<string, Entry>;
  /** Ids this device sent, per conversation, oldest first. */
  private readonly order = new Map<string, string[]>();

  constructor(capacity: number) {
    this.entries = new BoundedMap(capacity, (id, entry) => this.forget(id, entry));
  }

  /** Starts tracking a message this device is sending into `conversation`. */
  track(id: string, conversation: string): void {
    if (this.entries.has(id)) return;
    this.entries.set(id, { id, conversation, ordered: true, status: 'pending', by: new Map() });
    const list = this.order.get(conversation);
    if (list === undefined) this.order.set(conversation, [id]);
    else list.push(id);
  }

  /** The server stored the message. */
  sent(id: string): void {
    const entry = this.entries.get(id);
    if (entry !== undefined && RANK[entry.status] < RANK.sent) entry.status = 'sent';
  }

  get(id: string): Receipt | undefined {
    const entry = this.entries.get(id);
    return entry === undefined ? undefined : { id, status: entry.status, by: new Map(entry.by) };
  }

  /** Applies a receipt; returns the upgrades it caused, the receipt's own first. */
  apply(receipt: ReceiptFrame): ReceiptUpdate[] {
    const conversation = receipt.group === undefined ? `u:${receipt.by}` : `g:${receipt.group}`;
    let entry = this.entries.get(receipt.id);
    if (entry === undefined) {
      entry = { id: receipt.id, conversation, ordered: false, status: 'sent', by: new Map() };
      this.entries.set(receipt.id, entry);
    }
    const updates: ReceiptUpdate[] = [];
    this.upgrade(entry, receipt, receipt.status, updates);
    if (receipt.status === 'read' && entry.ordered) this.readEarlier(entry, receipt, updates);
    return updates;
  }

  private upgrade(
    entry: Entry,
    receipt: ReceiptFrame,
    status: ReceiptStatus,
    updates: ReceiptUpdate[],
  ): boolean {
    const current = entry.by.get(receipt.by);
    if (current !== undefined && RANK[current] >= RANK[status]) return false;
    entry.by.set(receipt.by, status);
    if (RANK[entry.status] < RANK[status]) entry.status = status;
    updates.push({
      id: entry.id,
      by: receipt.by,
      status,
      overall: entry.status,
      ...(receipt.group === undefined ? {} : { group: receipt.group }),
      ts: receipt.ts,
    });
    return true;
  }

  /** Walks back from `entry`, marking read until a message already read by the same recipient. */
  private readEarlier(entry: Entry, receipt: ReceiptFrame, updates: ReceiptUpdate[]): void {
    const list = this.order.get(entry.conversation) ?? [];
    let i = list.lastIndexOf(entry.id) - 1;
    for (; i >= 0; i--) {
      const earlier = this.entries.get(list[i]!);
      if (earlier === undefined) continue;
      if (!this.upgrade(earlier, receipt, 'read', updates)) break;
    }
  }

  private forget(id: string, entry: Entry): void {
    if (!entry.ordered) return;
    const list = this.order.get(entry.conversation);
    if (list === undefined) return;
    const at = list.indexOf(id);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.order.delete(entry.conversation);
  }
}
