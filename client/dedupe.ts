/**
 * Drops repeated messages: the server delivers at least once, the app shows once.
 *
 * A message is a repeat when its (`from`, `id`) was seen, or when its `seq`
 * is not above the highest `seq` seen in its conversation (a device sees
 * `seq` strictly increasing, PROTOCOL.md guarantee 4). Both memories are
 * bounded: the (`from`, `id`) set by `capacity` entries, the per-conversation
 * seq by `capacity` conversations, least recently active forgotten first. A
 * forgotten conversation's seq raises a floor that stands in for every
 * conversation not remembered, so even a very old repeat is caught (this
 * leans on the same guarantee, across conversations). Each seen message
 * also remembers the highest receipt the app acked for it, so a repeat (which
 * the server sends because our ack did not reach it) can be acked again.
 */
import { BoundedMap } from './bounded-map.ts';
import type { IncomingMessage, ReceiptStatus } from './frames.ts';

export type Acked = 'none' | ReceiptStatus;

export interface Verdict {
  readonly repeat: boolean;
  /** What was acked for the earlier copy; `undefined` when only its seq gave it away. */
  readonly acked: Acked | undefined;
}

/** The conversation a message belongs to, from this user's point of view. */
export function conversationOf(message: IncomingMessage, self: string): string {
  if (message.group !== undefined) return `g:${message.group}`;
  return `u:${message.from === self ? message.to : message.from}`;
}

const keyOf = (from: string, id: string) => `${from}\n${id}`;

export class Dedupe {
  private readonly seen: BoundedMap<string, Acked>;
  private readonly lastSeq: BoundedMap<string, number>;
  /** The highest seq of the conversations forgotten. */
  private floor = Number.NEGATIVE_INFINITY;

  constructor(capacity: number) {
    this.seen = new BoundedMap(capacity);
    this.lastSeq = new BoundedMap(capacity, (_conversation, seq) => {
      this.floor = Math.max(this.floor, seq);
    });
  }

  /** Judges `message` and, when it is new, remembers it. */
  admit(message: IncomingMessage, conversation: string): Verdict {
    const key = keyOf(message.from, message.id);
    const acked = this.seen.get(key);
    if (acked !== undefined) return { repeat: true, acked };
    const last = this.lastSeq.get(conversation) ?? this.floor;
    if (message.seq <= last) return { repeat: true, acked: undefined };
    this.seen.set(key, 'none');
    this.lastSeq.set(conversation, message.seq);
    return { repeat: false, acked: 'none' };
  }

  /** Records that the app acked `status` for a seen message (never lowering it). */
  acked(from: string, id: string, status: ReceiptStatus): void {
    const key = keyOf(from, id);
    const current = this.seen.get(key);
    if (current === undefined || current === 'read') return;
    this.seen.update(key, status);
  }
}
