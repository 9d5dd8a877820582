/**
 * `POST /api/v1/dev/tokens`: mints an HS256 dev token for `{"user","device"}`
 * (device optional, default `"default"`), valid for `DEV_TOKEN_TTL_SEC`.
 * Routed only when dev tokens are enabled; otherwise the path is a 404.
 *
 * A dev token is any identity for the asking, so it is minted only for the
 * local developer: the `Host` must name this server by address or as
 * `localhost` with its port (not a hostname: DNS rebinding, a reverse
 * proxy), an `Origin` must be absent or same-origin, no proxy headers may be
 * present (403 for each), and the body must be declared `application/json`
 * (415: a foreign page can post `text/plain` without a CORS preflight).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Clock, quote } from '../../runtime/index.ts';
import { DEFAULT_DEVICE, DEV_TOKEN_TTL_SEC, isUserId, signDevToken } from '../protocol/index.ts';
import { HttpError, readBody, sendJson } from './http.ts';
import { jsonBodyError, localHostError, originError, proxiedError } from './http-guards.ts';

/** Where the server listens: the Host a dev-token request must name. */
export interface DevTokenBind {
  readonly host: string;
  readonly port: number;
}

export const DEV_TOKENS_PATH = '/api/v1/dev/tokens';
/** The body is two ids: anything longer is not a token request. */
const BODY_BYTES_MAX = 4096;
const ID_RULE = '1..64 chars of [A-Za-z0-9_.-]';

export async function mintDevToken(
  req: IncomingMessage,
  res: ServerResponse,
  secret: string | Uint8Array,
  clock: Clock,
  bind: DevTokenBind,
): Promise<void> {
  const refusal =
    proxiedError(req) ??
    localHostError(req, bind.host, bind.port) ??
    originError(req) ??
    jsonBodyError(req);
  if (refusal !== undefined) {
    req.resume();
    throw refusal;
  }
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
