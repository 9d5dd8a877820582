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
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
const INSTALL_TIMEOUT_MS = 15 * 60_000;
const START_TIMEOUT_MS = 30_000;

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
  await run('apt-get', ['update'], env);
  await run('apt-get', ['install', '-y', 'chromium'], env);
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(`apt-get installed "chromium" but ${CHROMIUM_PATH} is still missing`);
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

/** Starts headless Chromium with a fresh temporary profile and connects playwright-core to it. */
export async function startChromium(): Promise<RunningChromium> {
  const profile = mkdtempSync(join(tmpdir(), 'parley-chromium-'));
  const child = spawn(
    CHROMIUM_PATH,
    [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, '--remote-debugging-port=0', 'about:blank'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let browser: Browser;
  try {
    const endpoint = await devToolsEndpoint(child);
    browser = await chromium.connectOverCDP(endpoint);
  } catch (err) {
    await stop(child);
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  return {
    browser,
    async close() {
      await browser.close().catch(() => {});
      await stop(child);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The `ws://` endpoint Chromium prints on stderr once it listens. */
function devToolsEndpoint(child: ChildProcess): Promise<string> {
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
    const onError = (err: Error) =>
      fail(new Error(`cannot start ${CHROMIUM_PATH}: ${err.message}`));
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

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
