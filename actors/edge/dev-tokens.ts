/**
 * `POST /api/v1/dev/tokens`: mints an HS256 dev token for `{"user","device"}`
 * (device optional, default `"default"`), valid for `DEV_TOKEN_TTL_SEC`.
 * Routed only when dev tokens are enabled; otherwise the path is a 404.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Clock, quote } from '../../runtime/index.ts';
import { DEFAULT_DEVICE, DEV_TOKEN_TTL_SEC, isUserId, signDevToken } from '../protocol/index.ts';
import { HttpError, readBody, sendJson } from './http.ts';

export const DEV_TOKENS_PATH = '/api/v1/dev/tokens';
/** The body is two ids: anything longer is not a token request. */
const BODY_BYTES_MAX = 4096;
const ID_RULE = '1..64 chars of [A-Za-z0-9_.-]';

export async function mintDevToken(
  req: IncomingMessage,
  res: ServerResponse,
  secret: string | Uint8Array,
  clock: Clock,
): Promise<void> {
  const body = await readBody(req, BODY_BYTES_MAX);
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'bad_request', 'body must be JSON: {"user": ..., "device": ...}');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new HttpError(400, 'bad_request', `body must be a JSON object, got ${quote(value)}`);
  const { user, device } = value as { user?: unknown; device?: unknown };
  if (!isUserId(user)) throw badField('user', user);
  const dev = device === undefined || device === null ? DEFAULT_DEVICE : device;
  if (!isUserId(dev)) throw badField('device', dev);
  const token = await signDevToken(secret, user, dev, DEV_TOKEN_TTL_SEC, clock);
  sendJson(res, 200, { token });
}

function badField(field: string, value: unknown): HttpError {
  const message =
    value === undefined
      ? `field "${field}" is missing; it must be ${ID_RULE}`
      : `field "${field}" must be ${ID_RULE}, got ${quote(value)}`;
  return new HttpError(400, 'bad_request', message);
}
