/**
 * Virtual time: a `Clock` whose time moves only when told. Timers fire in
 * (due time, creation order) order; `defer`red tasks run when drained. With a
 * seeded random and the deterministic scheduler, one seed reproduces a run.
 */
import type { Clock, TimerHandle } from '../clock.ts';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

export class VirtualClock implements Clock {
  private nowMs: number;
  private seq = 0;
  /** Binary min-heap on (at, seq). */
  private heap: Timer[] = [];
  private deferred: (() => void)[] = [];

  constructor(startMs = 1_700_000_000_000) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const timer: Timer = {
      at: this.nowMs + Math.max(0, delayMs),
      seq: this.seq++,
      fn,
      cancelled: false,
    };
    this.push(timer);
    return timer as unknown as TimerHandle;
  }

  clearTimer(handle: TimerHandle): void {
    (handle as unknown as Timer).cancelled = true;
  }

  defer(fn: () => void): void {
    this.deferred.push(fn);
  }

  /** Runs deferred tasks, including those they defer, until none remain. Returns how many ran. */
  runDeferred(): number {
    let n = 0;
    while (this.deferred.length > 0) {
      const batch = this.deferred;
      this.deferred = [];
      for (const fn of batch) {
        n++;
        fn();
      }
    }
    return n;
  }

  get hasDeferred(): boolean {
    return this.deferred.length > 0;
  }

  /** Due time of the earliest pending timer. */
  nextTimerAt(): number | undefined {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
    return this.heap[0]?.at;
  }

  /** Fires every timer due at or before `now()`, in order. Returns how many fired. */
  fireDue(): number {
    let n = 0;
    for (;;) {
      const at = this.nextTimerAt();
      if (at === undefined || at > this.nowMs) return n;
      const timer = this.pop()!;
      n++;
      timer.fn();
    }
  }

  /** Moves time to `ms` (never backwards) without firing anything. */
  setNow(ms: number): void {
    if (ms > this.nowMs) this.nowMs = ms;
  }

  private push(timer: Timer): void {
    const h = this.heap;
    h.push(timer);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): Timer | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
