/**
 * A test service (nats-server, redis-server) as a child process on a loopback
 * port: the one start/stop/restart/kill lifecycle the service harnesses share.
 *
 * Start: picks a port outside the ephemeral range (`free-port.ts`), creates a
 * fresh home folder (`<tmpdir>/parley-<name>-XXXXXX`, the child's cwd,
 * holding `owner.pid`), spawns the binary and resolves once its output shows
 * `ready` (a line only *this* process prints, so a foreign server that grabbed
 * the port is never mistaken for ours). A start that exits with `bindFailed`
 * in its output lost its port between pick and bind: it is retried on a fresh
 * port, up to `START_ATTEMPTS` times (`start-attempts.ts`); the final error
 * lists every attempt's port and reason, then the last output.
 *
 * Invariants: never resolves with a half-started process (it is killed
 * first); every child is killed when the test process exits, and by a
 * watchdog shell if the test process is killed without running its exit
 * handlers; home folders of dead test processes are swept at the next start.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pickPort } from './free-port.ts';
import { alive, delay } from './lock.ts';
import { PortClash, startOnFreshPorts } from './start-attempts.ts';

export interface ServiceSpec {
  /** A short name for messages and the home folder: `nats`, `redis`. */
  readonly name: string;
  /** Absolute path of the executable. */
  readonly binary: string;
  /** The command line for `port`, with `home` as the place for any files. */
  args(port: number, home: string): string[];
  /** Output that means the service accepts connections. */
  readonly ready: RegExp;
  /** Output that means the port was taken (the start is retried on another). */
  readonly bindFailed: RegExp;
  /** Writes any files the command line names into the fresh home folder. */
  prepare?(home: string): Promise<void>;
}

export interface ServiceProcess {
  readonly port: number;
  /** The pid of the current process (changes on restart). */
  readonly pid: number;
  /** What the current process wrote (the last 64 KiB). */
  readonly output: string;
  /** SIGTERM, SIGKILL after 5 s, wait for exit, remove the home folder. Idempotent. */
  stop(): Promise<void>;
  /** Stops the current process and starts a new one on the same port. */
  restart(): Promise<void>;
  /** SIGKILL now (a crash); `restart()` or `stop()` may follow. */
  kill(): void;
}

const START_ATTEMPTS = 5;
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
/** After a stop the same port may stay busy a moment; restart retries binding this long. */
const REBIND_WINDOW_MS = 5_000;
const OUTPUT_KEPT_CHARS = 64 * 1024;

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Starts `spec` on `port` (exactly that one) or on a fresh free port (retried on a clash). */
export async function startServiceProcess(
  spec: ServiceSpec,
  port?: number,
): Promise<ServiceProcess> {
  installExitHook();
  await sweepOrphans(spec.name);
  const home = await mkdtemp(join(tmpdir(), `parley-${spec.name}-`));
  await writeFile(join(home, 'owner.pid'), String(process.pid));
  const tried = new Set<number>();
  let started: Running;
  try {
    await spec.prepare?.(home);
    ({ value: started } = await startOnFreshPorts({
      what: `${spec.name} (${spec.binary})`,
      attempts: port === undefined ? START_ATTEMPTS : 1,
      pick: async () => {
        try {
          const candidate = port ?? (await pickPort({ avoid: tried }));
          tried.add(candidate);
          return candidate;
        } catch (err) {
          throw new PortClash((err as Error).message);
        }
      },
      describe: (p) => `port ${p}`,
      async start(candidate) {
        const result = await launch(spec, candidate, home);
        if (result.ok) return result.running;
        const details = `--- last output ---\n${tailOf(result.output)}`;
        throw result.bindFailed
          ? new PortClash(result.reason, details)
          : new Error(`${result.reason}\n${details}`);
      },
    }));
  } catch (err) {
    await rm(home, { recursive: true, force: true });
    throw err;
  }
  return handle(spec, started, home);
}

interface Running {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<void>;
  output(): string;
}

type Launch =
  | { ok: true; running: Running }
  | { ok: false; bindFailed: boolean; reason: string; output: string };

