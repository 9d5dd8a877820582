/**
 * The Redis side of `RedisPresence`: its key layout and the Lua scripts that
 * change presence atomically, so that of several nodes racing on one user
 * exactly one sees (and publishes) each online/offline transition.
 *
 * Keys, for `prefix` `P` (default `parley:presence:`):
 * - `P c:{user}`: sorted set of the user's connections, member
 *   `JSON.stringify([node, device])`, score = the time (ms, the writing node's
 *   clock) until which the connection counts as live. A connection is live
 *   while `now < score`; the user is online while one is live.
 * - `P u:{user}`: hash with `seen` (ms of the latest online/offline
 *   transition) and `vis` (last-seen setting; absent = `everyone`). Never
 *   expires: a user's privacy setting must not lapse.
 * - `P deadlines`: sorted set of users scored by the latest expiry ever written
 *   for them; a user whose deadline passed may have gone offline unnoticed (its
 *   node died), and the sweep settles it. Scores only grow (`ZADD GT`) while
 *   the user has connections, so every connection's score is at most its
 *   user's deadline.
 * - channel `P ch:{user}`: one message per change, `"<online 0|1> <seen> <vis>"`
 *   (`seen` empty when never seen).
 *
 * Invariant kept by every script: before it decides whether the user was
 * online, it *settles* the user: removes expired connections, and if that
 * left none, records the offline transition at the last one's expiry and
 * publishes it. So a dead node's users go offline exactly once, whichever
 * node (sweep, read, connect) notices first.
 */
import type { ChainableCommander, Redis } from 'ioredis';

export const DEFAULT_KEY_PREFIX = 'parley:presence:';

export interface PresenceKeys {
  readonly conns: (user: string) => string;
  readonly info: (user: string) => string;
  readonly channel: (user: string) => string;
  readonly deadlines: string;
  /** The user a change channel belongs to, or undefined when it is not one of ours. */
  readonly userOf: (channel: string) => string | undefined;
}

export function presenceKeys(prefix: string): PresenceKeys {
  const ch = `${prefix}ch:`;
  return {
    conns: (user) => `${prefix}c:${user}`,
    info: (user) => `${prefix}u:${user}`,
    channel: (user) => `${ch}${user}`,
    deadlines: `${prefix}deadlines`,
    userOf: (channel) => (channel.startsWith(ch) ? channel.slice(ch.length) : undefined),
  };
}

/** A connection's member in `c:{user}`. */
export function connectionMember(node: string, device: string): string {
  return JSON.stringify([node, device]);
}

/** KEYS: conns, info, deadlines. ARGV: now, user, channel, ... */
const PRELUDE = `
local conns, info, deadlines = KEYS[1], KEYS[2], KEYS[3]
local now = tonumber(ARGV[1])
local user, channel = ARGV[2], ARGV[3]
local function publish(online)
  local seen = redis.call('HGET', info, 'seen') or ''
  local vis = redis.call('HGET', info, 'vis') or 'everyone'
  redis.call('PUBLISH', channel, online .. ' ' .. seen .. ' ' .. vis)
end
local function settle()
  local before = redis.call('ZCARD', conns)
  if before == 0 then
    redis.call('ZREM', deadlines, user)
    return 0
  end
  local expired = redis.call('ZRANGEBYSCORE', conns, '-inf', now, 'WITHSCORES')
  local live = before - #expired / 2
  if #expired > 0 then
    redis.call('ZREMRANGEBYSCORE', conns, '-inf', now)
  end
  if live == 0 then
    redis.call('ZREM', deadlines, user)
    local last = tonumber(expired[#expired])
    local seen = tonumber(redis.call('HGET', info, 'seen') or '0')
    if last > seen then redis.call('HSET', info, 'seen', string.format('%d', last)) end
    publish('0')
  end
  return live
end
`;

/** ARGV[4] = member, ARGV[5] = expiry. Returns 1 when the user came online. */
const CONNECT = `${PRELUDE}
local live = settle()
redis.call('ZADD', conns, ARGV[5], ARGV[4])
redis.call('ZADD', deadlines, 'GT', ARGV[5], user)
if live == 0 then
  redis.call('HSET', info, 'seen', ARGV[1])
  publish('1')
  return 1
end
return 0
`;

/** ARGV[4] = member. Returns 1 when the user went offline. */
const DISCONNECT = `${PRELUDE}
settle()
if redis.call('ZREM', conns, ARGV[4]) == 0 then return 0 end
if redis.call('ZCOUNT', conns, '(' .. ARGV[1], '+inf') > 0 then return 0 end
redis.call('DEL', conns)
redis.call('ZREM', deadlines, user)
redis.call('HSET', info, 'seen', ARGV[1])
publish('0')
return 1
`;

/** ARGV[4] = expiry, ARGV[5..] = this node's members of the user. Re-adds any that vanished. */
const REFRESH = `${PRELUDE}
local live = settle()
for i = 5, #ARGV do redis.call('ZADD', conns, ARGV[4], ARGV[i]) end
redis.call('ZADD', deadlines, 'GT', ARGV[4], user)
if live == 0 then
  redis.call('HSET', info, 'seen', ARGV[1])
  publish('1')
  return 1
end
return 0
`;

/** ARGV[4] = visibility. Publishes when it changed. */
const VISIBILITY = `${PRELUDE}
local old = redis.call('HGET', info, 'vis') or 'everyone'
if old == ARGV[4] then return 0 end
redis.call('HSET', info, 'vis', ARGV[4])
if settle() > 0 then publish('1') else publish('0') end
return 1
`;

/** Settles the user and returns {live connections, seen, vis}. */
const READ = `${PRELUDE}
local live = settle()
return {live, redis.call('HGET', info, 'seen') or '', redis.call('HGET', info, 'vis') or 'everyone'}
`;

/** The raw state `READ` returns: live connection count, `seen` ('' = never), visibility. */
export type RawState = [live: number, seen: string, vis: string];

type Invoke<R> = (k1: string, k2: string, k3: string, ...argv: (string | number)[]) => Promise<R>;
type Queue = (k1: string, k2: string, k3: string, ...argv: (string | number)[]) => unknown;

interface ScriptCommands {
  parleyPresenceConnect: Invoke<number>;
  parleyPresenceDisconnect: Invoke<number>;
  parleyPresenceVisibility: Invoke<number>;
}

interface ScriptPipeline {
  parleyPresenceRefresh: Queue;
  parleyPresenceRead: Queue;
}

const SCRIPTS = {
  parleyPresenceConnect: CONNECT,
  parleyPresenceDisconnect: DISCONNECT,
  parleyPresenceRefresh: REFRESH,
  parleyPresenceVisibility: VISIBILITY,
  parleyPresenceRead: READ,
} as const;

/** Defines the scripts on `redis` (EVALSHA, reloaded after a Redis restart) and returns typed callers. */
export function defineScripts(redis: Redis) {
  for (const [name, lua] of Object.entries(SCRIPTS)) {
    if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: 3, lua });
  }
  const commands = redis as unknown as ScriptCommands;
  return {
    commands,
    /** The scripts a pipeline of `redis` can queue. */
    pipeline: (p: ChainableCommander) => p as unknown as ScriptPipeline,
  };
}
