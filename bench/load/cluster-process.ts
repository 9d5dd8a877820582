/**
 * A whole Parley cluster on loopback, for `npm run cluster` and the
 * benchmarks: `nats-server`, `redis-server` and the test Cassandra (installed
 * and fetched the way the tests do), then N nodes, each its own `node`
 * process running `bin/parley.ts` with the cluster settings, on ports picked
 * outside the ephemeral range (HTTP/WebSocket, admin, and MQTT with
 * `PARLEY_MQTT_PORT`). `startCluster` resolves once every node answers
 * `/healthz` and its admin and MQTT ports are open.
 *
 * Invariants:
 * - `stop()` stops everything this started, nodes first (SIGTERM, SIGKILL
 *   after `STOP_GRACE_MS`), and removes the log folder unless the caller
 *   named it (`logs`): a temporary folder never outlives its cluster. It is
 *   idempotent.
 * - A start that fails stops what it had started, removes the temporary
 *   folder (the error carries the tail of the failing node's log) and rejects.
 * - With `debugHooks`, each node runs through `server-child.ts` (the same
 *   `bin/parley.ts`, plus CPU profiling over IPC) and dies with its parent.
 * - A node that dies is not restarted (a test may have killed it on purpose);
 *   `onExit` is told, unless the cluster is stopping.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import webpush from 'web-push';
import { type CassandraService, startCassandra } from '../../tests/setup/cassandra.ts';
import { pickPort } from '../../tests/setup/free-port.ts';
import { startNatsServer } from '../../tests/support/nats-server.ts';
import { startRedisServer } from '../../tests/support/redis-server.ts';
import { askChild, stopChild } from './child-ipc.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const READY_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 10_000;
const PROFILE_TIMEOUT_MS = 30_000;
export const NODES_MAX = 16;

export interface ClusterOptions {
  /** 1..NODES_MAX. */
  readonly nodes: number;
  /** Keep the node logs (and media) in this folder; default a temporary one, removed on stop. */
  readonly logs?: string;
  /** Extra environment for every node. */
  readonly env?: Readonly<Record<string, string>>;
  /** Run nodes through `server-child.ts`, so they can be profiled. */
  readonly debugHooks?: boolean;
  /** Progress lines (stderr in the CLI). */
  readonly say?: (line: string) => void;
  /** A node exited while the cluster was not stopping. */
  readonly onExit?: (id: string, pid: number | undefined, how: string) => void;
}

export interface ClusterNode {
  readonly id: string;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `ws://127.0.0.1:PORT/ws` */
  readonly ws: string;
  /** `mqtt://127.0.0.1:MQTTPORT` (docs/mqtt.md) */
  readonly mqtt: string;
  /** `127.0.0.1:ADMINPORT` */
  readonly admin: string;
  readonly pid: number;
  /** CPU profile of the main thread (needs `debugHooks`). */
  profileStart(): Promise<void>;
  profileStop(path: string): Promise<string>;
}

export interface RunningCluster {
  readonly nodes: readonly ClusterNode[];
  readonly nats: { readonly url: string; readonly pid: number };
  readonly redis: { readonly url: string; readonly pid: number };
  readonly cassandra: { readonly contactPoint: string; readonly pid: number | undefined };
  readonly jwtSecret: string;
  readonly logDir: string;
  stop(): Promise<void>;
}

