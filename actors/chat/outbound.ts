/**
 * A user's outbound 1:1 messages not yet confirmed by their recipient, per
 * recipient in send order, and when each recipient's are due to go again.
 *
 * Order: resends keep send order. Each forward names the key of the
 * previous still-pending message to the same recipient (`prevKey`), and the
 * recipient refuses a forward whose predecessor it does not hold, so a lost
 * message is never overtaken by a later one.
 *
 * Resends (no storms): a recipient's pending messages go again only
 * - when its owner is known lost: the node that owns it changed since they
 *   were sent (node down, handoff; `ownerChanged`), or the recipient said
 *   it lacks one (`gap`); then at once;
 * - or when nothing was confirmed for a timeout that doubles with every
 *   resend without progress (`baseMs`, 2x, ... up to `maxMs`) and grows with
 *   the recipient's backlog from us (`perItemMs` each), so an overloaded
 *   recipient is given more time, never more work.
 * A confirm that removes anything resets the backoff.
 */
import type { MessageCore } from './messages.ts';

export interface PendingItem {
  readonly senderSeq: number;
  readonly key: string;
  readonly msg: MessageCore;
}

export interface ResendPolicy {
  /** First timeout after a send without a confirm. */
  readonly baseMs: number;
  /** The timeout never grows past this (plus the backlog term). */
  readonly maxMs: number;
  /** Added to the timeout per message pending to the recipient. */
  readonly perItemMs: number;
}

interface Lane {
  /** Pending items are `items[head..]`, in `senderSeq` order; confirmed ones before `head` are dropped in bulk. */
  items: PendingItem[];
  head: number;
  /** Resends since the last progress (a confirm that removed something). */
  attempts: number;
  /** Clock ms at which the lane is due to go again. */
  dueMs: number;
  /** The recipient's owner node when last sent (undefined: none known then). */
  owner: string | undefined;
}

export class Outbound {
  private lanes: Map<string, Lane> | undefined;

  constructor(private readonly policy: ResendPolicy) {}

  /** Recipients with something pending. */
  get size(): number {
    return this.lanes?.size ?? 0;
  }

  /**
   * Adds `item` in `senderSeq` order (at the end, but for a message whose
   * store reply was lost and whose resend by the client comes after later
   * ones) and returns the key of its predecessor. `dueMs`: when the lane is
   * due if this starts it (0 for items loaded at start: due at once).
   */
  add(
    recipient: string,
    item: PendingItem,
    dueMs: number,
    owner: string | undefined,
  ): string | null {
    this.lanes ??= new Map();
    let lane = this.lanes.get(recipient);
    if (lane === undefined) {
      lane = { items: [], head: 0, attempts: 0, dueMs, owner };
      this.lanes.set(recipient, lane);
    }
    const list = lane.items;
    let i = list.length;
    while (i > lane.head && list[i - 1]!.senderSeq > item.senderSeq) i--;
    if (i === list.length) list.push(item);
    else list.splice(i, 0, item);
    return i === lane.head ? null : list[i - 1]!.key;
  }

  /** Whether `key` is pending for `recipient`. */
  has(recipient: string, key: string): boolean {
    const lane = this.lanes?.get(recipient);
    if (lane === undefined) return false;
    for (let i = lane.head; i < lane.items.length; i++) if (lane.items[i]!.key === key) return true;
    return false;
  }

  /** Removes items up to `senderSeq` (the recipient accepts in order); returns their seqs. */
  confirm(recipient: string, senderSeq: number, nowMs: number): number[] {
    const lane = this.lanes?.get(recipient);
    if (lane === undefined) return [];
    const list = lane.items;
    const removed: number[] = [];
    let h = lane.head;
    while (h < list.length && list[h]!.senderSeq <= senderSeq) {
      removed.push(list[h]!.senderSeq);
      list[h++] = undefined as unknown as PendingItem;
    }
    if (removed.length === 0) return [];
    lane.head = h;
    if (h === list.length) this.lanes!.delete(recipient);
    else {
      // O(1) per confirmed item: the dropped prefix is cut once it is half the array.
      if (h > 64 && h * 2 > list.length) {
        lane.items = list.slice(h);
        lane.head = 0;
      }
      lane.attempts = 0;
      lane.dueMs = nowMs + this.timeout(lane);
    }
    return removed;
  }

  /**
   * The first `max` pending items for `recipient`, each with the key of its
   * predecessor in the list, to send again now; the lane's next timeout
   * doubles. `owner`: the recipient's owner node now.
   */
  resend(
    recipient: string,
    max: number,
    nowMs: number,
    owner: string | undefined,
  ): { item: PendingItem; prevKey: string | null }[] {
    const lane = this.lanes?.get(recipient);
    if (lane === undefined) return [];
    lane.attempts++;
    lane.dueMs = nowMs + this.timeout(lane);
    lane.owner = owner;
    const list = lane.items;
    const from = lane.head;
    return list
      .slice(from, from + max)
      .map((item, i) => ({ item, prevKey: i === 0 ? null : list[from + i - 1]!.key }));
  }

  /**
   * Recipients due to be sent to again at `nowMs`: their timeout passed, or
   * `ownerOf` (the recipient's owner node now) differs from where they were
   * sent.
   */
  due(nowMs: number, ownerOf: (recipient: string) => string | undefined): string[] {
    const out: string[] = [];
    if (this.lanes === undefined) return out;
    for (const [recipient, lane] of this.lanes)
      if (lane.dueMs <= nowMs || ownerOf(recipient) !== lane.owner) out.push(recipient);
    return out;
  }

  private timeout(lane: Lane): number {
    const { baseMs, maxMs, perItemMs } = this.policy;
    const backoff = Math.min(maxMs, baseMs * 2 ** Math.min(lane.attempts, 20));
    return backoff + perItemMs * (lane.items.length - lane.head);
  }
}
