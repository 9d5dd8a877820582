/**
 * What makes a simulated crash a crash: everything a node's process owns
 * (timers, deferred tasks, ready actors, replies from the store and
 * presence, its NATS connection) goes through its `Fence`, and a crashed
 * fence lets nothing through again. Its memory is simply dropped; the
 * store keeps what reached it (a write in flight when the node died still
 * lands: the indeterminate case the store contract warns about).
 */
import type { Clock, Random, Runnable, Scheduler, TimerHandle } from '../../runtime/index.ts';
import type { VirtualClock } from '../../runtime/testing/index.ts';

export class Fence {
  alive = true;
  constructor(readonly node: string) {}
}

/** The node's view of the run's virtual clock: its timers and deferred tasks die with it. */
export function fencedClock(clock: VirtualClock, fence: Fence): Clock {
  return {
    now: () => clock.now(),
    setTimer(delayMs: number, fn: () => void): TimerHandle {
      return clock.setTimer(delayMs, () => {
        if (fence.alive) fn();
      });
    },
    clearTimer: (handle) => clock.clearTimer(handle),
    defer(fn: () => void): void {
      clock.defer(() => {
        if (fence.alive) fn();
      });
    },
  };
}

/**
 * One seeded scheduler for every node of the run: each step runs one ready
 * actor, picked by the seeded random among all nodes' ready actors, for at
 * most `throughput` messages. A crashed node's actors are dropped.
 */
export class SimScheduler {
  private ready: Runnable[] = [];
  private owners: Fence[] = [];
  steps = 0;

  constructor(
    private readonly random: Random,
    private readonly throughput: number,
  ) {}

  /** The scheduler a node's actor system uses. */
  forNode(fence: Fence): Scheduler {
    return {
      schedule: (r: Runnable) => {
        if (!fence.alive) return;
        this.ready.push(r);
        this.owners.push(fence);
      },
    };
  }

  get readyCount(): number {
    return this.ready.length;
  }

  /** Runs ready actors until none is ready. Returns how many steps ran. */
  runReady(): number {
    let n = 0;
    const ready = this.ready;
    const owners = this.owners;
    while (ready.length > 0) {
      const last = ready.length - 1;
      const i = last === 0 ? 0 : this.random.int(ready.length);
      const r = ready[i]!;
      const owner = owners[i]!;
      ready[i] = ready[last]!;
      owners[i] = owners[last]!;
      ready.pop();
      owners.pop();
      if (!owner.alive) continue;
      n++;
      r.run(this.throughput);
      if (r.wantsMore && owner.alive) {
        ready.push(r);
        owners.push(owner);
      }
    }
    this.steps += n;
    return n;
  }
}
