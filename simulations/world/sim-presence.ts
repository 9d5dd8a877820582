/**
 * Presence as the nodes of a simulated cluster see it: one shared memory
 * presence (as one Redis), seen by each node through its fence. A crashed
 * node's devices stay online until their TTL runs out (`expire`), as Redis
 * keys of a dead node do.
 */
import type { Clock } from '../../runtime/index.ts';
import type { MemoryPresence, Presence } from './deps.ts';
import type { Fence } from './fence.ts';

export const PRESENCE_TTL_MS = 30_000;

export class NodePresence implements Presence {
  private readonly devices = new Set<string>();

  constructor(
    private readonly shared: MemoryPresence,
    private readonly fence: Fence,
  ) {}

  async connect(user: string, device: string): Promise<void> {
    if (!this.fence.alive) return new Promise(() => {});
    this.devices.add(`${user}\u0000${device}`);
    return this.shared.connect(user, device);
  }

  async disconnect(user: string, device: string): Promise<void> {
    if (!this.fence.alive) return new Promise(() => {});
    this.devices.delete(`${user}\u0000${device}`);
    return this.shared.disconnect(user, device);
  }

  setLastSeenVisibility(...args: Parameters<Presence['setLastSeenVisibility']>): Promise<void> {
    return this.shared.setLastSeenVisibility(...args);
  }

  get(users: readonly string[]): ReturnType<Presence['get']> {
    return this.shared.get(users);
  }

  subscribe(users: readonly string[], listener: Parameters<Presence['subscribe']>[1]): () => void {
    return this.shared.subscribe(users, (state) => {
      if (this.fence.alive) listener(state);
    });
  }

  /** After a crash: the node's devices go offline once their TTL has run out. */
  expireAfter(clock: Clock, ms: number): void {
    const devices = [...this.devices];
    this.devices.clear();
    clock.setTimer(ms, () => {
      for (const d of devices) {
        const [user, device] = d.split('\u0000') as [string, string];
        void this.shared.disconnect(user, device);
      }
    });
  }
}
