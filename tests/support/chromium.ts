/**
 * Real headless Chromium for browser tests: Debian's `/usr/bin/chromium`,
 * installed with apt when missing (a missing browser fails the test with the
 * reason; it is never a skip), started by us with a fresh profile and driven
 * by playwright-core over the DevTools protocol.
 *
 * Why spawn it ourselves rather than `chromium.launch()`: Playwright refuses
 * `--user-data-dir` in `launch()`, and we want the exact flags (and the
 * profile folder) under our control. `newContext()` over CDP still gives each
 * simulated user its own cookies and storage.
 *
 * Robustness (a busy 2-core machine, a browser that is slow to die):
 * - start-up retries a launch that fails (no DevTools line in time, an early
 *   exit) with a fresh profile, up to `LAUNCH_ATTEMPTS` times, and then
 *   fails with every attempt's reason and the binary's path;
 * - teardown closes the browser, waits for the process (SIGTERM, then
 *   SIGKILL) to exit, then removes the profile with retries: Chromium's
 *   helper processes may still be writing into it for a moment, which made
 *   a plain `rmSync` fail with ENOTEMPTY after every test had passed. A
 *   profile that still cannot be removed is left behind with a warning; it
 *   never fails a test run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
const INSTALL_TIMEOUT_MS = 15 * 60_000;
const START_TIMEOUT_MS = 30_000;
const LAUNCH_ATTEMPTS = 3;
/** How long a browser may take to exit after SIGTERM before it is killed. */
const EXIT_GRACE_MS = 5_000;

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Containers often have a tiny /dev/shm; Chromium then crashes tabs.
  '--disable-dev-shm-usage',
] as const;

/** Installs Debian's chromium when `/usr/bin/chromium` is missing; throws with the reason if it cannot. */
export async function ensureChromium(): Promise<void> {
  if (existsSync(CHROMIUM_PATH)) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    await run('apt-get', ['update'], env);
    await runRetryingLock('apt-get', ['install', '-y', 'chromium'], env);
  } catch (err) {
    throw new Error(
      `the browser test needs ${CHROMIUM_PATH} (Debian package "chromium"), which is missing and could not be installed: ${(err as Error).message}`,
      { cause: err },
    );
  }
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(`apt-get installed "chromium" but ${CHROMIUM_PATH} is still missing`);
}

/** Runs an apt command, waiting out another apt/dpkg holding the lock (up to ~2 min). */
async function runRetryingLock(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await run(command, args, env);
      return;
    } catch (err) {
      const locked = /Could not get lock|dpkg frontend lock|is another process using it/i.test(
        (err as Error).message,
      );
      if (!locked || attempt >= 12) throw err;
      await new Promise((resolve) => setTimeout(resolve, 10_000));
    }
  }
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), INSTALL_TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(
        new Error(`cannot run ${command} to install chromium: ${err.message}`, { cause: err }),
      );
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `"${command} ${args.join(' ')}" failed (${signal ?? `exit ${code}`}) while installing chromium for the browser test:\n${output}`,
          ),
        );
    });
  });
}

export interface RunningChromium {
  readonly browser: Browser;
  close(): Promise<void>;
}

export interface StartOptions {
  /** The browser binary; default `CHROMIUM_PATH`. */
  readonly binary?: string;
  /** Launches to try before giving up; default `LAUNCH_ATTEMPTS`. */
  readonly attempts?: number;
}

/**
 * Starts headless Chromium with a fresh temporary profile and connects
 * playwright-core to it; retries a failed launch (fresh profile each time).
 */
export async function startChromium(options: StartOptions = {}): Promise<RunningChromium> {
  const binary = options.binary ?? CHROMIUM_PATH;
  const attempts = options.attempts ?? LAUNCH_ATTEMPTS;
  const reasons: string[] = [];
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return await launchOnce(binary);
    } catch (err) {
      reasons.push(`attempt ${attempt}: ${(err as Error).message}`);
    }
  }
  throw new Error(
    `could not start ${binary} for the browser test (${attempts} attempts):\n${reasons.join('\n')}`,
  );
}

async function launchOnce(binary: string): Promise<RunningChromium> {
  const profile = mkdtempSync(join(tmpdir(), 'parley-chromium-'));
  const child = spawn(
    binary,
    [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, '--remote-debugging-port=0', 'about:blank'],
    // Its own process group, so that teardown reaches the helper processes too.
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  let browser: Browser;
  try {
    const endpoint = await devToolsEndpoint(child, binary);
    browser = await chromium.connectOverCDP(endpoint);
  } catch (err) {
    await stop(child);
    await removeProfile(profile);
    throw err;
  }
  // A test runner that exits without teardown must not leave the browser group running.
  const killOnExit = () => killGroup(child, 'SIGKILL');
  process.once('exit', killOnExit);
  let closing: Promise<void> | undefined;
  return {
    browser,
    close() {
      closing ??= (async () => {
        // Ask Chromium itself to quit (flushes and closes its profile), then disconnect.
        await browser
          .newBrowserCDPSession()
          .then((session) => session.send('Browser.close'))
          .catch(() => {});
        await browser.close().catch(() => {});
        await stop(child);
        process.off('exit', killOnExit);
        await removeProfile(profile);
      })();
      return closing;
    },
  };
}

/**
 * Removes a profile folder, retrying while something still writes into it
 * (ENOTEMPTY, EBUSY, EPERM); gives up with a warning, never an error.
 */
export async function removeProfile(profile: string): Promise<void> {
  try {
    await rm(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  } catch (err) {
    console.warn(
      `[chromium] left the profile ${profile} behind: ${(err as Error).message} (the browser test itself is unaffected)`,
    );
  }
}

/** The `ws://` endpoint Chromium prints on stderr once it listens. */
function devToolsEndpoint(child: ChildProcess, binary: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(
      () => fail(new Error(`chromium did not start within ${START_TIMEOUT_MS} ms:\n${stderr}`)),
      START_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(stderr);
      if (match?.[1] === undefined) return;
      cleanup();
      resolve(match[1]);
    };
    const onExit = (code: number | null, signal: string | null) =>
      fail(
        new Error(`chromium exited (${signal ?? `exit ${code}`}) before it listened:\n${stderr}`),
      );
    const onError = (err: Error) => fail(new Error(`cannot start ${binary}: ${err.message}`));
    function fail(err: Error) {
      cleanup();
      reject(err);
    }
    function cleanup() {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
      // Keep draining stderr so Chromium never blocks on a full pipe.
      child.stderr?.resume();
    }
    child.stderr?.on('data', onData);
    child.on('exit', onExit);
    child.on('error', onError);
  });
}

/**
 * Stops Chromium and waits until its process has exited: SIGTERM to its
 * process group, SIGKILL to the group after `EXIT_GRACE_MS`. Helper
 * processes (renderers, GPU, zygote) are in the same group, so none is left
 * writing into the profile afterwards.
 */
function stop(child: ChildProcess): Promise<void> {
  const signalGroup = (signal: NodeJS.Signals) => killGroup(child, signal);
  // Never started (the binary could not be run): nothing to wait for.
  if (child.pid === undefined) return Promise.resolve();
  if (child.exitCode !== null || child.signalCode !== null) {
    // The main process is gone; its helpers may linger a moment.
    signalGroup('SIGKILL');
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => signalGroup('SIGKILL'), EXIT_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      signalGroup('SIGKILL');
      resolve();
    });
    signalGroup('SIGTERM');
  });
}

/** Signals Chromium's process group (it was spawned detached, as the group's leader). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // The group is gone already.
  }
}
