/**
 * The settings of one node, read from the environment: the single node on
 * the embedded defaults, or a cluster member when `PARLEY_NATS_URL`,
 * `PARLEY_REDIS_URL` and `PARLEY_CASSANDRA` are all set.
 *
 * Pure: takes the environment, returns the settings or a `ConfigError`
 * whose message is the one line the operator sees (exit code 2). Each
 * setting is checked here, at the boundary; the composition trusts it.
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | `HOST` | `127.0.0.1` | bind address of HTTP/WebSocket |
 * | `PORT` | `8080` | HTTP/WebSocket port (0: any free port) |
 * | `PARLEY_MQTT_PORT` | unset: no MQTT | MQTT listener port on `HOST` (0: any free port); docs/mqtt.md |
 * | `PARLEY_DATA_DIR` | `./data` | LMDB and media (single node); media (cluster) |
 * | `PARLEY_JWT_SECRET` | random (single node only) | HS256 secret; required and shared in a cluster |
 * | `PARLEY_DEV_TOKENS` | on when bound to loopback | serve `POST /api/v1/dev/tokens` |
 * | `PARLEY_NODE_ID` | `local` / `node-<PORT>` | node name, unique in the cluster |
 * | `PARLEY_ADMIN_HOST` | `127.0.0.1` | bind address of the gRPC admin API |
 * | `PARLEY_ADMIN_PORT` | `7070` | gRPC admin port (0: any free port) |
 * | `PARLEY_NATS_URL` | | NATS server(s), comma-separated `nats://host:port` |
 * | `PARLEY_REDIS_URL` | | Redis, `redis://host:port` |
 * | `PARLEY_CASSANDRA` | | Cassandra/ScyllaDB contact points, comma-separated `host:port` |
 * | `PARLEY_CASSANDRA_DC` | `datacenter1` | local data center |
 * | `PARLEY_CASSANDRA_KEYSPACE` | `parley` | keyspace (created and migrated on start) |
 * | `PARLEY_DOWN_AFTER_MS` | `2000` | a node silent this long is down |
 *
 * Push notifications (`bin/push-env.ts`, `docs/push.md`):
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | `PARLEY_PUSH` | `1` | `0`: no push notifications at all |
 * | `PARLEY_VAPID_PUBLIC_KEY` / `PARLEY_VAPID_PRIVATE_KEY` | `<PARLEY_DATA_DIR>/vapid.json` (made once) | VAPID key pair (base64url), both or neither; the same on every node of a cluster |
 * | `PARLEY_VAPID_SUBJECT` | `mailto:parley@localhost` | contact sent to push services |
 * | `PARLEY_PUSH_ALLOW_HTTP` | `0` | `1`: accept `http:` push endpoints (tests, local development only) |
 * | `PARLEY_PUSH_COALESCE_MS` | `30000` | one push per conversation per window (0: every message) |
 * | `PARLEY_PUSH_RATE_PER_MIN` | `20` | pushes per user per minute |
 * | `PARLEY_PUSH_WEBHOOK_URL` / `PARLEY_PUSH_WEBHOOK_SECRET` | | relay of native pushes and its HMAC key, both or neither |
 */

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'invalid_argument';
}

export interface ClusterSettings {
  readonly natsServers: readonly string[];
  readonly redisUrl: string;
  readonly cassandraContactPoints: readonly string[];
  readonly cassandraDataCenter: string;
  readonly cassandraKeyspace: string;
  readonly downAfterMs: number;
}

