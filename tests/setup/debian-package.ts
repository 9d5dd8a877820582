/**
 * Installing a test service's binary from Debian when it is missing:
 * `ensureDebianBinary({ binary: 'nats-server', pkg: 'nats-server' })`
 * resolves with the binary's absolute path.
 *
 * Guarantees: a binary already on the PATH (or in /usr/sbin, /usr/bin) is
 * returned without running anything; otherwise `apt-get install` runs under a
 * machine-wide lock (`<tmpdir>/parley-apt.lock`), so the parallel test
 * processes of one run, or of several runs, never race each other into dpkg,
 * and waits for dpkg's own lock when someone else's apt holds it. An install
 * that fails is retried once after `apt-get update` (the package lists may be
 * missing or stale). When it still fails, the error names the package, the
 * binary, the command and the tail of apt's output. The result is cached per
 * process.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { withLock } from './lock.ts';

export interface DebianBinary {
  /** The executable's file name, e.g. `redis-server`. */
  readonly binary: string;
  /** The Debian package that ships it. */
  readonly pkg: string;
}

const APT_TIMEOUT_MS = 10 * 60_000;
/** How long apt-get waits for dpkg's lock when another install holds it. */
const DPKG_LOCK_WAIT_S = 300;
const LOCK_DIR = join(tmpdir(), 'parley-apt.lock');

const installed = new Map<string, Promise<string>>();

/** The absolute path of `binary`, installing `pkg` with apt-get first when it is missing. */
export function ensureDebianBinary(spec: DebianBinary): Promise<string> {
  let pending = installed.get(spec.binary);
  if (!pending) {
    pending = ensure(spec);
    // A failure is not cached: the next call tries again.
    pending.catch(() => installed.delete(spec.binary));
    installed.set(spec.binary, pending);
  }
  return pending;
}

async function ensure({ binary, pkg }: DebianBinary): Promise<string> {
  const found = findBinary(binary);
  if (found) return found;
  return withLock(LOCK_DIR, APT_TIMEOUT_MS, async () => {
    const again = findBinary(binary);
    if (again) return again;
    const first = await aptGet(['install', '-y', '--no-install-recommends', pkg]);
    let last = first;
    if (!first.ok) {
      const update = await aptGet(['update']);
      last = update.ok ? await aptGet(['install', '-y', '--no-install-recommends', pkg]) : update;
    }
    const path = findBinary(binary);
    if (path) return path;
    throw new Error(
      `could not install the Debian package ${JSON.stringify(pkg)} (for ${binary}): ` +
        `${last.ok ? `apt-get succeeded but ${binary} is not on the PATH` : last.reason}\n${last.output}`,
    );
  });
}

/** Looks `binary` up on the PATH and in the sbin folders a non-login shell may lack. */
export function findBinary(binary: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const path = join(dir, binary);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {}
  }
  return undefined;
}

type AptResult = { ok: true; output: string } | { ok: false; reason: string; output: string };

function aptGet(args: string[]): Promise<AptResult> {
  const argv = ['-q', '-o', `DPkg::Lock::Timeout=${DPKG_LOCK_WAIT_S}`, ...args];
  const command = `apt-get ${argv.join(' ')}`;
  return new Promise((done) => {
    execFile(
      'apt-get',
      argv,
      {
        timeout: APT_TIMEOUT_MS,
        maxBuffer: 16 << 20,
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      },
      (err, stdout, stderr) => {
        const output = `${stdout}\n${stderr}`.trim().split('\n').slice(-15).join('\n');
        if (!err) return done({ ok: true, output });
        const code = (err as NodeJS.ErrnoException).code;
        const why =
          code === 'ENOENT'
            ? 'apt-get not found: not a Debian-based system?'
            : err.killed
              ? `killed after ${APT_TIMEOUT_MS / 1000} s`
              : `exit code ${code}`;
        done({ ok: false, reason: `\`${command}\` failed (${why})`, output });
      },
    );
  });
}
