/**
 * A Parley server as a real child process: `node --import tsx bin/parley.ts`
 * on `PORT=0` (a free port), a fresh temporary `PARLEY_DATA_DIR` and a known
 * `PARLEY_JWT_SECRET`. `startServerProcess` resolves once the server logged
 * its `"parley node serving"` line (with the port) and rejects with the
 * process's output if it exits or stays silent first.
 *
 * The handle follows the current process: `restart()` starts a new one on
 * the same data directory (a new port; read `url` again), `kill('SIGKILL')`
 * is a crash, `stop()` ends the process (SIGTERM, then SIGKILL after a
 * bound) and removes the data directory. Every child is killed when the test
 * process exits, so none outlives a run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5000;
const OUTPUT_KEPT_CHARS = 64 * 1024;

export interface ServerProcessOptions {
  /** Default: a new temporary directory, removed by `stop()`. */
  readonly dataDir?: string;
  /** Default: a fixed test secret; null leaves `PARLEY_JWT_SECRET` unset. */
  readonly secret?: string | null;
  /** More environment for the child (e.g. `PARLEY_DEV_TOKENS`). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface ServerProcess {
  /** `ws://127.0.0.1:PORT/ws` of the current process. */
  readonly url: string;
  /** `http://127.0.0.1:PORT` of the current process. */
  readonly httpUrl: string;
  readonly port: number;
  readonly dataDir: string;
  /** The secret given to the server (`PARLEY_JWT_SECRET`); '' when it made its own. */
  readonly secret: string;
  readonly pid: number;
  /** Whether the current process is still running. */
  readonly running: boolean;
  /** What the current process wrote to stdout and stderr (the last 64 KiB). */
  readonly output: string;
  /** Sends `signal` and waits for the process to exit. */
  kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: string | null }>;
  /** Ends the process (SIGTERM, SIGKILL after 5 s) and removes the data directory. */
  stop(): Promise<void>;
  /** Ends the current process if it runs (SIGTERM) and starts a new one on the same data directory. */
  restart(): Promise<void>;
}

export const TEST_JWT_SECRET = 'parley-protocol-tests-secret-0123456789abcdef';

const live = new Set<ChildProcess>();
let exitHook = false;

export async function startServerProcess(
  options: ServerProcessOptions = {},
): Promise<ServerProcess> {
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const child of live) child.kill('SIGKILL');
    });
  }
  const ownsDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'parley-proto-')));
  const secret = options.secret === undefined ? TEST_JWT_SECRET : options.secret;
  let current = await launch(dataDir, secret, options.env ?? {});

  return {
    get url() {
      return `ws://127.0.0.1:${current.port}/ws`;
    },
    get httpUrl() {
      return `http://127.0.0.1:${current.port}`;
    },
    get port() {
      return current.port;
    },
    get pid() {
      return current.child.pid ?? -1;
    },
    get running() {
      return current.exit === undefined;
    },
    get output() {
      return current.output();
    },
    dataDir,
    secret: secret ?? '',
    kill: (signal) => current.kill(signal),
    async stop() {
      await current.end();
      if (ownsDir) await rm(dataDir, { recursive: true, force: true });
    },
    async restart() {
      await current.end();
      current = await launch(dataDir, secret, options.env ?? {});
    },
  };
}

interface Launched {
  readonly child: ChildProcess;
  readonly port: number;
  exit: { code: number | null; signal: string | null } | undefined;
  output(): string;
  kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: string | null }>;
  /** SIGTERM, then SIGKILL after a bound; resolves when the process is gone. */
  end(): Promise<void>;
}

function launch(
  dataDir: string,
  secret: string | null,
  env: Readonly<Record<string, string>>,
): Promise<Launched> {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    PARLEY_ADMIN_PORT: '0',
    HOST: '127.0.0.1',
    PARLEY_DATA_DIR: dataDir,
    ...env,
  };
  if (secret === null) delete childEnv.PARLEY_JWT_SECRET;
  else childEnv.PARLEY_JWT_SECRET = secret;
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/parley.ts'], {
    cwd: repo,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_KEPT_CHARS);
  };
  const exited = new Promise<{ code: number | null; signal: string | null }>((done) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      done({ code, signal });
    });
  });

  return new Promise((resolvePort, reject) => {
    let pending = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`parley did not log "serving" within ${START_TIMEOUT_MS} ms; output:\n${output}`),
      );
    }, START_TIMEOUT_MS);
    const onStdout = (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const port = servingPort(line);
        if (port === undefined) continue;
        clearTimeout(timer);
        child.stdout?.off('data', onStdout);
        resolvePort(handle(port));
        return;
      }
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.stdout?.on('data', onStdout);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(
        new Error(`parley exited (code ${code}, signal ${signal}) before serving:\n${output}`),
      );
    });
  });

  function handle(port: number): Launched {
    const launched: Launched = {
      child,
      port,
      exit: undefined,
      output: () => output,
      async kill(signal) {
        if (launched.exit === undefined) child.kill(signal);
        return exited;
      },
      async end() {
        if (launched.exit !== undefined) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      },
    };
    void exited.then((e) => {
      launched.exit = e;
    });
    return launched;
  }
}

function servingPort(line: string): number | undefined {
  if (!line.includes('parley node serving')) return undefined;
  try {
    const record = JSON.parse(line) as { msg?: unknown; port?: unknown };
    if (record.msg === 'parley node serving' && typeof record.port === 'number') return record.port;
  } catch {
    // not a JSON log line
  }
  return undefined;
}
