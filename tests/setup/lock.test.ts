/**
 * The cross-process lock: one holder at a time, a dead owner's lock is taken
 * over, a live owner's lock times out with its pid named.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { alive, delay, withLock } from './lock.ts';

const dirs: string[] = [];
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-lock-test-'));
  dirs.push(dir);
  return join(dir, 'lock');
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test('holders run one at a time', async () => {
  const lock = fresh();
  let inside = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: 5 }, () =>
      withLock(lock, 5000, async () => {
        inside++;
        most = Math.max(most, inside);
        await delay(20);
        inside--;
      }),
    ),
  );
  expect(most).toBe(1);
});

test("a dead owner's lock is taken over", async () => {
  const lock = fresh();
  const dead = spawnSync('true').pid;
  expect(alive(dead)).toBe(false);
  mkdirSync(lock);
  writeFileSync(join(lock, 'pid'), String(dead));
  expect(await withLock(lock, 1000, async () => 'got it')).toBe('got it');
});

test("a live owner's lock times out naming the owner", async () => {
  const lock = fresh();
  mkdirSync(lock);
  writeFileSync(join(lock, 'pid'), String(process.ppid));
  await expect(withLock(lock, 300, async () => 'never')).rejects.toThrow(
    `timed out after 0.3 s waiting for the lock ${lock} (held by pid ${process.ppid})`,
  );
});
