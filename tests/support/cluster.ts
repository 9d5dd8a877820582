/**
 * A real Parley cluster for end-to-end tests: its own `nats-server` and
 * `redis-server`, the run's Cassandra (a fresh keyspace per cluster), and N
 * node processes (`node --import tsx bin/parley.ts` with the cluster
 * settings), each on ports picked outside the ephemeral range.
 *
 * A node may reach NATS through a cuttable TCP proxy (`natsProxy: true`), so
 * a test can partition it from the rest. `ready()` resolves when every
 * running node answers `/healthz` and sees every other running node in its
 * view. Every child is killed when the test process exits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pickPort } from '../setup/free-port.ts';
import { type NatsServer, startNatsServer } from './nats-server.ts';
import { type RedisServer, startRedisServer } from './redis-server.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';
import { signToken } from './tokens.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 8000;
const OUTPUT_KEPT_CHARS = 256 * 1024;

export interface ClusterOptions {
  readonly nodes: number;
  readonly cassandra: { readonly contactPoint: string; readonly localDataCenter: string };
  /** Nodes (1-based) that reach NATS through their own cuttable proxy. */
  readonly natsProxy?: readonly number[];
  /** Extra environment for every node. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface HealthView {
  readonly status: string;
  readonly node?: string;
  readonly isolated?: boolean;
  readonly view?: { readonly version: number; readonly members: readonly { node: string }[] };
}

export interface ClusterNode {
  readonly id: string;
  readonly port: number;
  readonly adminPort: number;
  /** `ws://127.0.0.1:PORT/ws` */
  readonly ws: string;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `127.0.0.1:ADMINPORT` */
  readonly admin: string;
  readonly pid: number;
  readonly running: boolean;
  readonly output: string;
  /** The proxy between this node and NATS, when asked for. */
  readonly proxy: TcpProxy | undefined;
  /** Sends a signal and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the node again (same id and ports, a new incarnation). */
  restart(): Promise<void>;
  health(): Promise<HealthView | undefined>;
}

export interface TestCluster {
  readonly nodes: readonly ClusterNode[];
  readonly nats: NatsServer;
  readonly redis: RedisServer;
  readonly keyspace: string;
  readonly jwtSecret: string;
  token(user: string, device?: string): Promise<string>;
  /** Every running node healthy and seeing every other running node. */
  ready(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHook = false;

export async function startTestCluster(options: ClusterOptions): Promise<TestCluster> {
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const child of live) child.kill('SIGKILL');
    });
  }
  const [nats, redis] = await Promise.all([startNatsServer(), startRedisServer()]);
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-cluster-'));
  const keyspace = `cluster_${randomBytes(6).toString('hex')}`;
  const jwtSecret = randomBytes(24).toString('base64url');
  const taken = new Set<number>();
  const pick = async () => {
    const port = await pickPort({ avoid: taken });
    taken.add(port);
    return port;
  };
  const nodes: NodeHandle[] = [];
  for (let i = 1; i <= options.nodes; i++) {
    const proxy = options.natsProxy?.includes(i)
      ? await startTcpProxy({ host: '127.0.0.1', port: nats.port })
      : undefined;
    const natsUrl = proxy === undefined ? nats.url : `nats://127.0.0.1:${proxy.port}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOST: '127.0.0.1',
      PARLEY_NODE_ID: `node-${i}`,
      PARLEY_DATA_DIR: dataDir,
      PARLEY_NATS_URL: natsUrl,
      PARLEY_REDIS_URL: redis.url,
      PARLEY_CASSANDRA: options.cassandra.contactPoint,
      PARLEY_CASSANDRA_DC: options.cassandra.localDataCenter,
      PARLEY_CASSANDRA_KEYSPACE: keyspace,
      PARLEY_JWT_SECRET: jwtSecret,
      PARLEY_LOG_LEVEL: process.env.PARLEY_LOG_LEVEL ?? 'info',
      ...options.env,
    };
    nodes.push(new NodeHandle(`node-${i}`, await pick(), await pick(), env, proxy));
  }
  // The first node creates and migrates the keyspace; the others start after it.
  await nodes[0]!.launch();
  await nodes[0]!.waitHealthy(READY_TIMEOUT_MS);
  await Promise.all(nodes.slice(1).map((n) => n.launch()));

  const cluster: TestCluster = {
    nodes,
    nats,
    redis,
    keyspace,
    jwtSecret,
    token: (user, device) =>
      signToken(jwtSecret, { sub: user, ...(device !== undefined ? { dev: device } : {}) }),
    async ready(timeoutMs = READY_TIMEOUT_MS) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const running = nodes.filter((n) => n.running);
        const views = await Promise.all(running.map((n) => n.health()));
        const ids = running.map((n) => n.id).sort();
        const settled = views.every(
          (v) =>
            v?.status === 'ok' &&
            JSON.stringify(v.view?.members.map((m) => m.node).sort()) === JSON.stringify(ids),
        );
        if (settled) return;
        if (Date.now() > deadline) {
          throw new Error(
            `cluster not settled within ${timeoutMs} ms: ${JSON.stringify(views)}\n${running.map((n) => `--- ${n.id}\n${n.output.slice(-4000)}`).join('\n')}`,
          );
        }
        await sleep(200);
      }
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.kill('SIGTERM')));
      for (const n of nodes) await n.proxy?.close();
      await Promise.all([nats.stop(), redis.stop()]);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  await cluster.ready();
  return cluster;
}

class NodeHandle implements ClusterNode {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private kept = '';

  constructor(
    readonly id: string,
    readonly port: number,
    readonly adminPort: number,
    private readonly env: NodeJS.ProcessEnv,
    readonly proxy: TcpProxy | undefined,
  ) {}

  get ws(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get admin(): string {
    return `127.0.0.1:${this.adminPort}`;
  }
  get pid(): number {
    return this.child?.pid ?? -1;
  }
  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }
  get output(): string {
    return this.kept;
  }

  async launch(): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/parley.ts'], {
      cwd: repo,
      env: { ...this.env, PORT: String(this.port), PARLEY_ADMIN_PORT: String(this.adminPort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.kept = (this.kept + chunk.toString('utf8')).slice(-OUTPUT_KEPT_CHARS);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((done) =>
      child.once('exit', () => {
        live.delete(child);
        done();
      }),
    );
  }

  async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.id} exited before it was healthy:\n${this.kept}`);
      if ((await this.health())?.status === 'ok') return;
      await sleep(200);
    }
    throw new Error(`${this.id} not healthy within ${timeoutMs} ms:\n${this.kept}`);
  }

  async health(): Promise<HealthView | undefined> {
    try {
      const res = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(2000) });
      return (await res.json()) as HealthView;
    } catch {
      return undefined;
    }
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running) return;
    this.child?.kill(signal);
    const force = setTimeout(() => this.child?.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(force);
  }

  async restart(): Promise<void> {
    await this.kill('SIGTERM');
    await this.launch();
    await this.waitHealthy(READY_TIMEOUT_MS);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
