/**
 * In-memory presence for a single node, on an injected clock.
 *
 * Bounds: at most `usersMax` users are remembered; past it the user offline
 * the longest is forgotten (it then reads as never seen). Online users are
 * never forgotten: they are bounded by open connections, of which one user
 * holds at most `devicesMax` distinct devices. At most `subscriptionsMax`
 * (user, listener) pairs are subscribed at once; past it `subscribe` throws
 * `resource_exhausted` and subscribes nothing.
 */
import { type Clock, ErrorCode, ParleyError, quote, SmallMap } from '../../runtime/index.ts';
import type { LastSeenVisibility } from '../protocol/index.ts';
import type { Presence, PresenceListener, PresenceState } from './presence.ts';

export interface MemoryPresenceOptions {
  readonly clock: Clock;
  /** Users remembered at most (online ones always are); default 1,000,000. */
  readonly usersMax?: number;
  /** Distinct devices online at once per user; default 256. */
  readonly devicesMax?: number;
  /** (user, listener) subscriptions at most; default 1,000,000. */
  readonly subscriptionsMax?: number;
}

interface UserEntry {
  /** Open connections per device; a device is absent when it has none. */
  readonly devices: SmallMap<string, number>;
  lastSeen: number | null;
  visibility: LastSeenVisibility;
}

export class MemoryPresence implements Presence {
  private readonly clock: Clock;
  private readonly usersMax: number;
  private readonly devicesMax: number;
  private readonly subscriptionsMax: number;
  private readonly users = new Map<string, UserEntry>();
  /** Users with no open connection, the longest offline first: eviction order. */
  private readonly offline = new Set<string>();
  private readonly watchers = new Map<string, Set<PresenceListener>>();
  private subscriptions = 0;

  constructor(options: MemoryPresenceOptions) {
    this.clock = options.clock;
    this.usersMax = positive('usersMax', options.usersMax ?? 1_000_000);
    this.devicesMax = positive('devicesMax', options.devicesMax ?? 256);
    this.subscriptionsMax = positive('subscriptionsMax', options.subscriptionsMax ?? 1_000_000);
  }

  /** Users remembered now (for tests and metrics). */
  get size(): number {
    return this.users.size;
  }

  /** (user, listener) subscriptions now. */
  get subscriptionCount(): number {
    return this.subscriptions;
  }

  async connect(user: string, device: string): Promise<void> {
    const entry = this.entry(user);
    const count = entry.devices.get(device);
    if (count === undefined && entry.devices.size >= this.devicesMax)
      throw new ParleyError(
        ErrorCode.ResourceExhausted,
        `user ${quote(user)} already has ${this.devicesMax} devices online; refused ${quote(device)}`,
      );
    const wasOnline = entry.devices.size > 0;
    entry.devices.set(device, (count ?? 0) + 1);
    if (wasOnline) return;
    this.offline.delete(user);
    entry.lastSeen = this.clock.now();
    this.notify(user, entry);
  }

  async disconnect(user: string, device: string): Promise<void> {
    const entry = this.users.get(user);
    const count = entry?.devices.get(device);
    if (entry === undefined || count === undefined) return;
    if (count > 1) {
      entry.devices.set(device, count - 1);
      return;
    }
    entry.devices.delete(device);
    if (entry.devices.size > 0) return;
    entry.lastSeen = this.clock.now();
    this.offline.add(user);
    this.notify(user, entry);
  }

  async setLastSeenVisibility(user: string, visibility: LastSeenVisibility): Promise<void> {
    const entry = this.entry(user);
    if (entry.visibility === visibility) return;
    entry.visibility = visibility;
    this.notify(user, entry);
  }

  async get(users: readonly string[]): Promise<PresenceState[]> {
    return users.map((user) => view(user, this.users.get(user)));
  }

  subscribe(users: readonly string[], listener: PresenceListener): () => void {
    const fresh = [...new Set(users)];
    if (this.subscriptions + fresh.length > this.subscriptionsMax)
      throw new ParleyError(
        ErrorCode.ResourceExhausted,
        `presence holds ${this.subscriptions} subscriptions; ${fresh.length} more would pass the limit of ${this.subscriptionsMax}`,
      );
    const added: string[] = [];
    for (const user of fresh) {
      let set = this.watchers.get(user);
      if (set === undefined) this.watchers.set(user, (set = new Set()));
      if (set.has(listener)) continue;
      set.add(listener);
      added.push(user);
    }
    this.subscriptions += added.length;
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      for (const user of added) {
        const set = this.watchers.get(user);
        if (set?.delete(listener) !== true) continue;
        this.subscriptions--;
        if (set.size === 0) this.watchers.delete(user);
      }
    };
  }

  /** The entry of `user`, made (and a long-offline user forgotten, past the bound) when missing. */
  private entry(user: string): UserEntry {
    const found = this.users.get(user);
    if (found !== undefined) return found;
    if (this.users.size >= this.usersMax) {
      const oldest = this.offline.values().next();
      if (!oldest.done) {
        this.offline.delete(oldest.value);
        this.users.delete(oldest.value);
      }
    }
    const entry: UserEntry = { devices: new SmallMap(), lastSeen: null, visibility: 'everyone' };
    this.users.set(user, entry);
    this.offline.add(user);
    return entry;
  }

  private notify(user: string, entry: UserEntry): void {
    const set = this.watchers.get(user);
    if (set === undefined) return;
    const state = view(user, entry);
    for (const listener of [...set]) {
      try {
        listener(state);
      } catch {
        // A listener's failure is its own; the others still hear of the change.
      }
    }
  }
}

function view(user: string, entry: UserEntry | undefined): PresenceState {
  if (entry === undefined) return { user, online: false, lastSeen: null };
  return {
    user,
    online: entry.devices.size > 0,
    lastSeen: entry.visibility === 'nobody' ? null : entry.lastSeen,
  };
}

function positive(name: string, value: number): number {
  if (Number.isSafeInteger(value) && value > 0) return value;
  throw new ParleyError(
    ErrorCode.InvalidArgument,
    `${name} must be a positive integer, got ${quote(value)}`,
  );
}
