/**
 * The VAPID key pair: made once in the data directory (mode 0600) and read
 * back, or taken from the environment's pair; bad keys refused.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import webpush from 'web-push';
import { loadVapidKeys, VAPID_FILE } from './vapid.ts';

describe('VAPID keys', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'parley-vapid-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('makes a pair in the data directory once, mode 0600, and reads it on later starts', () => {
    const d = dir();
    const first = loadVapidKeys({ dataDir: d });
    expect(statSync(join(d, VAPID_FILE)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(d, VAPID_FILE), 'utf8'))).toEqual({
      publicKey: first.publicKey,
      privateKey: first.privateKey,
    });
    expect(loadVapidKeys({ dataDir: d })).toEqual(first);
    expect(first.subject).toBe('mailto:parley@localhost');
  });

  it('takes the given pair over the file, and refuses half a pair or a bad key', () => {
    const pair = webpush.generateVAPIDKeys();
    const d = dir();
    expect(loadVapidKeys({ dataDir: d, ...pair, subject: 'https://ops.example' })).toEqual({
      ...pair,
      subject: 'https://ops.example',
    });
    expect(() => loadVapidKeys({ dataDir: d, publicKey: pair.publicKey })).toThrow(
      'PARLEY_VAPID_PUBLIC_KEY and PARLEY_VAPID_PRIVATE_KEY go together: set both or neither',
    );
    expect(() =>
      loadVapidKeys({ dataDir: d, publicKey: 'abc', privateKey: pair.privateKey }),
    ).toThrow(
      'the VAPID public key must be a base64url uncompressed P-256 point (65 bytes), got "abc"',
    );
    writeFileSync(join(d, VAPID_FILE), 'not json');
    expect(() => loadVapidKeys({ dataDir: d })).toThrow(/vapid\.json is not JSON/);
  });
});
