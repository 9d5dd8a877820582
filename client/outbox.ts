/**
 * Messages sent but not yet acked `sent`, in the order the app sent them.
 *
 * Each entry keeps its frame (same `id` on every resend: the server treats a
 * repeat as the same message) and the promise `send()` returned. An entry
 * leaves on its `sent` ack (resolved) or on a final error (rejected). Bounded
 * by `capacity`: a full outbox refuses new sends instead of growing. `dueAt`
 * is when the entry is next resent if still unacked (after an ack timeout,
 * or after the backoff that follows an `unavailable`/`rate_limited` answer).
 */
import type { OutgoingMessage } from './frames.ts';

export interface SentAck {
  readonly id: string;
  /** Server time at which the message was stored. */
  readonly ts: number;
}

interface Entry {
  readonly frame: OutgoingMessage;
  readonly promise: Promise<SentAck>;
  readonly resolve: (ack: SentAck) => void;
  readonly reject: (error: Error) => void;
  dueAt: number;
}

export class Outbox {
  private readonly entries = new Map<string, Entry>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** The promise of an entry already in the outbox. */
  pending(id: string): Promise<SentAck> | undefined {
    return this.entries.get(id)?.promise;
  }

  /** Adds a message; the caller checked there is room and the id is new. */
  add(frame: OutgoingMessage): Promise<SentAck> {
    let resolve!: (ack: SentAck) => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<SentAck>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // The app may drop the promise; a rejection must not become an unhandled one.
    promise.catch(() => {});
    this.entries.set(frame.id, {
      frame,
      promise,
      resolve,
      reject,
      dueAt: Number.POSITIVE_INFINITY,
    });
    return promise;
  }

  /** Resolves and removes; false when the id is not (or no longer) here. */
  ack(id: string, ts: number): boolean {
    const entry = this.entries.get(id);
    if (entry === undefined) return false;
    this.entries.delete(id);
    entry.resolve({ id, ts });
    return true;
  }

  /** Rejects and removes. */
  fail(id: string, error: Error): boolean {
    const entry = this.entries.get(id);
    if (entry === undefined) return false;
    this.entries.delete(id);
    entry.reject(error);
    return true;
  }

  failAll(error: Error): void {
    for (const id of [...this.entries.keys()]) this.fail(id, error);
  }

  /** Sets when `id` is next (re)sent. */
  defer(id: string, dueAt: number): void {
    const entry = this.entries.get(id);
    if (entry !== undefined) entry.dueAt = dueAt;
  }

  /** Frames due for (re)sending at `now`, in send order; each gets its next `dueAt`. */
  takeDue(now: number, nextDueAt: number): OutgoingMessage[] {
    const due: OutgoingMessage[] = [];
    for (const entry of this.entries.values()) {
      if (entry.dueAt > now) continue;
      entry.dueAt = nextDueAt;
      due.push(entry.frame);
    }
    return due;
  }

  /** Every frame in send order, all due again at `nextDueAt`: the resend after a reconnect. */
  takeAll(nextDueAt: number): OutgoingMessage[] {
    return this.takeDue(Number.POSITIVE_INFINITY, nextDueAt);
  }
}
