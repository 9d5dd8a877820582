/**
 * A real Apache Cassandra 5.0 for the tests (ScyllaDB cannot be installed here;
 * both speak the same CQL, and the store uses only what both accept).
 *
 * `startCassandra()` fetches `cassandra-all` and its runtime dependencies from
 * Maven Central with `mvn` (cached in `.cache/cassandra/`, so only the first
 * run downloads), writes a single-node `cassandra.yaml` into a fresh temp
 * folder, starts `java` in the foreground on 127.0.0.1 only (native transport,
 * storage port; JMX is not started at all), and resolves once a real CQL query
 * answers *from this node*. Ports are picked free by the OS, not fixed: several
 * test runs share this machine and start nodes at the same moment, and a fixed
 * port would let one run talk to another run's node. Each node has its own
 * cluster name, which readiness checks; a start that lost its port to a
 * concurrent one is retried on new ports. It never resolves with a half-started
 * node: on failure it kills the process and throws an error that says why,
 * with the tail of Cassandra's log.
 *
 * With `PARLEY_TEST_CASSANDRA=host:port` (and optional
 * `PARLEY_TEST_CASSANDRA_DC`) it uses that cluster instead (e.g. a real
 * ScyllaDB) and starts nothing; it still checks that the cluster answers.
 *
 * Invariants: every port is bound to loopback; a started JVM is killed by
 * `stop()`, and by a watchdog if the test process dies without calling it;
 * node folders of dead test processes are swept at the next start.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from 'cassandra-driver';
import { jvmArgs, writeConfig } from './cassandra-config.ts';
import { alive, CASSANDRA_VERSION, fetchCassandra } from './cassandra-fetch.ts';

export { CASSANDRA_VERSION };

/** The data center name that `SimpleSnitch` reports. */
const LOCAL_DC = 'datacenter1';
const STARTUP_TIMEOUT_MS = 150_000;
/** Node folders are `<tmpdir>/parley-cassandra-XXXXXX`, holding `owner.pid`. */
const HOME_PREFIX = 'parley-cassandra-';

export interface CassandraService {
  /** `host:port` of the CQL native transport. */
  readonly contactPoint: string;
  readonly localDataCenter: string;
  /** Stops the node (if this started it) and waits until it exited. Idempotent. */
  stop(): Promise<void>;
}

/** A node this process started and owns: it can be paused, killed and started again (fault tests). */
export interface OwnedCassandra extends CassandraService {
  readonly pid: () => number | undefined;
  readonly logFile: string;
  /** SIGSTOP: the node stops answering but keeps its connections (a hung server). */
  pause(): void;
  /** SIGCONT after `pause()`. */
  resume(): void;
  /** SIGKILL, then waits for exit: a crash; the data folder stays. */
  kill(): Promise<void>;
  /** Starts the node again on the same data and ports, resolving once CQL answers. */
  restart(): Promise<void>;
}

export interface StartOptions {
  /** Max heap; default 1g. */
  readonly heap?: string;
  /** Prefer these ports (default: ports the OS picks); a busy one is replaced by a free one. */
  readonly nativePort?: number;
  readonly storagePort?: number;
  /**
   * fsync the commitlog before acknowledging a write (`commitlog_sync: batch`).
   * Default off (`periodic`, 10 s): faster, but a killed node forgets what it
   * acknowledged since its last sync. A test that kills the node needs this on.
   */
  readonly syncCommitlog?: boolean;
}

/** Starts Cassandra (or returns the external cluster of `PARLEY_TEST_CASSANDRA`). */
export async function startCassandra(options: StartOptions = {}): Promise<CassandraService> {
  const external = process.env.PARLEY_TEST_CASSANDRA;
  if (external) {
    const localDataCenter = process.env.PARLEY_TEST_CASSANDRA_DC ?? LOCAL_DC;
    const answer = await tryQuery(external, localDataCenter, 10_000);
    if (!answer.ok)
      throw new Error(
        `PARLEY_TEST_CASSANDRA=${JSON.stringify(external)} (dc ${JSON.stringify(localDataCenter)}) does not answer CQL: ${answer.reason}`,
      );
    return { contactPoint: external, localDataCenter, stop: async () => {} };
  }
  return startOwnedCassandra(options);
}

