/**
 * A real Apache Cassandra 5.0 for the tests (ScyllaDB cannot be installed here;
 * both speak the same CQL, and the store uses only what both accept).
 *
 * `startCassandra()` fetches `cassandra-all` and its runtime dependencies from
 * Maven Central with `mvn` (cached in `.cache/cassandra/`, so only the first
 * run downloads), writes a single-node `cassandra.yaml` into a fresh temp
 * folder, starts `java` in the foreground on 127.0.0.1 only (native transport,
 * storage port; JMX is not started at all), and resolves once a real CQL query
 * answers *from this node*. Ports are not fixed: several test runs share this
 * machine and start nodes at the same moment, and a fixed port would let one
 * run talk to another run's node. They are picked free *outside* the kernel's
 * ephemeral range (`free-port.ts`), where the TIME_WAIT sockets of a load test
 * that just closed thousands of connections cannot block them. Each node has
 * its own cluster name, which readiness checks. A start that lost a port (the
 * pick found none, Cassandra's log says it could not bind, or another node
 * answers on it) is retried on fresh ports, up to `START_ATTEMPTS` times; the
 * final error lists every attempt's ports and reason, then the tail of the
 * last attempt's logs. It never resolves with a half-started node: a failed
 * attempt's process is killed and its folder removed.
 *
 * With `PARLEY_TEST_CASSANDRA=host:port` (and optional
 * `PARLEY_TEST_CASSANDRA_DC`) it uses that cluster instead (e.g. a real
 * ScyllaDB) and starts nothing; it still checks that the cluster answers.
 *
 * Invariants: every port is bound to loopback; a started JVM is killed by
 * `stop()`, and by a watchdog if the test process dies without calling it;
 * what a killed run left (folders, and JVMs whose watchdog died too) is
 * swept at the next start (`cassandra-orphans.ts`), so it cannot break it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from 'cassandra-driver';
import { jvmArgs, writeConfig } from './cassandra-config.ts';
import { CASSANDRA_VERSION, fetchCassandra } from './cassandra-fetch.ts';
import { HOME_PREFIX, sweepOrphans } from './cassandra-orphans.ts';
import { pickPort } from './free-port.ts';
import { delay } from './lock.ts';
import { PortClash, startOnFreshPorts } from './start-attempts.ts';

export { CASSANDRA_VERSION };

/** The data center name that `SimpleSnitch` reports. */
const LOCAL_DC = 'datacenter1';
const STARTUP_TIMEOUT_MS = 150_000;

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
  /** Prefer these ports (default: free ones outside the ephemeral range); a busy one is replaced by a free one. */
  readonly nativePort?: number;
  readonly storagePort?: number;
  /**
   * fsync the commitlog before acknowledging a write (`commitlog_sync: batch`).
   * Default off (`periodic`, 10 s): faster, but a killed node forgets what it
   * acknowledged since its last sync. A test that kills the node needs this on.
   */
  readonly syncCommitlog?: boolean;
  /**
   * A test seam: called with each attempt's ports after they were picked and
   * before the JVM binds them, so a test can take one and stage a lost port.
   */
  readonly onPortsPicked?: (ports: NodePorts, attempt: number) => Promise<void> | void;
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

/** Starts that lost their ports (to a concurrent run, a lingering socket) are retried this often. */
const START_ATTEMPTS = 4;

/** Always starts a node of its own (fault tests need a process they may kill). */
export async function startOwnedCassandra(options: StartOptions = {}): Promise<OwnedCassandra> {
  const classpath = await fetchCassandra();
  await sweepOrphans();
  const tried = new Set<number>();
  const { value: node, failed } = await startOnFreshPorts({
    what: `Cassandra ${CASSANDRA_VERSION}`,
    attempts: START_ATTEMPTS,
    // Preferred ports only on the first attempt: they may be what clashed.
    pick: (attempt) => pickPorts(attempt === 1 ? options : {}, tried),
    describe: (p) => `native port ${p.native}, storage ports ${p.storage}-${p.storage + 1}`,
    async start(ports, attempt) {
      await options.onPortsPicked?.(ports, attempt);
      return startNode(classpath, options, ports);
    },
  });
  if (failed.length > 0)
    console.warn(
      `[cassandra] started on attempt ${failed.length + 1} (${node.contactPoint}) after:\n  ${failed.join('\n  ')}`,
    );
  return node;
}

export interface NodePorts {
  /** CQL native transport. */
  readonly native: number;
  /** Storage port; `storage + 1` is the SSL storage port, also bound. */
  readonly storage: number;
}

/** Free ports for one node, never one tried before; a failed pick is a clash (retried). */
async function pickPorts(options: StartOptions, tried: Set<number>): Promise<NodePorts> {
  try {
    const native = await pickPort({ preferred: options.nativePort, avoid: tried });
    const storage = await pickPort({
      span: 2,
      preferred: options.storagePort,
      avoid: new Set([...tried, native, native - 1]),
    });
    for (const port of [native, storage, storage + 1]) tried.add(port);
    return { native, storage };
  } catch (err) {
    throw new PortClash((err as Error).message);
  }
}

async function startNode(
  classpath: string[],
  options: StartOptions,
  ports: NodePorts,
): Promise<OwnedCassandra> {
  const home = await mkdtemp(join(tmpdir(), HOME_PREFIX));
  await writeFile(join(home, 'owner.pid'), String(process.pid));
  const { native: nativePort, storage: storagePort } = ports;
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
    const failure = await waitReady(contactPoint, clusterName, exited, [logFile, outFile]);
    if (failure !== undefined) {
      await killAndWait();
      const bindLine = bindFailure([logFile, outFile]);
      const clash = failure.startsWith(FOREIGN) || bindLine !== undefined;
      const reason = `${failure}${bindLine && !failure.includes(bindLine) ? ` (log: ${bindLine})` : ''}`;
      const logs = `--- tail of ${logFile} ---\n${tail(logFile, 40)}\n--- tail of ${outFile} ---\n${tail(outFile, 20)}`;
      if (!firstStart)
        throw new Error(
          `Cassandra ${CASSANDRA_VERSION} did not restart on ${contactPoint}: ${reason}\n${logs}`,
        );
      // A first start that failed leaves nothing to stop: drop its folder (the error holds the logs).
      await rm(home, { recursive: true, force: true });
      throw clash ? new PortClash(reason, logs) : new Error(`${reason}\n${logs}`);
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

/** The start of a readiness failure that means another node holds our port. */
const FOREIGN = 'another Cassandra answers on';

/** What Cassandra (or the JVM) logs when one of its ports is taken. */
const BIND_FAILED =
  /Address already in use|in use by another process|Failed to bind|Unable to bind/;

/** The first log line saying a port could not be bound, if any. */
function bindFailure(files: readonly string[]): string | undefined {
  for (const file of files)
    for (const line of tail(file, 400).split('\n'))
      if (BIND_FAILED.test(line)) return line.trim().slice(0, 300);
  return undefined;
}

/** Polls until a CQL query answers; returns why not (undefined when ready). */
async function waitReady(
  contactPoint: string,
  clusterName: string,
  exited: Promise<number | null>,
  logs: readonly string[],
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
    // A node that lost a port may linger without exiting: do not wait out the timeout.
    const bindLine = bindFailure(logs);
    if (bindLine !== undefined) return `it could not bind a port: ${bindLine}`;
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

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
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
