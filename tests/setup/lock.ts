/**
 * A cross-process lock for the test setup: a directory holding its owner's
 * pid. `mkdir` is atomic, so exactly one process holds it; a lock whose owner
 * died (a killed test run) is taken over, so it can never wedge later runs.
 *
 * Used where parallel test processes would otherwise race: fetching
 * Cassandra's jars, installing Debian packages (dpkg takes one install at a time).
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const POLL_MS = 250;
/** A lock folder without a pid file this old was left by a process killed between mkdir and write. */
const ORPHAN_AGE_MS = 10_000;

/** Runs `fn` holding the lock `lockDir`; waits at most `timeoutMs` for it. */
export async function withLock<T>(
  lockDir: string,
  timeoutMs: number,
  fn: () => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = readOwner(lockDir);
      // A lock without a pid file is being taken right now (mkdir, then write), unless it is old.
      const dead = owner === undefined ? ageMs(lockDir) > ORPHAN_AGE_MS : !alive(owner);
      if (dead) rmSync(lockDir, { recursive: true, force: true });
      else if (Date.now() > deadline)
        throw new Error(
          `timed out after ${timeoutMs / 1000} s waiting for the lock ${lockDir} (held by pid ${owner ?? 'unknown'})`,
        );
      else await delay(POLL_MS);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

function readOwner(lockDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** Whether a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
