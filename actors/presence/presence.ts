/**
 * Presence: who is online, and when each user was last seen.
 *
 * One interface, so a single node keeps it in memory (`memory-presence.ts`)
 * and a cluster can back it with Redis. Every implementation passes the same
 * contract suite (`presence-contract.ts`).
 *
 * Semantics (the contract suite checks each):
 * - A user is online while at least one connection of theirs is open.
 *   `connect`/`disconnect` count connections per (user, device), so a device
 *   that briefly holds two sessions (a reconnect replacing a stale one) stays
 *   online until both are gone. Every `connect` must be matched by exactly one
 *   `disconnect`; an unmatched `disconnect` is ignored.
 * - `lastSeen` is the time of the user's latest online/offline transition
 *   (coming online, or the last connection closing), read from the injected
 *   clock. It is `null` when the user has never been seen, or when the user
 *   chose `lastSeen: "nobody"`. `online` is shown either way.
 * - Listeners are called once per change of a subscribed user: going online,
 *   going offline, and a change of last-seen visibility. A connection that
 *   does not change `online` is not a change. A listener that throws does not
 *   stop the others.
 *
 * Methods that may need I/O return promises; `subscribe` is synchronous so a
 * caller can subscribe before it reads and miss nothing.
 */
import type { LastSeenVisibility } from '../protocol/index.ts';

export interface PresenceState {
  readonly user: string;
  readonly online: boolean;
  /** Ms since the epoch; `null` when hidden by the user's setting or never seen. */
  readonly lastSeen: number | null;
}

export type PresenceListener = (state: PresenceState) => void;

export interface Presence {
  /** A connection of `user` on `device` opened. */
  connect(user: string, device: string): Promise<void>;
  /** A connection of `user` on `device` closed; the user goes offline with its last one. */
  disconnect(user: string, device: string): Promise<void>;
  /** Who may see `user`'s last-seen time; `everyone` until set. */
  setLastSeenVisibility(user: string, visibility: LastSeenVisibility): Promise<void>;
  /** The state of each of `users`, in the same order (never seen: offline, `lastSeen: null`). */
  get(users: readonly string[]): Promise<PresenceState[]>;
  /** Calls `listener` on each change of one of `users` until the returned function is called. */
  subscribe(users: readonly string[], listener: PresenceListener): () => void;
}
