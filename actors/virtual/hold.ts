/**
 * Held messages: routed messages an activator can neither deliver nor
 * forward yet (no owner known, the key's actor is handing off, the hop limit
 * was reached, the activation grace after a view change). Kept per key in
 * arrival order, bounded per key and in total.
 *
 * Invariants:
 * - `total` is the sum of every key's queue length, and never exceeds `totalMax`.
 * - No key's queue exceeds `perKeyMax`; a key with no message has no queue.
 * - `hold` refuses (returns false) rather than grow past a bound; the caller
 *   counts the refused message as a dead letter. Nothing is dropped here silently.
 * - A queue is an `early` part then the rest, each in arrival order: an early
 *   message (one forwarded by an old owner of a key this node gained) goes
 *   behind the early ones but ahead of the others. A sender whose view moved
 *   to this node sent what was forwarded before what came here directly, and
 *   the forwarded path is the longer one.
 */

interface Queue {
  readonly items: unknown[];
  /** The first `early` items are early. */
  early: number;
}

export class Held {
  private readonly queues = new Map<string, Queue>();
  private count = 0;

  constructor(
    readonly perKeyMax: number,
    readonly totalMax: number,
  ) {}

  /** Messages held, all keys. */
  get total(): number {
    return this.count;
  }

  has(key: string): boolean {
    return this.queues.has(key);
  }

  /** Queues `msg` for `key` (behind the early ones if `early`, else last); false (and nothing held) when a bound is reached. */
  hold(key: string, msg: unknown, early = false): boolean {
    if (this.count >= this.totalMax) return false;
    let q = this.queues.get(key);
    if (q === undefined) this.queues.set(key, (q = { items: [], early: 0 }));
    else if (q.items.length >= this.perKeyMax) return false;
    if (early) q.items.splice(q.early++, 0, msg);
    else q.items.push(msg);
    this.count++;
    return true;
  }

  /** Removes and returns `key`'s queue, oldest first (empty if none). */
  take(key: string): unknown[] {
    const q = this.queues.get(key);
    if (q === undefined) return [];
    this.queues.delete(key);
    this.count -= q.items.length;
    return q.items;
  }

  /** Keys with held messages, in the order they were first held. */
  keys(): string[] {
    return [...this.queues.keys()];
  }
}
