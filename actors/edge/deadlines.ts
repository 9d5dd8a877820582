/**
 * Shared deadlines: one clock timer for every edge actor waiting the same
 * delay, instead of one timer (and its handle, closure and the actor's timer
 * map) per connection.
 *
 * A `Deadlines` queue is made once per clock, delay and message (`deadlines`);
 * `schedule(ctx)` asks for `msg` to reach `ctx.self` after `delayMs`, exactly
 * as `ctx.sendAfter(delayMs, msg)` would, and `cancel(ctx)` takes that back.
 *
 * Invariants. An actor waits at most once per queue (scheduling again moves
 * its deadline). Every member waits the same `delayMs` from a `clock.now()`
 * that does not step back, so insertion order is deadline order: the `Map`
 * is the queue, its first entry is the next due, and one clock timer armed
 * for that entry suffices. A member whose deadline passed leaves the queue
 * before its message is posted, so an actor that stops (and cancels) never
 * gets a message after it. While the queue is empty no timer is set. A wall
 * clock stepping back only delays the entries behind the step; none fires
 * early.
 */
import type { ActorContext, Clock, TimerHandle } from '../../runtime/index.ts';

type Ctx<M> = ActorContext<M>;

export class Deadlines<M> {
  /** Waiting actors and when each is due, in deadline order. */
  private readonly due = new Map<Ctx<M>, number>();
  private timer: TimerHandle | undefined;
  /** When `timer` fires; meaningful only while it is set. */
  private timerAtMs = 0;

  constructor(
    private readonly clock: Clock,
    readonly delayMs: number,
    private readonly msg: M,
  ) {}

  get size(): number {
    return this.due.size;
  }

  /** `msg` reaches `ctx.self` after `delayMs`; a deadline it had here is replaced. */
  schedule(ctx: Ctx<M>): void {
    const due = this.due;
    due.delete(ctx);
    const atMs = this.clock.now() + this.delayMs;
    due.set(ctx, atMs);
    if (this.timer === undefined) this.arm(atMs);
  }

  /** Takes back `ctx`'s deadline; nothing happens when it had none. */
  cancel(ctx: Ctx<M>): void {
    if (!this.due.delete(ctx) || this.due.size > 0 || this.timer === undefined) return;
    this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  has(ctx: Ctx<M>): boolean {
    return this.due.has(ctx);
  }

  private arm(atMs: number): void {
    this.timerAtMs = atMs;
    this.timer = this.clock.setTimer(atMs - this.clock.now(), this.fire);
  }

  /** Posts `msg` to every member due by now, then arms for the next one. */
  private readonly fire = (): void => {
    this.timer = undefined;
    const now = Math.max(this.clock.now(), this.timerAtMs);
    for (const [ctx, atMs] of this.due) {
      if (atMs > now) {
        this.arm(atMs);
        return;
      }
      this.due.delete(ctx);
      ctx.send(ctx.self, this.msg);
    }
  };
}

/** The queues made so far, per clock, then per delay and message kind. */
const queues = new WeakMap<Clock, Map<string, Deadlines<never>>>();

/** The one queue for `clock`, `delayMs` and `msg` (told apart by `kind`). */
export function deadlines<M>(clock: Clock, kind: string, delayMs: number, msg: M): Deadlines<M> {
  let perClock = queues.get(clock);
  if (perClock === undefined) {
    perClock = new Map();
    queues.set(clock, perClock);
  }
  const key = `${kind}:${delayMs}`;
  let queue = perClock.get(key) as Deadlines<M> | undefined;
  if (queue === undefined) {
    queue = new Deadlines(clock, delayMs, msg);
    perClock.set(key, queue as unknown as Deadlines<never>);
  }
  return queue;
}