async function launch(spec: ServiceSpec, port: number, home: string): Promise<Launch> {
  const child = spawn(spec.binary, spec.args(port, home), {
    cwd: home,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let output = '';
  let onOutput = () => {};
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_KEPT_CHARS);
    onOutput();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exitReason: string | undefined;
  const exited = new Promise<void>((done) => {
    // 'close', not 'exit': only then has all of the output been read (a bind error is often the last line).
    child.once('close', (code, signal) => {
      exitReason = `exited (${signal ? `signal ${signal}` : `code ${code}`}) before it was ready`;
      live.delete(child);
      done();
    });
    child.once('error', (err) => {
      exitReason = `could not be spawned: ${err.message}`;
      live.delete(child);
      done();
    });
  });
  if (child.pid !== undefined) watchdog(child.pid, home);
  const running: Running = { child, port, exited, output: () => output };

  const outcome = await new Promise<'ready' | 'exit' | 'timeout'>((done) => {
    const timer = setTimeout(() => done('timeout'), START_TIMEOUT_MS);
    const settle = (what: 'ready' | 'exit') => {
      clearTimeout(timer);
      done(what);
    };
    onOutput = () => {
      if (spec.ready.test(output)) settle('ready');
    };
    void exited.then(() => settle(spec.ready.test(output) ? 'ready' : 'exit'));
  });
  onOutput = () => {};
  if (outcome === 'ready' && exitReason === undefined) return { ok: true, running };
  if (outcome === 'timeout') {
    await killAndWait(running);
    return {
      ok: false,
      bindFailed: spec.bindFailed.test(output),
      reason: `not ready within ${START_TIMEOUT_MS / 1000} s`,
      output,
    };
  }
  return {
    ok: false,
    bindFailed: spec.bindFailed.test(output),
    reason: `${exitReason ?? 'exited'}${spec.bindFailed.test(output) ? ': port already in use' : ''}`,
    output,
  };
}

function handle(spec: ServiceSpec, first: Running, home: string): ServiceProcess {
  let current = first;
  let stopped = false;
  const endCurrent = async () => {
    const proc = current.child;
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await current.exited;
    clearTimeout(timer);
  };
  return {
    port: first.port,
    get pid() {
      return current.child.pid ?? -1;
    },
    get output() {
      return current.output();
    },
    kill() {
      current.child.kill('SIGKILL');
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await endCurrent();
      await rm(home, { recursive: true, force: true });
    },
    async restart() {
      if (stopped)
        throw new Error(`${spec.name} on port ${first.port} was stopped; start a new one`);
      await endCurrent();
      const deadline = Date.now() + REBIND_WINDOW_MS;
      for (;;) {
        const result = await launch(spec, first.port, home);
        if (result.ok) {
          current = result.running;
          return;
        }
        if (!result.bindFailed || Date.now() > deadline)
          throw new Error(
            `${spec.name} did not restart on port ${first.port}: ${result.reason}\n--- last output ---\n${tailOf(result.output)}`,
          );
        await delay(100);
      }
    },
  };
}

async function killAndWait(running: Running): Promise<void> {
  running.child.kill('SIGKILL');
  await running.exited;
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/** Kills the child and removes its home if this process dies without stopping it. */
function watchdog(childPid: number, home: string): void {
  const me = process.pid;
  const script = [
    `while kill -0 ${me} 2>/dev/null && kill -0 ${childPid} 2>/dev/null; do sleep 1; done`,
    `if ! kill -0 ${me} 2>/dev/null; then kill -9 ${childPid} 2>/dev/null; sleep 0.2; rm -rf '${home}'; fi`,
  ].join('\n');
  spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' }).unref();
}

/** Removes home folders whose owning test process is gone. */
async function sweepOrphans(name: string): Promise<void> {
  const prefix = `parley-${name}-`;
  for (const entry of await readdir(tmpdir()).catch(() => [] as string[])) {
    if (!entry.startsWith(prefix)) continue;
    const dir = join(tmpdir(), entry);
    const owner = Number(await readFile(join(dir, 'owner.pid'), 'utf8').catch(() => 'NaN'));
    if (Number.isInteger(owner) && owner !== process.pid && !alive(owner))
      await rm(dir, { recursive: true, force: true });
  }
}

function tailOf(output: string): string {
  return output.trimEnd().split('\n').slice(-20).join('\n') || '(no output)';
}
