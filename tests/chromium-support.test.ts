/**
 * The browser test's Chromium support (`support/chromium.ts`) where it
 * flaked or could fail unclearly: removing a profile that something is
 * still writing into (the ENOTEMPTY of issue 8) never throws and leaves no
 * folder once the writer stops; a browser that cannot start fails with the
 * binary's path and every attempt's reason, after the given retries.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeProfile, startChromium } from './support/chromium.ts';

describe('chromium support', () => {
  it('removes a profile that another process is still writing into, without throwing', async () => {
    const profile = mkdtempSync(join(tmpdir(), 'parley-chromium-test-'));
    for (let i = 0; i < 50; i++) {
      mkdirSync(join(profile, `Default${i % 5}`, `Cache${i}`), { recursive: true });
      writeFileSync(join(profile, `Default${i % 5}`, `Cache${i}`, 'data'), 'x'.repeat(1000));
    }
    // A writer in another process, like Chromium's helpers flushing at exit.
    const writer = spawn(
      'sh',
      [
        '-c',
        `end=$(($(date +%s) + 1)); while [ $(date +%s) -le $end ]; do mkdir -p "${profile}/Default0/w$$" && : > "${profile}/Default0/w$$/f$RANDOM"; done`,
      ],
      { stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => writer.once('exit', resolve));
    // Remove while it writes (a plain rmSync then fails with ENOTEMPTY every time).
    const writing = join(profile, 'Default0', `w${writer.pid}`);
    while (!existsSync(writing)) await new Promise((resolve) => setTimeout(resolve, 5));
    await removeProfile(profile);
    await exited;
    // Whatever the writer left after the last retry is gone on a second pass.
    await removeProfile(profile);
    expect(existsSync(profile)).toBe(false);
  }, 30_000);

  it('fails to start a missing browser with its path and each attempt, after retrying', async () => {
    const binary = join(tmpdir(), 'no-such-dir', 'chromium');
    const error = await startChromium({ binary, attempts: 2 }).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(error?.message).toContain(`could not start ${binary} for the browser test (2 attempts)`);
    expect(error?.message).toContain('attempt 1: cannot start');
    expect(error?.message).toContain('attempt 2: cannot start');
    expect(error?.message).toContain('ENOENT');
  });
});
