/**
 * What a killed test run can leave behind, cleared at the next start: node
 * folders (`<tmpdir>/parley-cassandra-XXXXXX`, each holding its owner's pid)
 * and, if the watchdog died with the run (a `kill -9` of the whole process
 * group), the JVM itself, still holding 1 GiB of heap and two ports.
 *
 * Invariant: only nodes whose owner is gone are touched. A node is
 * recognised by its command line (`-Dcassandra.logdir=<its folder>`), and
 * its owner by the folder's `owner.pid`; a JVM whose folder no longer
 * exists is an orphan too (the folder is created before the JVM starts and
 * removed only after it was killed).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive, delay } from './lock.ts';

/** Node folders are `<tmpdir>/parley-cassandra-XXXXXX`, holding `owner.pid`. */
export const HOME_PREFIX = 'parley-cassandra-';

export interface Swept {
  /** Pids of orphaned JVMs that were killed. */
  readonly killed: number[];
  /** Node folders that were removed. */
  readonly removed: string[];
}

/** Kills orphaned test JVMs, then removes the folders of dead owners. */
export async function sweepOrphans(): Promise<Swept> {
  const killed: number[] = [];
  for (const { pid, home } of testNodes()) {
    if (ownerAlive(home)) continue;
    try {
      process.kill(pid, 'SIGCONT');
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {}
  }
  for (let i = 0; i < 50 && killed.some(alive); i++) await delay(100);
  const removed: string[] = [];
  for (const name of await readdir(tmpdir()).catch(() => [] as string[])) {
    if (!name.startsWith(HOME_PREFIX)) continue;
    const dir = join(tmpdir(), name);
    const owner = Number(await readFile(join(dir, 'owner.pid'), 'utf8').catch(() => 'NaN'));
    if (Number.isInteger(owner) && owner !== process.pid && !alive(owner)) {
      await rm(dir, { recursive: true, force: true });
      removed.push(dir);
    }
  }
  return { killed, removed };
}

function ownerAlive(home: string): boolean {
  try {
    const owner = Number(readFileSync(join(home, 'owner.pid'), 'utf8'));
    return Number.isInteger(owner) && (owner === process.pid || alive(owner));
  } catch {
    return false;
  }
}

/** Running test JVMs: their pid and node folder, read from /proc (Linux). */
function testNodes(): Array<{ pid: number; home: string }> {
  const marker = `-Dcassandra.logdir=${join(tmpdir(), HOME_PREFIX)}`;
  const nodes: Array<{ pid: number; home: string }> = [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return nodes;
  }
  for (const pid of pids) {
    let args: string[];
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const arg = args.find((a) => a.startsWith(marker));
    if (arg && args.includes('org.apache.cassandra.service.CassandraDaemon'))
      nodes.push({ pid: Number(pid), home: arg.slice('-Dcassandra.logdir='.length) });
  }
  return nodes;
}
