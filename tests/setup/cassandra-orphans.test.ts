/**
 * The sweep of what killed runs left, with stand-in JVMs (shell loops whose
 * command line carries a test node's markers): a node whose owner died is
 * killed and its folder removed, a node whose folder is gone is killed, and a
 * node whose owner lives is left alone.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { HOME_PREFIX, sweepOrphans } from './cassandra-orphans.ts';
import { alive } from './lock.ts';

const started: ChildProcess[] = [];
const homes: string[] = [];
afterAll(async () => {
  for (const child of started) child.kill('SIGKILL');
  for (const home of homes) await rm(home, { recursive: true, force: true });
});

/** A node folder owned by `owner`, and a stand-in JVM pointing at it. */
async function fakeNode(owner: number | 'no folder'): Promise<{ pid: number; home: string }> {
  const home = await mkdtemp(join(tmpdir(), HOME_PREFIX));
  homes.push(home);
  if (owner === 'no folder') await rm(home, { recursive: true });
  else await writeFile(join(home, 'owner.pid'), String(owner));
  const child = spawn(
    'sh',
    [
      '-c',
      'while :; do sleep 0.2; done',
      `-Dcassandra.logdir=${home}`,
      'org.apache.cassandra.service.CassandraDaemon',
    ],
    { stdio: 'ignore' },
  );
  started.push(child);
  if (child.pid === undefined) throw new Error('could not spawn a stand-in JVM');
  return { pid: child.pid, home };
}

test('kills nodes of dead owners and nodes without a folder; leaves live owners alone', async () => {
  const deadOwner = spawnSync('true').pid;
  const orphan = await fakeNode(deadOwner);
  const homeless = await fakeNode('no folder');
  const mine = await fakeNode(process.pid);
  const swept = await sweepOrphans();

  expect(swept.killed).toEqual(expect.arrayContaining([orphan.pid, homeless.pid]));
  expect(swept.killed).not.toContain(mine.pid);
  expect(swept.removed).toContain(orphan.home);
  expect(alive(orphan.pid)).toBe(false);
  expect(alive(homeless.pid)).toBe(false);
  expect(existsSync(orphan.home)).toBe(false);
  expect(alive(mine.pid)).toBe(true);
  expect(existsSync(mine.home)).toBe(true);
});