export async function startCluster(options: ClusterOptions): Promise<RunningCluster> {
  if (!Number.isInteger(options.nodes) || options.nodes < 1 || options.nodes > NODES_MAX)
    throw new Error(
      `nodes must be an integer 1..${NODES_MAX}, got ${JSON.stringify(options.nodes)}`,
    );
  const say = options.say ?? (() => {});
  const logDir = options.logs ?? mkdtempSync(join(tmpdir(), 'parley-cluster-'));
  const stops: Array<() => Promise<void>> = [];
  const children: ChildProcess[] = [];
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await Promise.all(children.map((c) => stopChild(c, STOP_GRACE_MS)));
    for (const s of stops.reverse()) await s().catch((err) => say(String(err)));
    if (options.logs === undefined) rmSync(logDir, { recursive: true, force: true });
  };
  try {
    const dataDir = join(logDir, 'data');
    mkdirSync(dataDir, { recursive: true });
    say(`logs in ${logDir}`);
    const [nats, redis, cassandra] = await Promise.all([
      startNatsServer(),
      startRedisServer(),
      startCassandra({ syncCommitlog: true }),
    ]);
    stops.push(
      () => nats.stop(),
      () => redis.stop(),
      () => cassandra.stop(),
    );
    say(`nats ${nats.url}, redis ${redis.url}, cassandra ${cassandra.contactPoint}`);
    const jwtSecret = randomBytes(32).toString('base64url');
    // One VAPID pair for every node: a browser's push subscription is bound to the key it was made with.
    const vapid = webpush.generateVAPIDKeys();
    const env = {
      PARLEY_DATA_DIR: dataDir,
      PARLEY_NATS_URL: nats.url,
      PARLEY_REDIS_URL: redis.url,
      PARLEY_CASSANDRA: cassandra.contactPoint,
      PARLEY_CASSANDRA_DC: cassandra.localDataCenter,
      PARLEY_JWT_SECRET: jwtSecret,
      PARLEY_VAPID_PUBLIC_KEY: vapid.publicKey,
      PARLEY_VAPID_PRIVATE_KEY: vapid.privateKey,
      ...options.env,
    };
    const taken = new Set<number>();
    const nodes: ClusterNode[] = [];
    const exits = (id: string, child: ChildProcess) =>
      child.once('exit', (code, signal) => {
        if (!stopping) options.onExit?.(id, child.pid, String(code ?? signal));
      });
    for (let i = 1; i <= options.nodes; i++) {
      const id = `node-${i}`;
      const port = await pickPort({ avoid: taken });
      taken.add(port);
      const adminPort = await pickPort({ avoid: taken });
      taken.add(adminPort);
      const mqttPort = await pickPort({ avoid: taken });
      taken.add(mqttPort);
      const ports = { port, adminPort, mqttPort };
      const child = spawnNode(id, ports, env, join(logDir, `${id}.log`), options);
      children.push(child);
      exits(id, child);
      nodes.push(nodeOf(id, ports, child));
    }
    for (const [i, n] of nodes.entries()) {
      const child = children[i]!;
      const port = Number(new URL(n.url).port);
      await waitFor(`${n.id} http`, () => healthy(port), child, join(logDir, `${n.id}.log`));
      await waitFor(`${n.id} admin`, () => portOpen(Number(n.admin.split(':')[1])), child);
      await waitFor(`${n.id} mqtt`, () => portOpen(Number(new URL(n.mqtt).port)), child);
    }
    return {
      nodes,
      nats: { url: nats.url, pid: nats.pid },
      redis: { url: redis.url, pid: redis.pid },
      cassandra: { contactPoint: cassandra.contactPoint, pid: cassandraPid(cassandra) },
      jwtSecret,
      logDir,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The ports of one node. */
interface NodePorts {
  readonly port: number;
  readonly adminPort: number;
  readonly mqttPort: number;
}

function spawnNode(
  id: string,
  { port, adminPort, mqttPort }: NodePorts,
  env: Readonly<Record<string, string>>,
  logFile: string,
  options: ClusterOptions,
): ChildProcess {
  const entry = options.debugHooks
    ? join(root, 'bench', 'load', 'server-child.ts')
    : join(root, 'bin', 'parley.ts');
  const out = createWriteStream(logFile);
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: root,
    env: {
      ...process.env,
      PARLEY_NODE_ID: id,
      PORT: String(port),
      PARLEY_ADMIN_PORT: String(adminPort),
      PARLEY_MQTT_PORT: String(mqttPort),
      ...env,
    },
    stdio: options.debugHooks ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  return child;
}

function nodeOf(
  id: string,
  { port, adminPort, mqttPort }: NodePorts,
  child: ChildProcess,
): ClusterNode {
  return {
    id,
    url: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}/ws`,
    mqtt: `mqtt://127.0.0.1:${mqttPort}`,
    admin: `127.0.0.1:${adminPort}`,
    pid: child.pid ?? -1,
    async profileStart() {
      await askChild(child, { t: 'profile-start' }, PROFILE_TIMEOUT_MS);
    },
    async profileStop(path: string) {
      const answer = await askChild<{ path: string }>(
        child,
        { t: 'profile-stop', path },
        PROFILE_TIMEOUT_MS,
      );
      return answer.path;
    },
  };
}

/** The JVM's pid when this process started it (not for an external `PARLEY_TEST_CASSANDRA`). */
function cassandraPid(c: CassandraService): number | undefined {
  const pid = (c as { pid?: () => number | undefined }).pid;
  return typeof pid === 'function' ? pid() : undefined;
}

async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  child: ChildProcess,
  logFile?: string,
): Promise<void> {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `${what} exited (${child.exitCode ?? child.signalCode}) before it was ready${logFile ? `; its log ends:\n${tail(logFile, 30)}` : ''}`,
      );
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} was not ready within ${READY_TIMEOUT_MS / 1000} s`);
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      done(true);
    });
    s.on('error', () => done(false));
  });
}

async function healthy(port: number): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  return res.status === 200;
}
