/** Presence: online state and last-seen times, in memory on one node (Redis later). */
export { MemoryPresence, type MemoryPresenceOptions } from './memory-presence.ts';
export type { Presence, PresenceListener, PresenceState } from './presence.ts';
