/**
 * Push notifications on one node, composed: the registry (subscriptions in
 * the Store), the senders (web push with the node's VAPID keys; the webhook
 * relay when configured), the send queue and the notifier the user actors
 * call. Pure composition over what it is given (store, clock, random, keys);
 * loading the keys from disk is `loadVapidKeys`'s, outside.
 */
import type { Logger } from 'pino';
import type { Clock, Random } from '../../runtime/index.ts';
import type { PushKind, Store } from '../../store/index.ts';
import { checkPushConfig, type PushConfig } from './config.ts';
import { noPushCounters, type PushCounters } from './counters.ts';
import { GroupNames } from './group-names.ts';
import { Notifier } from './notifier.ts';
import { PushRegistry } from './registry.ts';
import { SendQueue } from './send-queue.ts';
import type { Fetch, PushSender } from './sender.ts';
import type { VapidKeys } from './vapid.ts';
import { webPushSender } from './web-push-sender.ts';
import { webhookSender } from './webhook-sender.ts';

export interface WebhookSettings {
  readonly url: string;
  readonly secret: string;
}

export interface PushServiceOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly random: Random;
  readonly log: Logger;
  readonly vapid: VapidKeys;
  readonly webhook?: WebhookSettings;
  readonly config?: Partial<PushConfig>;
  readonly counters?: PushCounters;
  /** The HTTP client of the senders; default the global `fetch`. */
  readonly fetch?: Fetch;
}

export interface PushService {
  readonly registry: PushRegistry;
  readonly notifier: Notifier;
  /** The `applicationServerKey` browsers subscribe with (base64url). */
  readonly vapidPublicKey: string;
  readonly config: PushConfig;
  /** Resolves once no send is queued, in flight or waiting to retry. */
  idle(): Promise<void>;
  /** Cancels coalescing windows and retries. */
  close(): void;
}

export function createPushService(options: PushServiceOptions): PushService {
  const { store, clock, random, vapid } = options;
  const config = checkPushConfig(options.config);
  const log = options.log.child({ component: 'push' });
  const counters = options.counters ?? noPushCounters;
  const registry = new PushRegistry({
    store,
    clock,
    subscriptionsPerUserMax: config.subscriptionsPerUserMax,
    emptyCacheMs: config.emptyCacheMs,
    allowHttp: config.allowHttp,
    webhook: options.webhook !== undefined,
  });
  const common = {
    requestTimeoutMs: config.requestTimeoutMs,
    ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
  };
  const senders: Partial<Record<PushKind, PushSender>> = {
    webpush: webPushSender({ vapid, ttlSeconds: config.ttlSeconds, ...common }),
    ...(options.webhook !== undefined
      ? { webhook: webhookSender({ ...options.webhook, clock, ...common }) }
      : {}),
  };
  const queue = new SendQueue({
    clock,
    random,
    senders,
    remove: (user, id) => registry.remove(user, id),
    counters,
    log,
    config,
  });
  const notifier = new Notifier({
    clock,
    registry,
    queue,
    groupNames: new GroupNames(store, clock),
    counters,
    log,
    config,
  });
  return {
    registry,
    notifier,
    vapidPublicKey: vapid.publicKey,
    config,
    idle: () => queue.idle(),
    close() {
      notifier.close();
      queue.close();
    },
  };
}
