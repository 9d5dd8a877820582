/**
 * A Parley server in a child process, for benchmarks: `bin/parley.ts` (through
 * `server-child.ts`) on a fresh temporary data directory, port 0, a random
 * HS256 secret the parent knows. Its pino log goes to `server.log` in the data
 * directory (counted by level, so a noisy hot path shows); `stop()` sends
 * SIGTERM, waits for exit (SIGKILL after a grace period) and removes the data
 * directory unless asked to keep it.
 *
 * `PARLEY_SERVER_ROOT` (env) runs the server of another checkout, e.g. a
 * frozen copy of the tree: its `bin/parley.ts` is imported instead of ours.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { askChild, type DebugRequest, stopChild } from './child-ipc.ts';

const here = dirname(fileURLToPath(import.meta.url));
const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;
const MEMORY_TIMEOUT_MS = 30_000;

export interface ServerProcessOptions {
  /** Reuse this data directory (e.g. to restart on the same data); default a fresh temp one. */
  readonly dataDir?: string;
  /** Extra node flags, e.g. `--cpu-prof`. */
  readonly nodeArgs?: readonly string[];
  /** Extra environment, e.g. `PARLEY_LOG_LEVEL`. */
  readonly env?: Readonly<Record<string, string>>;
  /** The HS256 secret; default 32 random bytes, hex. */
  readonly secret?: string;
}

export interface ProcessMemory {
  readonly rss: number;
  readonly heapTotal: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

export interface ServerProcess {
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  readonly httpUrl: string;
  readonly secret: string;
  readonly dataDir: string;
  /** Log lines so far, by pino level name. */
  readonly logLines: Record<string, number>;
  /** `process.memoryUsage()` of the server, after GC unless `gc` is false. */
  memory(gc?: boolean): Promise<ProcessMemory>;
  /** Writes a V8 heap snapshot of the server to `path` (slow: seconds, and pauses the server). */
  heapSnapshot(path: string): Promise<string>;
  /** Starts a CPU profile of the server's main thread. */
  profileStart(): Promise<void>;
  /** Stops it and writes it to `path` (a `.cpuprofile` file). */
  profileStop(path: string): Promise<string>;
  /** Stops the server; removes the data directory unless `keepData`. */
  stop(keepData?: boolean): Promise<void>;
}

const LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

export async function startServer(options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'parley-bench-'));
  const secret = options.secret ?? randomBytes(32).toString('hex');
  const child = spawn(
    process.execPath,
    ['--expose-gc', ...(options.nodeArgs ?? []), '--import', 'tsx', join(here, 'server-child.ts')],
    {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: {
        ...process.env,
        PORT: '0',
        PARLEY_ADMIN_PORT: '0',
        // Every load client comes from 127.0.0.1: lift the per-address cap (default 256).
        PARLEY_MAX_CONNS_PER_IP: '1000000',
        HOST: '127.0.0.1',
        PARLEY_DATA_DIR: dataDir,
        PARLEY_JWT_SECRET: secret,
        PARLEY_DEV_TOKENS: '1',
        ...(process.env.PARLEY_SERVER_ROOT
          ? { PARLEY_SERVER_ENTRY: join(process.env.PARLEY_SERVER_ROOT, 'bin', 'parley.ts') }
          : {}),
        ...options.env,
      },
    },
  );
  const log = createWriteStream(join(dataDir, 'server.log'), { flags: 'a' });
  const logLines: Record<string, number> = {};
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const serving = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server child did not start in ${READY_TIMEOUT_MS} ms`)),
      READY_TIMEOUT_MS,
    );
    void exited.then((code) => {
      clearTimeout(timer);
      reject(
        new Error(`server child exited with ${code} before serving; see ${dataDir}/server.log`),
      );
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      log.write(`${line}\n`);
      const level = LEVELS[Number(line.match(/"level":(\d+)/)?.[1])] ?? 'other';
      logLines[level] = (logLines[level] ?? 0) + 1;
      if (line.includes('"msg":"parley node serving"')) {
        clearTimeout(timer);
        resolve(Number(line.match(/"port":(\d+)/)?.[1]));
      }
    });
    createInterface({ input: child.stderr! }).on('line', (line) => {
      log.write(`[stderr] ${line}\n`);
      if (!line.includes('ExperimentalWarning')) process.stderr.write(`[server] ${line}\n`);
    });
  });

  let port: number;
  try {
    port = await serving;
  } catch (err) {
    // Its log stays in the data directory for the post-mortem the error points to.
    child.kill('SIGKILL');
    throw err;
  }

  const ask = <T>(request: DebugRequest, timeoutMs: number) =>
    askChild<T>(child, request, timeoutMs);
  const memory = (gc = true) => ask<ProcessMemory>({ t: 'memory', gc }, MEMORY_TIMEOUT_MS);
  const heapSnapshot = async (path: string) =>
    (await ask<{ path: string }>({ t: 'heap-snapshot', path }, 300_000)).path;

  return {
    pid: child.pid!,
    port,
    url: `ws://127.0.0.1:${port}/ws`,
    httpUrl: `http://127.0.0.1:${port}`,
    secret,
    dataDir,
    logLines,
    memory,
    heapSnapshot,
    async profileStart() {
      await ask<object>({ t: 'profile-start' }, MEMORY_TIMEOUT_MS);
    },
    async profileStop(path: string) {
      return (await ask<{ path: string }>({ t: 'profile-stop', path }, MEMORY_TIMEOUT_MS)).path;
    },
    async stop(keepData = false) {
      await stopChild(child, STOP_GRACE_MS);
      await exited;
      await new Promise<void>((resolve) => log.end(resolve));
      if (!keepData && options.dataDir === undefined)
        rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