export interface NodeSettings {
  readonly host: string;
  readonly port: number;
  /** MQTT listener port; undefined: no MQTT listener. */
  readonly mqttPort: number | undefined;
  readonly dataDir: string;
  readonly jwtSecret: string | undefined;
  readonly devTokens: boolean | undefined;
  readonly node: string;
  readonly adminHost: string;
  readonly adminPort: number;
  /** Set when the node joins a cluster. */
  readonly cluster: ClusterSettings | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

const CLUSTER_VARS = ['PARLEY_NATS_URL', 'PARLEY_REDIS_URL', 'PARLEY_CASSANDRA'] as const;
/** A NATS subject token: no dots, no wildcards. */
const NODE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const KEYSPACE = /^[a-z][a-z0-9_]{0,47}$/;
const HOST_PORT = /^[A-Za-z0-9_.:[\]-]+:\d{1,5}$/;

/** Reads the node's settings from `env`; throws `ConfigError` naming the bad variable and value. */
export function readNodeSettings(env: Env): NodeSettings {
  const port = portOf(env, 'PORT', 8080);
  const host = env.HOST ?? '127.0.0.1';
  const set = CLUSTER_VARS.filter((name) => nonEmpty(env[name]));
  if (set.length > 0 && set.length < CLUSTER_VARS.length) {
    const missing = CLUSTER_VARS.filter((name) => !set.includes(name));
    throw new ConfigError(
      `a cluster node needs ${CLUSTER_VARS.join(', ')}; ${set.join(', ')} set but ${missing.join(', ')} missing`,
    );
  }
  const cluster = set.length === CLUSTER_VARS.length ? readCluster(env) : undefined;
  const jwtSecret = nonEmpty(env.PARLEY_JWT_SECRET) ? env.PARLEY_JWT_SECRET : undefined;
  if (cluster !== undefined && jwtSecret === undefined) {
    throw new ConfigError(
      'PARLEY_JWT_SECRET must be set on every node of a cluster (the same secret), so a token verifies on any node',
    );
  }
  const node = env.PARLEY_NODE_ID ?? (cluster !== undefined ? `node-${port}` : 'local');
  if (!NODE_ID.test(node)) {
    throw new ConfigError(
      `PARLEY_NODE_ID must be 1..64 characters of [A-Za-z0-9_-], got ${JSON.stringify(node)}`,
    );
  }
  const mqttPort =
    env.PARLEY_MQTT_PORT === undefined || env.PARLEY_MQTT_PORT === ''
      ? undefined
      : portOf(env, 'PARLEY_MQTT_PORT', 0);
  return {
    host,
    port,
    mqttPort,
    dataDir: env.PARLEY_DATA_DIR ?? './data',
    jwtSecret,
    devTokens: devTokensOf(env.PARLEY_DEV_TOKENS),
    node,
    adminHost: env.PARLEY_ADMIN_HOST ?? '127.0.0.1',
    adminPort: portOf(env, 'PARLEY_ADMIN_PORT', 7070),
    cluster,
  };
}

function readCluster(env: Env): ClusterSettings {
  const natsServers = listOf(env.PARLEY_NATS_URL);
  for (const url of natsServers) {
    if (!/^(nats|tls):\/\/[^\s/]+:\d{1,5}$/.test(url) && !HOST_PORT.test(url)) {
      throw new ConfigError(
        `PARLEY_NATS_URL must be nats://host:port (comma-separated for several), got ${JSON.stringify(url)}`,
      );
    }
  }
  const redisUrl = env.PARLEY_REDIS_URL!.trim();
  if (!/^rediss?:\/\/\S+$/.test(redisUrl)) {
    throw new ConfigError(
      `PARLEY_REDIS_URL must be redis://host:port, got ${JSON.stringify(redisUrl)}`,
    );
  }
  const cassandraContactPoints = listOf(env.PARLEY_CASSANDRA);
  for (const point of cassandraContactPoints) {
    if (!HOST_PORT.test(point) && !/^[A-Za-z0-9_.-]+$/.test(point)) {
      throw new ConfigError(
        `PARLEY_CASSANDRA must be host:port contact points, comma-separated, got ${JSON.stringify(point)}`,
      );
    }
  }
  const cassandraKeyspace = env.PARLEY_CASSANDRA_KEYSPACE ?? 'parley';
  if (!KEYSPACE.test(cassandraKeyspace)) {
    throw new ConfigError(
      `PARLEY_CASSANDRA_KEYSPACE must be a lowercase identifier, got ${JSON.stringify(cassandraKeyspace)}`,
    );
  }
  const downAfterMs = intOf(env, 'PARLEY_DOWN_AFTER_MS', 2000, 300, 60_000);
  return {
    natsServers,
    redisUrl,
    cassandraContactPoints,
    cassandraDataCenter: env.PARLEY_CASSANDRA_DC ?? 'datacenter1',
    cassandraKeyspace,
    downAfterMs,
  };
}

function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}

function listOf(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function portOf(env: Env, name: string, fallback: number): number {
  return intOf(env, name, fallback, 0, 65535);
}

function intOf(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer ${min}..${max}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

function devTokensOf(raw: string | undefined): boolean | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  throw new ConfigError(
    `PARLEY_DEV_TOKENS must be 1, true, 0 or false, got ${JSON.stringify(raw)}`,
  );
}
