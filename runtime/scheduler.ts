/**
 * Schedulers run ready actors. The fair scheduler gives each ready actor a
 * bounded number of messages per visit (`throughput`) and each turn a bounded
 * number of messages in all (`turnMax`), then yields to the event loop through
 * `Clock.defer`, so one busy actor cannot starve I/O or other actors.
 */
import type { Clock } from './clock.ts';

/** Something with messages to process: an actor cell. */
export interface Runnable {
  /** Processes at most `budget` messages; returns how many it processed. */
  run(budget: number): number;
  /** True when it has more to do right now and wants to be visited again. */
  readonly wantsMore: boolean;
}

export interface Scheduler {
  /** Marks `r` ready. Each runnable is scheduled at most once until it runs. */
  schedule(r: Runnable): void;
}

export interface FairSchedulerOptions {
  /** Messages one actor may process per visit; default 64. */
  readonly throughput?: number;
  /** Messages processed per turn before yielding to the event loop; default 20,000. */
  readonly turnMax?: number;
}

export class FairScheduler implements Scheduler {
  private queue: (Runnable | undefined)[] = [];
  private head = 0;
  private pending = false;
  private readonly throughput: number;
  private readonly turnMax: number;

  constructor(
    private readonly clock: Clock,
    options: FairSchedulerOptions = {},
  ) {
    this.throughput = options.throughput ?? 64;
    this.turnMax = options.turnMax ?? 20_000;
  }

  schedule(r: Runnable): void {
    this.queue.push(r);
    if (!this.pending) {
      this.pending = true;
      queueMicrotask(this.turn);
    }
  }

  private readonly turn = (): void => {
    let budget = this.turnMax;
    const queue = this.queue;
    while (budget > 0 && this.head < queue.length) {
      const r = queue[this.head]!;
      queue[this.head++] = undefined;
      budget -= r.run(Math.min(this.throughput, budget));
      if (r.wantsMore) queue.push(r);
      if (this.head > 4096 && this.head * 2 > queue.length) {
        queue.splice(0, this.head);
        this.head = 0;
      }
    }
    if (this.head < queue.length) {
      this.clock.defer(this.turn);
    } else {
      queue.length = 0;
      this.head = 0;
      this.pending = false;
    }
  };
}
