/**
 * Finding an installed binary without apt: the package named here does not
 * exist, so the test would fail if apt-get were run. (The install path itself
 * is exercised by a fresh machine's first run; running apt-get update from a
 * unit test would cost minutes and race other installs.)
 */
import { expect, test } from 'vitest';
import { ensureDebianBinary, findBinary } from './debian-package.ts';

test('an installed binary is found on the PATH (or in sbin) without running apt-get', async () => {
  const path = await ensureDebianBinary({ binary: 'sh', pkg: 'parley-no-such-package' });
  expect(path).toMatch(/^\/(usr\/)?s?bin\/sh$/);
  expect(findBinary('sh')).toBe(path);
});

test('findBinary looks in /usr/sbin even when the PATH lacks it', () => {
  const saved = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    expect(findBinary('nats-server')).toBe('/usr/sbin/nats-server');
    expect(findBinary('parley-no-such-binary')).toBeUndefined();
  } finally {
    process.env.PATH = saved;
  }
});
