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
 */

export class Held {
  private readonly queues = new Map<string, unknown[]>();
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

  /** Appends `msg` to `key`'s queue; false (and nothing held) when a bound is reached. */
  hold(key: string, msg: unknown): boolean {
    if (this.count >= this.totalMax) return false;
    let q = this.queues.get(key);
    if (q === undefined) this.queues.set(key, (q = []));
    else if (q.length >= this.perKeyMax) return false;
    q.push(msg);
    this.count++;
    return true;
  }

  /** Removes and returns `key`'s queue, oldest first (empty if none). */
  take(key: string): unknown[] {
    const q = this.queues.get(key);
    if (q === undefined) return [];
    this.queues.delete(key);
    this.count -= q.length;
    return q;
  }

  /** Keys with held messages, in the order they were first held. */
  keys(): string[] {
    return [...this.queues.keys()];
  }
}