/** Starts whose ports were taken by someone else in the meantime are retried this often. */
const PORT_CLASH_ATTEMPTS = 3;

/** A start that failed because its ports were taken (by a concurrent test run). */
class PortClash extends Error {}

/** Always starts a node of its own (fault tests need a process they may kill). */
export async function startOwnedCassandra(options: StartOptions = {}): Promise<OwnedCassandra> {
  const classpath = await fetchCassandra();
  await sweepOrphans();
  for (let attempt = 1; ; attempt++) {
    try {
      return await startNode(classpath, options);
    } catch (err) {
      if (!(err instanceof PortClash) || attempt >= PORT_CLASH_ATTEMPTS) throw err;
    }
  }
}

async function startNode(classpath: string[], options: StartOptions): Promise<OwnedCassandra> {
  const home = await mkdtemp(join(tmpdir(), HOME_PREFIX));
  await writeFile(join(home, 'owner.pid'), String(process.pid));
  const nativePort = await freePort(options.nativePort);
  const storagePort = await freePort(options.storagePort);
  const logFile = join(home, 'system.log');
  const outFile = join(home, 'stdout.log');
  // A name of its own: readiness checks that the node answering on our port is ours.
  const clusterName = `parley-test-${randomBytes(6).toString('hex')}`;
  await writeConfig(home, {
    clusterName,
    nativePort,
    storagePort,
    logFile,
    syncCommitlog: options.syncCommitlog ?? false,
  });
  const args = jvmArgs(home, classpath, options.heap ?? '1g');
  const contactPoint = `127.0.0.1:${nativePort}`;

  let child: ChildProcess | undefined;
  let exited: Promise<number | null> = Promise.resolve(null);
  let stopped = false;

  const launch = async (firstStart: boolean): Promise<void> => {
    const out = openSync(outFile, 'a');
    const proc = spawn('java', args, { cwd: home, stdio: ['ignore', out, out] });
    closeSync(out);
    child = proc;
    exited = new Promise((done) => {
      proc.once('exit', (code, signal) => done(code ?? (signal ? -1 : null)));
      proc.once('error', () => done(-1));
    });
    watchdog(proc.pid, home);
    const failure = await waitReady(contactPoint, clusterName, exited);
    if (failure !== undefined) {
      await killAndWait();
      const bindFailed =
        /Address already in use|in use by another process|Failed to bind|Unable to bind/;
      const clash =
        failure.startsWith(FOREIGN) ||
        bindFailed.test(tail(logFile, 200)) ||
        bindFailed.test(tail(outFile, 200));
      const error = new (clash ? PortClash : Error)(
        `Cassandra ${CASSANDRA_VERSION} did not start on ${contactPoint}: ${failure}\n` +
          `--- tail of ${logFile} ---\n${tail(logFile, 40)}\n--- tail of ${outFile} ---\n${tail(outFile, 20)}`,
      );
      // A first start that failed leaves nothing to stop: drop its folder (the error holds the logs).
      if (firstStart) await rm(home, { recursive: true, force: true });
      throw error;
    }
  };

  const killAndWait = async (): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGCONT');
    proc.kill('SIGKILL');
    await exited;
  };

  await launch(true);
  return {
    contactPoint,
    localDataCenter: LOCAL_DC,
    logFile,
    pid: () => child?.pid,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    kill: killAndWait,
    restart: () => launch(false),
    async stop() {
      if (stopped) return;
      stopped = true;
      // The data is thrown away, so a graceful drain would only cost time.
      await killAndWait();
      await rm(home, { recursive: true, force: true });
    },
  };
}

// ---- readiness ------------------------------------------------------------------

/** Polls until a CQL query answers; returns why not (undefined when ready). */
/** The start of a readiness failure that means another node holds our port. */
const FOREIGN = 'another Cassandra answers on';

