/**
 * The HTTP routes of push notifications (`docs/push.md`):
 *
 * - `GET /api/v1/push/vapid` → 200 `{"publicKey"}`: the node's VAPID public
 *   key (base64url), the `applicationServerKey` of `PushManager.subscribe`.
 *   Public: it is sent to every browser anyway.
 * - `POST /api/v1/push/subscriptions` (bearer auth, `application/json`, body
 *   the fields of `push.subscribe` without `type`) → 201 `{"id"}`; a bad body
 *   or a subscription the node will not keep → 400 `bad_request` saying why.
 * - `DELETE /api/v1/push/subscriptions/{id}` (bearer auth) → 204, also when
 *   there was no such subscription (idempotent).
 *
 * A node without push answers the three 404.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { quote } from '../../runtime/index.ts';
import { decodePushSubscribeBody, isId } from '../protocol/index.ts';
import { PushRefusal, type PushService } from '../push/index.ts';
import { HttpError, readBody, sendJson } from './http.ts';
import { jsonBodyError } from './http-guards.ts';

export const PUSH_VAPID_PATH = '/api/v1/push/vapid';
export const PUSH_SUBSCRIPTIONS_PATH = '/api/v1/push/subscriptions';
const BODY_BYTES_MAX = 8192;

/**
 * Answers `path` when it is a push route (resolving with the route's name
 * for the metrics), else resolves undefined. `allow` refuses other methods
 * (405); `identify` authenticates the request (401).
 */
export async function routePush(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  push: PushService,
  allow: (...methods: string[]) => void,
  identify: () => Promise<{ readonly user: string }>,
): Promise<string | undefined> {
  if (path === PUSH_VAPID_PATH) {
    allow('GET', 'HEAD');
    sendVapidKey(res, push);
    return PUSH_VAPID_PATH;
  }
  if (path === PUSH_SUBSCRIPTIONS_PATH) {
    allow('POST');
    const { user } = await identify();
    await createSubscription(req, res, user, push);
    return PUSH_SUBSCRIPTIONS_PATH;
  }
  if (path.startsWith(`${PUSH_SUBSCRIPTIONS_PATH}/`)) {
    allow('DELETE');
    const { user } = await identify();
    const id = decodeSegment(path.slice(PUSH_SUBSCRIPTIONS_PATH.length + 1));
    await deleteSubscription(res, user, id, push);
    return `${PUSH_SUBSCRIPTIONS_PATH}/{id}`;
  }
  return undefined;
}

/** A path segment decoded, or as it is when it is not valid percent-encoding. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function sendVapidKey(res: ServerResponse, push: PushService): void {
  sendJson(res, 200, { publicKey: push.vapidPublicKey });
}

export async function createSubscription(
  req: IncomingMessage,
  res: ServerResponse,
  user: string,
  push: PushService,
): Promise<void> {
  const refusal = jsonBodyError(req);
  if (refusal !== undefined) {
    req.resume();
    throw refusal;
  }
  const body = await readBody(req, BODY_BYTES_MAX);
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(
      400,
      'bad_request',
      'body must be JSON: {"subscription": {...}, "previews"?: bool}',
    );
  }
  const decoded = decodePushSubscribeBody(value);
  if (!decoded.ok) throw new HttpError(400, 'bad_request', decoded.error.message);
  let id: string;
  try {
    id = await push.registry.subscribe(user, decoded.frame.subscription, decoded.frame.previews);
  } catch (err) {
    if (err instanceof PushRefusal) throw new HttpError(400, 'bad_request', err.message);
    throw err;
  }
  sendJson(res, 201, { id });
}

export async function deleteSubscription(
  res: ServerResponse,
  user: string,
  id: string,
  push: PushService,
): Promise<void> {
  if (!isId(id)) throw new HttpError(404, 'not_found', `no push subscription ${quote(id)}`);
  await push.registry.unsubscribe(user, { id });
  res.writeHead(204, { 'Cache-Control': 'no-store' });
  res.end();
}
