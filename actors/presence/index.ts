/** Presence: online state and last-seen times, in memory on one node or in Redis for a cluster. */
export { MemoryPresence, type MemoryPresenceOptions } from './memory-presence.ts';
export type { Presence, PresenceListener, PresenceState } from './presence.ts';
export {
  type ConnectionInfo,
  RedisPresence,
  type RedisPresenceOptions,
} from './redis-presence.ts';