async function waitReady(
  contactPoint: string,
  clusterName: string,
  exited: Promise<number | null>,
): Promise<string | undefined> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  let last = 'no attempt yet';
  while (Date.now() < deadline) {
    if (exitCode !== undefined)
      return `the java process exited (code ${exitCode}) before CQL answered`;
    const answer = await tryQuery(contactPoint, LOCAL_DC, 3_000);
    if (answer.ok && answer.clusterName === clusterName) return undefined;
    if (answer.ok)
      return `${FOREIGN} ${contactPoint} (cluster ${JSON.stringify(answer.clusterName)})`;
    last = answer.reason;
    await delay(500);
  }
  return `no CQL answer within ${STARTUP_TIMEOUT_MS / 1000} s; last error: ${last}`;
}

type Answer = { ok: true; clusterName: string } | { ok: false; reason: string };

/** Runs `SELECT cluster_name, release_version FROM system.local`. */
async function tryQuery(contactPoint: string, dc: string, timeoutMs: number): Promise<Answer> {
  const client = new Client({
    contactPoints: [contactPoint],
    localDataCenter: dc,
    socketOptions: { connectTimeout: timeoutMs, readTimeout: timeoutMs },
    pooling: { warmup: false },
  });
  try {
    const result = await client.execute('SELECT cluster_name, release_version FROM system.local');
    return { ok: true, clusterName: String(result.first()?.get('cluster_name')) };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  } finally {
    await client.shutdown().catch(() => {});
  }
}

// ---- helpers --------------------------------------------------------------------

/**
 * `preferred` if given and free on loopback (with preferred+1), else a pair the
 * OS picks. Fixed default ports would collide when test runs start together.
 */
async function freePort(preferred?: number): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number | undefined>((done) => {
      const server = createServer();
      server.once('error', () => done(undefined));
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        const got = typeof address === 'object' && address ? address.port : undefined;
        server.close(() => done(got));
      });
    });
  // The storage port also takes port+1 (ssl_storage_port), so check both.
  if (preferred !== undefined && (await tryListen(preferred)) && (await tryListen(preferred + 1)))
    return preferred;
  for (let i = 0; i < 20; i++) {
    const port = await tryListen(0);
    if (port && port < 65535 && (await tryListen(port + 1))) return port;
  }
  throw new Error('found no free loopback port pair for Cassandra');
}

/** Kills the JVM if this process dies without stopping it (a crashed or killed test run). */
function watchdog(javaPid: number | undefined, home: string): void {
  if (javaPid === undefined) return;
  const me = process.pid;
  const script = [
    `while kill -0 ${me} 2>/dev/null && kill -0 ${javaPid} 2>/dev/null; do sleep 2; done`,
    `if ! kill -0 ${me} 2>/dev/null; then kill -CONT ${javaPid}; kill -9 ${javaPid}; sleep 1; rm -rf '${home}'; fi`,
  ].join('\n');
  spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' }).unref();
}

/** Removes node folders left by test processes that died (their owner pid is gone). */
async function sweepOrphans(): Promise<void> {
  for (const name of await readdir(tmpdir()).catch(() => [] as string[])) {
    if (!name.startsWith(HOME_PREFIX)) continue;
    const dir = join(tmpdir(), name);
    const owner = Number(await readFile(join(dir, 'owner.pid'), 'utf8').catch(() => 'NaN'));
    if (Number.isInteger(owner) && owner !== process.pid && !alive(owner))
      await rm(dir, { recursive: true, force: true });
  }
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

// ---- command line -----------------------------------------------------------------

/**
 * `npx tsx tests/setup/cassandra.ts` starts a node and keeps it until Ctrl-C, so
 * repeated test runs can share it: `PARLEY_TEST_CASSANDRA=<printed> npx vitest`.
 */
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const node = await startOwnedCassandra();
  console.log(
    `PARLEY_TEST_CASSANDRA=${node.contactPoint} PARLEY_TEST_CASSANDRA_DC=${node.localDataCenter}`,
  );
  const shutdown = () => void node.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
