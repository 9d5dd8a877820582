/**
 * `npm run cluster -- --nodes N [--json] [--logs DIR]`: a whole Parley
 * cluster on loopback (`bench/load/cluster-process.ts`): `nats-server`,
 * `redis-server` and the test Cassandra (installed and fetched the way the
 * tests do), then N nodes, each its own `node` process running
 * `bin/parley.ts` with the cluster settings.
 *
 * Once every node answers `/healthz` and its admin port, it prints where to
 * connect; with `--json`, exactly one line on stdout:
 * `{"nodes":[{"id","url","ws","mqtt","admin","pid"}],"nats","redis","cassandra","jwtSecret"}`
 * (`mqtt` is the node's MQTT listener, `mqtt://127.0.0.1:PORT`, docs/mqtt.md;
 * `pid` is the node's own process, so a test can kill -9 it), and keeps
 * running. Ctrl-C / SIGTERM stops everything it started, nodes first, and
 * removes the temporary log folder (a folder named with `--logs` is kept).
 * A node that dies is not restarted (a test may have killed it on purpose);
 * it is reported on stderr.
 */
import { NODES_MAX, type RunningCluster, startCluster } from '../bench/load/cluster-process.ts';

interface Args {
  readonly nodes: number;
  readonly json: boolean;
  readonly logs: string | undefined;
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
let cluster: RunningCluster | undefined;
let starting = true;
let stopping = false;

/** While starting, a signal only marks the stop: the start finishes or fails, then stops what it made. */
async function stopAll(code: number): Promise<void> {
  stopping = true;
  if (starting) return;
  await cluster?.stop().catch((err) => say(String(err)));
  process.exit(code);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

function print(c: RunningCluster): void {
  const summary = {
    nodes: c.nodes.map((n) => ({
      id: n.id,
      url: n.url,
      ws: n.ws,
      mqtt: n.mqtt,
      admin: n.admin,
      pid: n.pid,
    })),
    nats: c.nats.url,
    redis: c.redis.url,
    cassandra: c.cassandra.contactPoint,
    jwtSecret: c.jwtSecret,
  };
  if (args.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  const first = summary.nodes[0]!;
  const lines = [
    `${summary.nodes.length} node(s) up:`,
    ...summary.nodes.map(
      (n) => `  ${n.id}  web ${n.url}  ws ${n.ws}  mqtt ${n.mqtt}  admin ${n.admin}  pid ${n.pid}`,
    ),
    `  nats ${summary.nats}  redis ${summary.redis}  cassandra ${summary.cassandra}`,
    `  operate it: npx parleyctl --admin ${first.admin} nodes`,
    `  a token: curl -s -X POST -H 'Content-Type: application/json' -d '{"user":"alice"}' ${first.url}/api/v1/dev/tokens`,
    '  Ctrl-C stops everything.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

try {
  cluster = await startCluster({
    nodes: args.nodes,
    ...(args.logs !== undefined ? { logs: args.logs } : {}),
    say,
    onExit: (id, pid, how) => say(`${id} (pid ${pid}) exited: ${how}`),
  });
  starting = false;
  if (stopping) await stopAll(0);
  else print(cluster);
} catch (err) {
  starting = false;
  say(`could not start the cluster: ${err instanceof Error ? err.message : String(err)}`);
  await stopAll(1);
}
