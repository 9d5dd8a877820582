/**
 * One seed, one run: a virtual clock, a seeded random and a deterministic
 * scheduler shared by any number of actor systems (nodes), plus `settle` and
 * `advance` to drive them.
 */
import pino, { type Logger } from 'pino';
import { type Random, seededRandom } from '../random.ts';
import type { ActorSystemOptions } from '../system.ts';
import { ActorSystem } from '../system.ts';
import { DeterministicScheduler } from './deterministic-scheduler.ts';
import { VirtualClock } from './virtual-clock.ts';

/** Lets pending promise callbacks (async handlers) run. Uses a real macrotask on purpose. */
export function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface CapturedLog {
  readonly logger: Logger;
  readonly lines: Record<string, unknown>[];
}

/** A pino logger that keeps every line (parsed) in memory. */
export function captureLogger(level = 'debug'): CapturedLog {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level },
    { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) },
  );
  return { logger, lines };
}

export class Deterministic {
  readonly clock: VirtualClock;
  readonly random: Random;
  readonly scheduler: DeterministicScheduler;
  readonly log: CapturedLog;

  constructor(
    readonly seed: number,
    options: { throughput?: number; startMs?: number } = {},
  ) {
    this.clock = new VirtualClock(options.startMs);
    this.random = seededRandom(seed);
    this.scheduler = new DeterministicScheduler(
      seededRandom(seed ^ 0x5eed),
      options.throughput ?? 1,
    );
    this.log = captureLogger();
  }

  /** An actor system on this run's clock, random, scheduler and captured log. */
  system(options: Omit<ActorSystemOptions, 'clock' | 'random' | 'scheduler'> = {}): ActorSystem {
    return new ActorSystem({
      logger: this.log.logger,
      ...options,
      clock: this.clock,
      random: this.random,
      scheduler: this.scheduler,
    });
  }

  /** Runs ready actors, deferred tasks and promise callbacks until all are quiet. Time does not move. */
  async settle(maxRounds = 100_000): Promise<void> {
    for (let round = 0; round < maxRounds; round++) {
      const steps = this.scheduler.runReady() + this.clock.runDeferred();
      await flushMicrotasks();
      if (steps === 0 && this.scheduler.readyCount === 0 && !this.clock.hasDeferred) return;
    }
    throw new Error(`settle: not quiet after ${maxRounds} rounds`);
  }

  /** Moves virtual time forward by `ms`, firing timers in order and settling after each. */
  async advance(ms: number): Promise<void> {
    const target = this.clock.now() + ms;
    await this.settle();
    for (;;) {
      const at = this.clock.nextTimerAt();
      if (at === undefined || at > target) break;
      this.clock.setNow(at);
      this.clock.fireDue();
      await this.settle();
    }
    this.clock.setNow(target);
    await this.settle();
  }
}
