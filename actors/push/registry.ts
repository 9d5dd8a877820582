/**
 * The node's registry of push subscriptions: subscribe and unsubscribe (from
 * the edge's frames and HTTP routes), and the lookups of the notifier, over
 * the Store (so every node of a cluster sees every subscription).
 *
 * - A subscription's id is derived from what it reaches (`kind` and endpoint
 *   or token), so registering the same endpoint again replaces its record
 *   (new keys, new `previews`) instead of adding one.
 * - At most `subscriptionsPerUserMax` per user: a new one past it replaces
 *   the oldest.
 * - Web push endpoints must be `https:` URLs (`http:` only with `allowHttp`):
 *   the node POSTs to whatever URL a client registers. A webhook subscription
 *   is refused when the node has no webhook relay configured.
 * - Users found without subscriptions are remembered for `emptyCacheMs`, so
 *   a message to them costs one map lookup; a subscribe on this node forgets
 *   that at once, one on another node within `emptyCacheMs`.
 */
import { createHash } from 'node:crypto';
import { type Clock, ErrorCode, ParleyError, quote } from '../../runtime/index.ts';
import type { PushSubscriptionRecord, Store } from '../../store/index.ts';
import type { PushTarget, PushUnsubscribeBy } from '../protocol/index.ts';

export interface RegistryOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly subscriptionsPerUserMax: number;
  readonly emptyCacheMs: number;
  readonly allowHttp: boolean;
  /** Whether webhook (native) subscriptions can be served. */
  readonly webhook: boolean;
  /** Users remembered as having none, at most. */
  readonly emptyCacheMax?: number;
}

/** A subscription the node will not keep; the edge answers it `bad_frame` / 400. */
export class PushRefusal extends ParleyError {
  override readonly name = 'PushRefusal';
  constructor(message: string) {
    super(ErrorCode.InvalidArgument, message);
  }
}

export class PushRegistry {
  /** User -> until when it is known to have no subscriptions (clock ms). */
  private readonly empty = new Map<string, number>();
  private readonly emptyMax: number;

  constructor(private readonly options: RegistryOptions) {
    this.emptyMax = options.emptyCacheMax ?? 100_000;
  }

  /** Keeps `target` for `user`; resolves with its id. Rejects `PushRefusal` for a target this node will not serve. */
  async subscribe(user: string, target: PushTarget, previews: boolean): Promise<string> {
    const { store, clock, subscriptionsPerUserMax } = this.options;
    const record = this.recordOf(user, target, previews, clock.now());
    await store.putPushSubscription(record);
    this.empty.delete(user);
    const all = await store.listPushSubscriptions(user);
    const others = all.filter((s) => s.id !== record.id);
    for (const old of others.slice(0, Math.max(0, all.length - subscriptionsPerUserMax)))
      await store.deletePushSubscription(user, old.id);
    return record.id;
  }

  async unsubscribe(user: string, by: PushUnsubscribeBy): Promise<void> {
    const id =
      'id' in by
        ? by.id
        : 'endpoint' in by
          ? subscriptionId('webpush', by.endpoint)
          : subscriptionId('webhook', by.token);
    await this.options.store.deletePushSubscription(user, id);
  }

  /** True when `user` was found without subscriptions lately: nothing to look up. */
  knownEmpty(user: string, nowMs: number): boolean {
    const until = this.empty.get(user);
    if (until === undefined) return false;
    if (until > nowMs) return true;
    this.empty.delete(user);
    return false;
  }

  /** `user`'s subscriptions; remembers a user that has none. */
  async list(user: string): Promise<PushSubscriptionRecord[]> {
    const subs = await this.options.store.listPushSubscriptions(user);
    if (subs.length === 0) {
      if (this.empty.size >= this.emptyMax) this.empty.delete(this.empty.keys().next().value!);
      this.empty.set(user, this.options.clock.now() + this.options.emptyCacheMs);
    }
    return subs;
  }

  /** Deletes a subscription its push service called gone. */
  remove(user: string, id: string): Promise<void> {
    return this.options.store.deletePushSubscription(user, id);
  }

  private recordOf(
    user: string,
    target: PushTarget,
    previews: boolean,
    ts: number,
  ): PushSubscriptionRecord {
    if (target.kind === 'webhook') {
      if (!this.options.webhook)
        throw new PushRefusal(
          'this node has no webhook relay for native push (set PARLEY_PUSH_WEBHOOK_URL and PARLEY_PUSH_WEBHOOK_SECRET); subscribe with a web push subscription instead',
        );
      return {
        id: subscriptionId('webhook', target.token),
        user,
        kind: 'webhook',
        target: target.token,
        platform: target.platform,
        previews,
        ts,
      };
    }
    const protocol = new URL(target.endpoint).protocol;
    if (protocol !== 'https:' && !(protocol === 'http:' && this.options.allowHttp))
      throw new PushRefusal(
        `subscription.endpoint must be an https: URL, got ${quote(target.endpoint)}${protocol === 'http:' ? ' (http: is accepted only with PARLEY_PUSH_ALLOW_HTTP=1)' : ''}`,
      );
    return {
      id: subscriptionId('webpush', target.endpoint),
      user,
      kind: 'webpush',
      target: target.endpoint,
      p256dh: target.keys.p256dh,
      auth: target.keys.auth,
      previews,
      ts,
    };
  }
}

/** The id of the subscription reaching `target`: 22 base64url characters of its SHA-256. */
export function subscriptionId(kind: string, target: string): string {
  return createHash('sha256').update(`${kind}\n${target}`).digest('base64url').slice(0, 22);
}
