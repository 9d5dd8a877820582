/**
 * Local routes: the direct path from a sender on this node to a virtual
 * actor this node runs, past the activator. Shared by the node's
 * `VirtualDirectory` (which reads it on every send) and its activator (the
 * only writer of what is armed).
 *
 * A key is **armed** when its actor may take messages straight from local
 * senders: it is active here, not handing off, no message of the key is
 * held by the activator, and no message of the key sent by a local sender
 * is still queued in the activator's mailbox.
 *
 * Invariants (what keeps a direct send from breaking the activator's
 * guarantees):
 * - Order: every route a local sender puts in the activator's mailbox is
 *   counted (`queue`) until the activator takes it (`routed`); a key is
 *   armed only while that count is 0 (`armIfIdle`), so a direct send never
 *   overtakes a message of the same key still queued in the activator. While
 *   a key is armed every local send of it goes direct (or, its actor dead,
 *   through the activator for good), so no such count grows behind it.
 * - Liveness: the activator disarms a key before anything else can make a
 *   direct send wrong: at `HANDOFF` (nothing more may reach that actor), when
 *   it holds a message of the key, when it forgets the actor (exit, accepted
 *   passivation), and all at once when it starts or stops (`attach`,
 *   `detach`). Between an actor's death and its exit reaching the activator
 *   the sender sees a dead ref and goes through the activator.
 * - Passivation stays race-free: a direct send counts in the route's
 *   `forwarded`, exactly as a message the activator forwards.
 * - Nothing is armed or counted while no activator is attached: a directory
 *   with no activator of its own (a second one on a system) always takes the
 *   activator's path, unmarked.
 */
import { type AnyRef, ErrorCode, ParleyError, quote } from '../../runtime/index.ts';

/** What a direct send needs of an activator's entry (`Entry` in `state.ts` is one). */
export interface Route {
  readonly key: string;
  readonly ref: AnyRef;
  /** Routed messages sent to this incarnation, by the activator or directly. */
  forwarded: number;
}

export class LocalRoutes {
  private readonly armed = new Map<string, Route>();
  /** Key → local routes in the activator's mailbox, not yet taken. A key with none has no entry. */
  private readonly queued = new Map<string, number>();
  private isAttached = false;
  /** Messages sent direct, since start. */
  directSends = 0;

  /** Whether an activator is running on these routes (it attached and has not detached). */
  get attached(): boolean {
    return this.isAttached;
  }

  /** The armed route of `key`, or undefined: the message must go through the activator. */
  direct(key: string): Route | undefined {
    return this.armed.get(key);
  }

  /** Arms `route` unless a local route of its key is still queued in the activator (or none is attached); true if armed. */
  armIfIdle(route: Route): boolean {
    if (!this.isAttached || this.queued.has(route.key)) return false;
    this.armed.set(route.key, route);
    return true;
  }

  disarm(key: string): void {
    this.armed.delete(key);
  }

  /** A local sender is putting one route of `key` in the activator's mailbox. */
  queue(key: string): void {
    this.queued.set(key, (this.queued.get(key) ?? 0) + 1);
  }

  /** The activator took one local route of `key` from its mailbox. */
  routed(key: string): void {
    const n = this.queued.get(key);
    // Always on: a miscount here would let a direct send overtake a queued one.
    if (n === undefined)
      throw new ParleyError(
        ErrorCode.Internal,
        `local route of ${quote(key)} taken by the activator but none was queued`,
      );
    if (n === 1) this.queued.delete(key);
    else this.queued.set(key, n - 1);
  }

  /** Local routes of `key` queued in the activator now. */
  queuedFor(key: string): number {
    return this.queued.get(key) ?? 0;
  }

  /** Forgets every count: the activator's mailbox holds no local route (see `deliver` in `routing.ts`). */
  clearQueued(): void {
    this.queued.clear();
  }

  /** Forgets every armed key and every count (the activator's mailbox starts or ended empty). */
  reset(): void {
    this.armed.clear();
    this.queued.clear();
  }

  /** An activator starts on these routes: its mailbox is empty, nothing is armed. */
  attach(): void {
    this.reset();
    this.isAttached = true;
  }

  /** The activator stops: every send goes its way again (and is dropped or waits for the next one). */
  detach(): void {
    this.reset();
    this.isAttached = false;
  }

  armedCount(): number {
    return this.armed.size;
  }
}
