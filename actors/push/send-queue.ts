/**
 * The bounded queue of sends: at most `concurrency` in flight, at most
 * `queueMax` waiting (queued, in flight or between retries; past it a new
 * send is dropped and counted `queue_full`).
 *
 * Each outcome (`sender.ts`): sent is counted; gone deletes the subscription;
 * retry waits `backoff` (exponential from `backoffBaseMs`, capped at
 * `backoffMaxMs`, half of it random; or the service's `Retry-After` when
 * longer) and goes again, up to `webPushAttempts` / `webhookAttempts`
 * attempts; out of attempts, or refused, it is counted failed, and a webhook
 * send becomes a dead letter. Nothing here throws to its caller.
 */
import type { Logger } from 'pino';
import type { Clock, Random, TimerHandle } from '../../runtime/index.ts';
import type { PushKind } from '../../store/index.ts';
import type { PushConfig } from './config.ts';
import type { PushCounters } from './counters.ts';
import type { PushSender, SendOutcome, SendRequest } from './sender.ts';

export interface SendQueueDeps {
  readonly clock: Clock;
  readonly random: Random;
  readonly senders: Partial<Record<PushKind, PushSender>>;
  /** Deletes a subscription its service called gone. */
  readonly remove: (user: string, id: string) => Promise<void>;
  readonly counters: PushCounters;
  readonly log: Logger;
  readonly config: PushConfig;
}

interface Job extends SendRequest {
  attempt: number;
}

export class SendQueue {
  private readonly queued: Job[] = [];
  private running = 0;
  private readonly delayed = new Set<TimerHandle>();
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly deps: SendQueueDeps) {}

  /** Queues a send; false (counted `queue_full`) when the queue is full or closed. */
  offer(request: SendRequest): boolean {
    if (this.closed || this.size >= this.deps.config.queueMax) {
      this.deps.counters.pushDropped('queue_full');
      return false;
    }
    this.queued.push({ ...request, attempt: 1 });
    this.pump();
    return true;
  }

  /** Sends queued, in flight or waiting to retry. */
  get size(): number {
    return this.queued.length + this.running + this.delayed.size;
  }

  /** Resolves once nothing is queued, in flight or waiting to retry. */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops what waits and cancels retries; sends in flight finish on their own. */
  close(): void {
    this.closed = true;
    this.queued.length = 0;
    for (const t of this.delayed) this.deps.clock.clearTimer(t);
    this.delayed.clear();
    this.checkIdle();
  }

  private pump(): void {
    while (this.running < this.deps.config.concurrency && this.queued.length > 0) {
      const job = this.queued.shift()!;
      this.running++;
      void this.run(job);
    }
    this.checkIdle();
  }

  private async run(job: Job): Promise<void> {
    const sender = this.deps.senders[job.sub.kind];
    let outcome: SendOutcome;
    if (sender === undefined)
      outcome = { status: 'rejected', reason: `no ${job.sub.kind} sender on this node` };
    else {
      try {
        outcome = await sender.send(job);
      } catch (err) {
        outcome = { status: 'retry', reason: err instanceof Error ? err.message : 'error' };
      }
    }
    this.running--;
    this.settle(job, outcome);
    this.pump();
  }

  private settle(job: Job, outcome: SendOutcome): void {
    const { counters, log, config } = this.deps;
    const { kind, user, id } = job.sub;
    switch (outcome.status) {
      case 'sent':
        counters.pushSent(kind);
        return;
      case 'gone':
        counters.pushExpired(kind);
        this.deps.remove(user, id).catch((err: unknown) => {
          log.warn({ err, user, subscription: id }, 'could not delete a gone push subscription');
        });
        return;
      case 'retry': {
        const attempts = kind === 'webhook' ? config.webhookAttempts : config.webPushAttempts;
        if (job.attempt < attempts && !this.closed) {
          const delayMs = Math.max(this.backoff(job.attempt), outcome.retryAfterMs ?? 0);
          const timer = this.deps.clock.setTimer(Math.min(delayMs, config.backoffMaxMs), () => {
            this.delayed.delete(timer);
            job.attempt++;
            this.queued.push(job);
            this.pump();
          });
          this.delayed.add(timer);
          return;
        }
        this.fail(job, 'exhausted', outcome.reason);
        return;
      }
      case 'rejected':
        this.fail(job, 'rejected', outcome.reason);
        return;
    }
  }

  private fail(job: Job, reason: 'exhausted' | 'rejected', detail: string): void {
    const { kind, user, id } = job.sub;
    this.deps.counters.pushFailed(kind, reason);
    if (kind === 'webhook') this.deps.counters.pushDeadLetter();
    this.deps.log.warn(
      { user, subscription: id, kind, attempts: job.attempt, reason: detail },
      kind === 'webhook' ? 'push webhook dead letter' : 'web push given up',
    );
  }

  /** Before attempt `attempt + 1`: base * 2^(attempt-1), capped, the upper half random. */
  private backoff(attempt: number): number {
    const { backoffBaseMs, backoffMaxMs } = this.deps.config;
    const full = Math.min(backoffMaxMs, backoffBaseMs * 2 ** (attempt - 1));
    return full / 2 + this.deps.random.next() * (full / 2);
  }

  private checkIdle(): void {
    if (this.size !== 0 || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
