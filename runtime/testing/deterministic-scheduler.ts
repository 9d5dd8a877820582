/**
 * A scheduler for tests and the simulator: ready actors run one step at a
 * time, in an order drawn from a seeded `Random`, each step handling at most
 * `throughput` messages (default 1, the most interleavings). Records a trace
 * of which actor ran, so two runs with one seed can be compared.
 */
import type { Random } from '../random.ts';
import type { Runnable, Scheduler } from '../scheduler.ts';

export class DeterministicScheduler implements Scheduler {
  private ready: Runnable[] = [];
  readonly trace: string[] = [];

  constructor(
    private readonly random: Random,
    private readonly throughput = 1,
    private readonly keepTrace = true,
  ) {}

  schedule(r: Runnable): void {
    this.ready.push(r);
  }

  get readyCount(): number {
    return this.ready.length;
  }

  /** Runs one ready actor for one step; false when none is ready. */
  step(): boolean {
    const n = this.ready.length;
    if (n === 0) return false;
    const i = this.random.int(n);
    const r = this.ready[i]!;
    this.ready[i] = this.ready[n - 1]!;
    this.ready.pop();
    if (this.keepTrace) this.trace.push(String((r as { ref?: unknown }).ref ?? '?'));
    r.run(this.throughput);
    if (r.wantsMore) this.ready.push(r);
    return true;
  }

  /** Steps until no actor is ready. Returns the number of steps. */
  runReady(maxSteps = 10_000_000): number {
    let n = 0;
    while (this.step()) {
      if (++n >= maxSteps)
        throw new Error(
          `deterministic scheduler: still busy after ${maxSteps} steps (a livelock?)`,
        );
    }
    return n;
  }
}
