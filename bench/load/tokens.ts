/**
 * Where a load run gets its JWTs: signed locally with the server's HS256
 * secret (`signDevToken`, the same claims the dev endpoint mints), or asked
 * from a node's `POST /api/v1/dev/tokens`, at most `concurrency` at a time.
 */
import { signDevToken } from '../../actors/protocol/index.ts';

export type TokenSource = (user: string, device: string) => Promise<string>;

const FETCH_TIMEOUT_MS = 10_000;

export function signedTokens(secret: string): TokenSource {
  return (user, device) => signDevToken(secret, user, device);
}

/** `ws://host:port/ws` → `http://host:port`. */
export function httpBase(wsUrl: string): string {
  const u = new URL(wsUrl);
  u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
  u.pathname = '';
  u.search = '';
  return u.toString().replace(/\/$/, '');
}

export function devEndpointTokens(wsUrl: string): TokenSource {
  const endpoint = `${httpBase(wsUrl)}/api/v1/dev/tokens`;
  return async (user, device) => {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user, device }),
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
    if (res.status !== 200 && res.status !== 201)
      throw new Error(
        `POST ${endpoint} answered ${res.status}: ${(await res.text()).slice(0, 200)} (pass --secret to sign tokens locally)`,
      );
    const body = (await res.json()) as { token?: unknown };
    if (typeof body.token !== 'string') throw new Error(`POST ${endpoint}: no token in the answer`);
    return body.token;
  };
}

/** Runs `fn` over `items` with at most `concurrency` at a time, results in order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}
