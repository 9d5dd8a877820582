/**
 * Push notification settings from the environment, for the composition roots
 * (`bin/`): `readPushEnv` is pure and refuses a bad value with one line naming
 * it; `nodePushOptions` loads (or makes, in the data directory) the VAPID keys.
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | `PARLEY_PUSH` | `1` | `0`: no push notifications at all |
 * | `PARLEY_VAPID_PUBLIC_KEY` | from `<PARLEY_DATA_DIR>/vapid.json` | VAPID public key (base64url); with the private key; the same on every node of a cluster |
 * | `PARLEY_VAPID_PRIVATE_KEY` | from `<PARLEY_DATA_DIR>/vapid.json` | VAPID private key (base64url) |
 * | `PARLEY_VAPID_SUBJECT` | `mailto:parley@localhost` | contact sent to push services (`mailto:` or `https:`) |
 * | `PARLEY_PUSH_ALLOW_HTTP` | `0` | `1`: accept `http:` push endpoints (tests, local development only) |
 * | `PARLEY_PUSH_COALESCE_MS` | `30000` | one push per conversation per this window (0: every message) |
 * | `PARLEY_PUSH_RATE_PER_MIN` | `20` | pushes per user per minute |
 * | `PARLEY_PUSH_WEBHOOK_URL` | | relay for native pushes (APNs/FCM), with the secret |
 * | `PARLEY_PUSH_WEBHOOK_SECRET` | | HMAC-SHA256 key of `X-Parley-Signature` |
 */
import { mkdirSync } from 'node:fs';
import type { NodePushOptions } from '../actors/node.ts';
import { loadVapidKeys, type PushConfig, type WebhookSettings } from '../actors/push/index.ts';

export interface PushEnv {
  readonly enabled: boolean;
  readonly vapid: {
    readonly publicKey?: string;
    readonly privateKey?: string;
    readonly subject?: string;
  };
  readonly webhook: WebhookSettings | undefined;
  readonly config: Partial<PushConfig>;
}

/** A bad push variable: its message is the operator's one line. */
export class PushEnvError extends Error {
  override readonly name = 'PushEnvError';
  readonly code = 'invalid_argument';
}

type Env = Readonly<Record<string, string | undefined>>;

export function readPushEnv(env: Env): PushEnv {
  const enabled = flag(env, 'PARLEY_PUSH', true);
  const publicKey = value(env, 'PARLEY_VAPID_PUBLIC_KEY');
  const privateKey = value(env, 'PARLEY_VAPID_PRIVATE_KEY');
  if ((publicKey === undefined) !== (privateKey === undefined))
    throw new PushEnvError(
      'PARLEY_VAPID_PUBLIC_KEY and PARLEY_VAPID_PRIVATE_KEY go together: set both or neither',
    );
  const subject = value(env, 'PARLEY_VAPID_SUBJECT');
  if (subject !== undefined && !/^(mailto:|https:)\S+$/.test(subject))
    throw new PushEnvError(
      `PARLEY_VAPID_SUBJECT must be a mailto: or https: URL, got ${JSON.stringify(subject)}`,
    );
  const url = value(env, 'PARLEY_PUSH_WEBHOOK_URL');
  const secret = value(env, 'PARLEY_PUSH_WEBHOOK_SECRET');
  if ((url === undefined) !== (secret === undefined))
    throw new PushEnvError(
      'PARLEY_PUSH_WEBHOOK_URL and PARLEY_PUSH_WEBHOOK_SECRET go together: set both or neither',
    );
  if (url !== undefined && !/^https?:\/\/\S+$/.test(url))
    throw new PushEnvError(
      `PARLEY_PUSH_WEBHOOK_URL must be an http(s) URL, got ${JSON.stringify(url)}`,
    );
  const config: { -readonly [K in keyof PushConfig]?: PushConfig[K] } = {
    allowHttp: flag(env, 'PARLEY_PUSH_ALLOW_HTTP', false),
  };
  const coalesceMs = int(env, 'PARLEY_PUSH_COALESCE_MS', 0);
  if (coalesceMs !== undefined) config.coalesceMs = coalesceMs;
  const ratePerMin = int(env, 'PARLEY_PUSH_RATE_PER_MIN', 1);
  if (ratePerMin !== undefined) config.ratePerMin = ratePerMin;
  return {
    enabled,
    vapid: {
      ...(publicKey !== undefined ? { publicKey } : {}),
      ...(privateKey !== undefined ? { privateKey } : {}),
      ...(subject !== undefined ? { subject } : {}),
    },
    webhook: url !== undefined && secret !== undefined ? { url, secret } : undefined,
    config,
  };
}

/** The node's push options (undefined when push is off), with the VAPID keys loaded or made in `dataDir`. */
export function nodePushOptions(push: PushEnv, dataDir: string): NodePushOptions | undefined {
  if (!push.enabled) return undefined;
  mkdirSync(dataDir, { recursive: true });
  return {
    vapid: loadVapidKeys({ dataDir, ...push.vapid }),
    ...(push.webhook !== undefined ? { webhook: push.webhook } : {}),
    config: push.config,
  };
}

function value(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const v = value(env, name);
  if (v === undefined) return fallback;
  if (v === '1' || v === 'true') return true;
  if (v === '0' || v === 'false') return false;
  throw new PushEnvError(`${name} must be 1, true, 0 or false, got ${JSON.stringify(v)}`);
}

function int(env: Env, name: string, min: number): number | undefined {
  const v = value(env, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min)
    throw new PushEnvError(`${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return n;
}
