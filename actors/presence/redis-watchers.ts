/**
 * The listening half of `RedisPresence`: local listeners per user, fed by a
 * Redis connection in subscriber mode (one channel per watched user, so a
 * node hears only the users its clients watch).
 *
 * Guarantees:
 * - A channel is subscribed while the user has at least one local listener,
 *   and resubscribed on every reconnect of the subscriber connection
 *   (`autoResubscribe` is off: a `SUBSCRIBE` refused while Redis was down
 *   would otherwise be forgotten).
 * - `pending` is a promise that settles once every `SUBSCRIBE` issued so far
 *   has been answered (or failed); the command side waits for it before it
 *   writes, so a change made after `subscribe` returned is always heard.
 * - After a reconnect, `resync` re-reads every watched user and tells the
 *   listeners of each user whose state differs from the last change they
 *   heard (changes published while the connection was down are lost by
 *   Redis pub/sub; a user never heard of before is not reported).
 * - At most `subscriptionsMax` (user, listener) pairs; past it `watch` throws
 *   `resource_exhausted` and adds none.
 */
import type { Redis } from 'ioredis';
import { ErrorCode, ParleyError } from '../../runtime/index.ts';
import type { PresenceListener, PresenceState } from './presence.ts';
import type { PresenceKeys, RawState } from './redis-scripts.ts';

/** Reads the raw state of users (for `resync`). */
export type ReadRaw = (users: readonly string[]) => Promise<RawState[]>;

export class RedisWatchers {
  private readonly watchers = new Map<string, Set<PresenceListener>>();
  /** Per watched user, the last change message its listeners heard. */
  private readonly heard = new Map<string, string>();
  private subscriptions = 0;
  private barrier: Promise<void> | undefined;

  constructor(
    private readonly sub: Redis,
    private readonly keys: PresenceKeys,
    private readonly subscriptionsMax: number,
    private readonly readRaw: ReadRaw,
  ) {
    sub.on('message', (channel: string, message: string) => this.onMessage(channel, message));
  }

  /** Settles once every subscribe issued so far was answered; undefined when none is in flight. */
  get pending(): Promise<void> | undefined {
    return this.barrier;
  }

  /** (user, listener) pairs now. */
  get count(): number {
    return this.subscriptions;
  }

  watch(users: readonly string[], listener: PresenceListener): () => void {
    const fresh = [...new Set(users)];
    if (this.subscriptions + fresh.length > this.subscriptionsMax)
      throw new ParleyError(
        ErrorCode.ResourceExhausted,
        `presence holds ${this.subscriptions} subscriptions; ${fresh.length} more would pass the limit of ${this.subscriptionsMax}`,
      );
    const added: string[] = [];
    const channels: string[] = [];
    for (const user of fresh) {
      let set = this.watchers.get(user);
      if (set === undefined) {
        this.watchers.set(user, (set = new Set()));
        channels.push(this.keys.channel(user));
      }
      if (set.has(listener)) continue;
      set.add(listener);
      added.push(user);
    }
    this.subscriptions += added.length;
    if (channels.length > 0) this.hold(this.sub.subscribe(...channels));
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      this.unwatch(added, listener);
    };
  }

  /** Subscribes every watched channel again (after a reconnect), then resyncs. */
  async resubscribe(): Promise<void> {
    const users = [...this.watchers.keys()];
    for (let i = 0; i < users.length; i += 1000) {
      const batch = users.slice(i, i + 1000).map(this.keys.channel);
      const done = this.sub.subscribe(...batch);
      this.hold(done);
      await done;
    }
    await this.resync(users);
  }

  private async resync(users: readonly string[]): Promise<void> {
    const known = users.filter((u) => this.heard.has(u));
    for (let i = 0; i < known.length; i += 1000) {
      const batch = known.slice(i, i + 1000);
      const states = await this.readRaw(batch);
      batch.forEach((user, j) => {
        const [live, seen, vis] = states[j]!;
        const message = `${live > 0 ? 1 : 0} ${seen} ${vis}`;
        if (this.heard.has(user) && this.heard.get(user) !== message) this.deliver(user, message);
      });
    }
  }

  private unwatch(users: readonly string[], listener: PresenceListener): void {
    const gone: string[] = [];
    for (const user of users) {
      const set = this.watchers.get(user);
      if (set?.delete(listener) !== true) continue;
      this.subscriptions--;
      if (set.size > 0) continue;
      this.watchers.delete(user);
      this.heard.delete(user);
      gone.push(this.keys.channel(user));
    }
    if (gone.length > 0) this.sub.unsubscribe(...gone).catch(() => {});
  }

  private onMessage(channel: string, message: string): void {
    const user = this.keys.userOf(channel);
    if (user === undefined || !this.watchers.has(user)) return;
    this.deliver(user, message);
  }

  private deliver(user: string, message: string): void {
    this.heard.set(user, message);
    const set = this.watchers.get(user);
    if (set === undefined) return;
    const state = parseChange(user, message);
    for (const listener of [...set]) {
      try {
        listener(state);
      } catch {
        // A listener's failure is its own; the others still hear of the change.
      }
    }
  }

  /** Adds `p` to the barrier; a failed subscribe is resubscribed on reconnect, so it only unblocks. */
  private hold(p: Promise<unknown>): void {
    const next: Promise<void> = Promise.all([this.barrier, p.catch(() => {})]).then(() => {
      if (this.barrier === next) this.barrier = undefined;
    });
    this.barrier = next;
  }
}

/** The state a change message (`"<0|1> <seen> <vis>"`) describes. */
export function parseChange(user: string, message: string): PresenceState {
  const [online, seen, vis] = message.split(' ');
  return stateOf(user, online === '1', seen ?? '', vis ?? 'everyone');
}

export function stateOf(user: string, online: boolean, seen: string, vis: string): PresenceState {
  const lastSeen = vis === 'nobody' || seen === '' ? null : Number(seen);
  return { user, online, lastSeen };
}
