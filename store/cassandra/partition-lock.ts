/**
 * Serialises this process's lightweight transactions per partition.
 *
 * LWTs on one partition from one process would only contend in Paxos (each
 * round lost is a retry, or a CAS timeout with an unknown outcome), so they
 * queue here instead, in call order; the database still arbitrates between
 * processes. In production a partition's writer is its one owning actor, so
 * the queue is short; it is bounded anyway (`QUEUE_MAX` per partition).
 */
import { ErrorCode, ParleyError, quote } from '../../runtime/index.ts';

/** Calls waiting on one partition before new ones are refused. */
export const QUEUE_MAX = 1000;

interface Slot {
  tail: Promise<unknown>;
  size: number;
}

export class PartitionLock {
  private readonly slots = new Map<string, Slot>();

  /** Runs `fn` after every earlier call for `key` settled. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { tail: Promise.resolve(), size: 0 };
      this.slots.set(key, slot);
    }
    if (slot.size >= QUEUE_MAX)
      return Promise.reject(
        new ParleyError(
          ErrorCode.ResourceExhausted,
          `partition ${quote(key)} has ${QUEUE_MAX} writes queued; refusing more`,
        ),
      );
    slot.size += 1;
    const own = slot;
    const result = own.tail.then(fn);
    own.tail = result.then(
      () => this.release(key, own),
      () => this.release(key, own),
    );
    return result;
  }

  /** Partitions with queued or running calls (for tests and metrics). */
  get busy(): number {
    return this.slots.size;
  }

  private release(key: string, slot: Slot): void {
    slot.size -= 1;
    if (slot.size === 0 && this.slots.get(key) === slot) this.slots.delete(key);
  }
}
