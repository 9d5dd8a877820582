/**
 * `npm run cluster -- --nodes N [--json] [--logs DIR]`: a whole Parley
 * cluster on loopback: `nats-server`, `redis-server` and the test Cassandra
 * (installed and fetched the way the tests do), then N nodes, each its own
 * `node` process running `bin/parley.ts` with the cluster settings.
 *
 * Once every node answers `/healthz` and its admin port, it prints where to
 * connect; with `--json`, exactly one line on stdout:
 * `{"nodes":[{"id","url","ws","admin","pid"}],"nats","redis","cassandra","jwtSecret"}`
 * (`pid` is the node's own process, so a test can kill -9 it), and keeps
 * running. Ctrl-C / SIGTERM stops everything it started, nodes first.
 * A node that dies is not restarted (a test may have killed it on purpose);
 * it is reported on stderr.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCassandra } from '../tests/setup/cassandra.ts';
import { pickPort } from '../tests/setup/free-port.ts';
import { startNatsServer } from '../tests/support/nats-server.ts';
import { startRedisServer } from '../tests/support/redis-server.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const READY_TIMEOUT_MS = 120_000;
const NODES_MAX = 16;

interface Args {
  readonly nodes: number;
  readonly json: boolean;
  readonly logs: string | undefined;
}

interface NodeProcess {
  readonly id: string;
  readonly port: number;
  readonly adminPort: number;
  readonly child: ChildProcess;
}

function usage(message?: string): never {
  if (message !== undefined) console.error(`cluster: ${message}`);
  console.error('usage: npm run cluster -- --nodes N [--json] [--logs DIR]');
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Args {
  let nodes = 3;
  let json = false;
  let logs: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') json = true;
    else if (arg === '--nodes' || arg === '-n') {
      const raw = argv[++i];
      nodes = Number(raw);
      if (raw === undefined || !Number.isInteger(nodes) || nodes < 1 || nodes > NODES_MAX)
        usage(`--nodes must be an integer 1..${NODES_MAX}, got ${JSON.stringify(raw)}`);
    } else if (arg === '--logs') {
      logs = argv[++i];
      if (logs === undefined) usage('--logs needs a folder');
    } else if (arg === '--help' || arg === '-h') usage();
    else usage(`unknown argument ${JSON.stringify(arg)}`);
  }
  return { nodes, json, logs };
}

const args = parseArgs(process.argv.slice(2));
/** Human progress goes to stderr, so stdout holds only the JSON line with --json. */
const say = (line: string) => process.stderr.write(`[cluster] ${line}\n`);
const stops: Array<() => Promise<void>> = [];
const nodes: NodeProcess[] = [];
let stopping = false;

async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await Promise.all(nodes.map((n) => stopNode(n)));
    for (const stop of stops.reverse()) await stop().catch((err) => say(String(err)));
  }
  process.exit(code);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

function stopNode(n: NodeProcess): Promise<void> {
  return new Promise((done) => {
    if (n.child.exitCode !== null || n.child.signalCode !== null) return done();
    const kill = setTimeout(() => n.child.kill('SIGKILL'), 10_000);
    n.child.once('exit', () => {
      clearTimeout(kill);
      done();
    });
    n.child.kill('SIGTERM');
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, child: ChildProcess) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before it was ready`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} was not ready within ${READY_TIMEOUT_MS / 1000} s`);
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

async function main(): Promise<void> {
  const logDir = args.logs ?? mkdtempSync(join(tmpdir(), 'parley-cluster-'));
  mkdirSync(logDir, { recursive: true });
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
  const taken = new Set<number>();
  const pick = async () => {
    const port = await pickPort({ avoid: taken });
    taken.add(port);
    return port;
  };
  for (let i = 1; i <= args.nodes; i++) {
    const id = `node-${i}`;
    const port = await pick();
    const adminPort = await pick();
    const out = createWriteStream(join(logDir, `${id}.log`));
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bin', 'parley.ts')], {
      cwd: root,
      env: {
        ...process.env,
        PARLEY_NODE_ID: id,
        PORT: String(port),
        PARLEY_ADMIN_PORT: String(adminPort),
        // Media is shared by every node of this machine's cluster.
        PARLEY_DATA_DIR: dataDir,
        PARLEY_NATS_URL: nats.url,
        PARLEY_REDIS_URL: redis.url,
        PARLEY_CASSANDRA: cassandra.contactPoint,
        PARLEY_CASSANDRA_DC: cassandra.localDataCenter,
        PARLEY_JWT_SECRET: jwtSecret,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    child.once('exit', (code, signal) => {
      if (!stopping) say(`${id} (pid ${child.pid}) exited: ${code ?? signal}`);
    });
    nodes.push({ id, port, adminPort, child });
  }
  for (const n of nodes) {
    await waitFor(`${n.id} http`, () => healthy(n.port), n.child);
    await waitFor(`${n.id} admin`, () => portOpen(n.adminPort), n.child);
  }
  const summary = {
    nodes: nodes.map((n) => ({
      id: n.id,
      url: `http://127.0.0.1:${n.port}`,
      ws: `ws://127.0.0.1:${n.port}/ws`,
      admin: `127.0.0.1:${n.adminPort}`,
      pid: n.child.pid,
    })),
    nats: nats.url,
    redis: redis.url,
    cassandra: cassandra.contactPoint,
    jwtSecret,
  };
  if (args.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  const lines = [
    `${nodes.length} node(s) up:`,
    ...summary.nodes.map(
      (n) => `  ${n.id}  web ${n.url}  ws ${n.ws}  admin ${n.admin}  pid ${n.pid}`,
    ),
    `  nats ${nats.url}  redis ${redis.url}  cassandra ${cassandra.contactPoint}`,
    `  operate it: npx parleyctl --admin ${summary.nodes[0]!.admin} nodes`,
    `  a token: curl -s -X POST -H 'Content-Type: application/json' -d '{"user":"alice"}' ${summary.nodes[0]!.url}/api/v1/dev/tokens`,
    '  Ctrl-C stops everything.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch(async (err) => {
  say(`could not start the cluster: ${err instanceof Error ? err.message : String(err)}`);
  await stopAll(1);
});
