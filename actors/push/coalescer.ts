/**
 * Coalescing: at most one push per (user, conversation) per window.
 *
 * The first message of a quiet conversation pushes at once and opens a
 * window of `windowMs`; messages inside it are counted, and at its end, if
 * any came, one trailing push stands for them (the newest message, `count`
 * of them) and a new window opens; a window that ends with none closes. So a
 * steady stream gives one push per window, and none is ever lost, only
 * merged. At most `windowsMax` windows are open: past it `offer` answers
 * `'full'` (the caller drops and counts).
 */
import type { Clock, TimerHandle } from '../../runtime/index.ts';
import type { PushEvent } from './event.ts';
import type { Nudge } from './payload.ts';

interface Window {
  last: PushEvent;
  /** Messages since the window opened, after the one that opened it. */
  count: number;
  timer: TimerHandle;
}

export class Coalescer {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly clock: Clock,
    private readonly windowMs: number,
    private readonly windowsMax: number,
    /** Called with each trailing push, from a timer. */
    private readonly onTrailing: (nudge: Nudge) => void,
  ) {}

  /** The push to send now, `undefined` when merged into an open window, `'full'` when no window can open. */
  offer(event: PushEvent, conversation: string): Nudge | undefined | 'full' {
    if (this.windowMs === 0) return { event, conversation, count: 1 };
    const key = `${event.user}\n${conversation}`;
    const open = this.windows.get(key);
    if (open !== undefined) {
      open.last = event;
      open.count++;
      return undefined;
    }
    if (this.windows.size >= this.windowsMax) return 'full';
    const timer = this.clock.setTimer(this.windowMs, () => this.end(key, conversation));
    this.windows.set(key, { last: event, count: 0, timer });
    return { event, conversation, count: 1 };
  }

  /** Open windows (for tests and bounds). */
  get size(): number {
    return this.windows.size;
  }

  /** Cancels every window: no trailing push is sent. */
  close(): void {
    for (const w of this.windows.values()) this.clock.clearTimer(w.timer);
    this.windows.clear();
  }

  private end(key: string, conversation: string): void {
    const w = this.windows.get(key);
    if (w === undefined) return;
    if (w.count === 0) {
      this.windows.delete(key);
      return;
    }
    const nudge: Nudge = { event: w.last, conversation, count: w.count };
    w.count = 0;
    w.timer = this.clock.setTimer(this.windowMs, () => this.end(key, conversation));
    this.onTrailing(nudge);
  }
}
