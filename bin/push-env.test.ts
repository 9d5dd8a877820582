import { describe, expect, it } from 'vitest';
import { readPushEnv } from './push-env.ts';

describe('push settings from the environment', () => {
  it('is on with https-only endpoints and the defaults when nothing is set', () => {
    expect(readPushEnv({})).toEqual({
      enabled: true,
      vapid: {},
      webhook: undefined,
      config: { allowHttp: false },
    });
  });

  it('reads every variable', () => {
    expect(
      readPushEnv({
        PARLEY_PUSH: '1',
        PARLEY_VAPID_PUBLIC_KEY: 'pub',
        PARLEY_VAPID_PRIVATE_KEY: 'priv',
        PARLEY_VAPID_SUBJECT: 'mailto:ops@example.com',
        PARLEY_PUSH_ALLOW_HTTP: 'true',
        PARLEY_PUSH_COALESCE_MS: '0',
        PARLEY_PUSH_RATE_PER_MIN: '5',
        PARLEY_PUSH_WEBHOOK_URL: 'https://relay.example/hook',
        PARLEY_PUSH_WEBHOOK_SECRET: 's',
      }),
    ).toEqual({
      enabled: true,
      vapid: { publicKey: 'pub', privateKey: 'priv', subject: 'mailto:ops@example.com' },
      webhook: { url: 'https://relay.example/hook', secret: 's' },
      config: { allowHttp: true, coalesceMs: 0, ratePerMin: 5 },
    });
    expect(readPushEnv({ PARLEY_PUSH: '0' }).enabled).toBe(false);
  });

  it.each([
    [
      { PARLEY_VAPID_PUBLIC_KEY: 'p' },
      'PARLEY_VAPID_PUBLIC_KEY and PARLEY_VAPID_PRIVATE_KEY go together: set both or neither',
    ],
    [
      { PARLEY_PUSH_WEBHOOK_SECRET: 's' },
      'PARLEY_PUSH_WEBHOOK_URL and PARLEY_PUSH_WEBHOOK_SECRET go together: set both or neither',
    ],
    [
      { PARLEY_PUSH_WEBHOOK_URL: 'ftp://x', PARLEY_PUSH_WEBHOOK_SECRET: 's' },
      'PARLEY_PUSH_WEBHOOK_URL must be an http(s) URL, got "ftp://x"',
    ],
    [
      { PARLEY_VAPID_SUBJECT: 'ops' },
      'PARLEY_VAPID_SUBJECT must be a mailto: or https: URL, got "ops"',
    ],
    [
      { PARLEY_PUSH_ALLOW_HTTP: 'yes' },
      'PARLEY_PUSH_ALLOW_HTTP must be 1, true, 0 or false, got "yes"',
    ],
    [
      { PARLEY_PUSH_RATE_PER_MIN: '0' },
      'PARLEY_PUSH_RATE_PER_MIN must be an integer >= 1, got "0"',
    ],
    [
      { PARLEY_PUSH_COALESCE_MS: '-5' },
      'PARLEY_PUSH_COALESCE_MS must be an integer >= 0, got "-5"',
    ],
  ])('refuses %o', (env, message) => {
    expect(() => readPushEnv(env)).toThrow(message);
  });
});
