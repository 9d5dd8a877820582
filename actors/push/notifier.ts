/**
 * The notifier: what the user actor calls when a message is stored for a
 * user with no connected device (`PushNotifier`).
 *
 * `notify` runs in the actor's turn, so it only does O(1) work in memory and
 * never throws: a user remembered without subscriptions costs one map
 * lookup; otherwise the coalescer (`coalescer.ts`) decides whether to push
 * now, and a push takes a token of the user's rate limit (`user-rate.ts`;
 * none left: dropped, counted `rate_limited`). The rest happens after the
 * turn: the subscriptions and group name are read, one payload is made per
 * subscription (`payload.ts`: previews differ per subscription) and queued
 * (`send-queue.ts`).
 *
 * A push is a nudge, never the message's only copy: the message is in the
 * inbox already, and the user reads it over the normal replay.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../../runtime/index.ts';
import { Coalescer } from './coalescer.ts';
import type { PushConfig } from './config.ts';
import type { PushCounters } from './counters.ts';
import { conversationOf, type PushEvent, type PushNotifier } from './event.ts';
import type { GroupNames } from './group-names.ts';
import { type Nudge, pushPayload } from './payload.ts';
import type { PushRegistry } from './registry.ts';
import type { SendQueue } from './send-queue.ts';
import { UserRateLimit } from './user-rate.ts';

export interface NotifierDeps {
  readonly clock: Clock;
  readonly registry: Pick<PushRegistry, 'knownEmpty' | 'list'>;
  readonly queue: Pick<SendQueue, 'offer'>;
  readonly groupNames: Pick<GroupNames, 'get'>;
  readonly counters: PushCounters;
  readonly log: Logger;
  readonly config: PushConfig;
}

export class Notifier implements PushNotifier {
  private readonly coalescer: Coalescer;
  private readonly rate: UserRateLimit;

  constructor(private readonly deps: NotifierDeps) {
    const { clock, config } = deps;
    this.coalescer = new Coalescer(clock, config.coalesceMs, config.windowsMax, (n) =>
      this.push(n),
    );
    this.rate = new UserRateLimit(config.ratePerMin);
  }

  notify(event: PushEvent): void {
    try {
      if (this.deps.registry.knownEmpty(event.user, this.deps.clock.now())) return;
      const nudge = this.coalescer.offer(event, conversationOf(event));
      if (nudge === 'full') this.deps.counters.pushDropped('windows_full');
      else if (nudge !== undefined) this.push(nudge);
    } catch (err) {
      this.deps.log.error({ err, user: event.user }, 'push notify failed');
    }
  }

  /** Stops the coalescing timers (trailing pushes are not sent). */
  close(): void {
    this.coalescer.close();
  }

  private push(nudge: Nudge): void {
    const { user } = nudge.event;
    if (!this.rate.take(user, this.deps.clock.now())) {
      this.deps.counters.pushDropped('rate_limited');
      return;
    }
    this.fanOut(nudge).catch((err: unknown) => {
      this.deps.log.warn({ err, user }, 'push not sent: could not read the subscriptions');
    });
  }

  private async fanOut(nudge: Nudge): Promise<void> {
    const { registry, groupNames, queue, config } = this.deps;
    const { event, conversation } = nudge;
    // A trailing push of a user found without subscriptions since its window opened.
    if (registry.knownEmpty(event.user, this.deps.clock.now())) return;
    const subs = await registry.list(event.user);
    if (subs.length === 0) return;
    const name = event.group === undefined ? undefined : await groupNames.get(event.group);
    const topic = topicOf(conversation);
    for (const sub of subs)
      queue.offer({
        sub,
        payload: pushPayload(nudge, sub, name, config.previewLengthMax),
        topic,
        ts: event.ts,
      });
  }
}

/** A web push `Topic` (at most 32 base64url characters) per conversation. */
export function topicOf(conversation: string): string {
  return createHash('sha256').update(conversation).digest('base64url').slice(0, 32);
}
