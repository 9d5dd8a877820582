import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Clock, ErrorCode, ParleyError } from '../../runtime/index.ts';
import {
  AuthError,
  type AuthResult,
  authenticateRequest,
  generateSecret,
  hs256Verifier,
  jwksVerifier,
  signDevToken,
  tokenFromRequest,
} from './auth.ts';

const SECRET = 'test-secret';
const NOW_MS = Date.UTC(2026, 0, 1, 12, 0, 0);
const NOW_SEC = NOW_MS / 1000;
const clockAt = (ms: number): Clock => ({
  now: () => ms,
  setTimer: () => {
    throw new Error('no timers in these tests');
  },
  clearTimer: () => {},
  defer: () => {},
});
const clock = clockAt(NOW_MS);
const verifier = hs256Verifier(SECRET, { clock });
const key = new TextEncoder().encode(SECRET);

/** Signs arbitrary claims with HS256 (or another header) for the refusal cases. */
function sign(claims: Record<string, unknown>, secret: Uint8Array = key): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(secret);
}

function refusal(result: AuthResult): { reason: string; code: string; message: string } {
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.identity)}`);
  expect(result.error).toBeInstanceOf(AuthError);
  expect(result.error).toBeInstanceOf(ParleyError);
  expect(result.error.name).toBe('AuthError');
  return { reason: result.error.reason, code: result.error.code, message: result.error.message };
}

describe('hs256Verifier', () => {
  it('accepts a dev token and reads user and device', async () => {
    const token = await signDevToken(SECRET, 'alice', 'phone', 60, clock);
    expect(await verifier.verify(token)).toEqual({
      ok: true,
      identity: { user: 'alice', device: 'phone' },
    });
  });

  it('defaults the device to "default" when the token has no dev claim', async () => {
    expect(await verifier.verify(await sign({ sub: 'bob' }))).toEqual({
      ok: true,
      identity: { user: 'bob', device: 'default' },
    });
  });

  it('refuses an expired token, by the injected clock, naming the expiry', async () => {
    const token = await signDevToken(SECRET, 'alice', 'phone', 60, clock);
    const later = hs256Verifier(SECRET, { clock: clockAt(NOW_MS + 61_000) });
    expect(refusal(await later.verify(token))).toEqual({
      reason: 'expired',
      code: ErrorCode.Forbidden,
      message: `token expired at 2026-01-01T12:01:00.000Z (exp ${NOW_SEC + 60})`,
    });
  });

  it('refuses a token signed with another secret', async () => {
    const token = await sign({ sub: 'alice' }, new TextEncoder().encode('other'));
    expect(refusal(await verifier.verify(token))).toEqual({
      reason: 'signature',
      code: ErrorCode.Forbidden,
      message: 'token signature does not verify',
    });
  });

  it('refuses a token that is not a JWT', async () => {
    expect(refusal(await verifier.verify('not-a-jwt'))).toMatchObject({
      reason: 'malformed',
      code: ErrorCode.Forbidden,
    });
    expect(refusal(await verifier.verify('not-a-jwt')).message).toMatch(
      /^token is not a well-formed JWT: /,
    );
  });

  it('refuses a token over 8192 chars unparsed', async () => {
    expect(refusal(await verifier.verify('x'.repeat(8193)))).toEqual({
      reason: 'malformed',
      code: ErrorCode.Forbidden,
      message: 'token is 8193 chars; the limit is 8192',
    });
  });

  it('refuses an unsigned or asymmetric-algorithm token', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const es = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'ES256' })
      .sign(privateKey);
    expect(refusal(await verifier.verify(es))).toEqual({
      reason: 'algorithm',
      code: ErrorCode.Forbidden,
      message: 'token algorithm "ES256" is not accepted; expected HS256',
    });
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
      '{"sub":"alice"}',
    ).toString('base64url')}.`;
    expect(refusal(await verifier.verify(none)).reason).toMatch(/^(algorithm|malformed)$/);
  });

  it('refuses a missing or bad sub and a bad dev claim', async () => {
    expect(refusal(await verifier.verify(await sign({})))).toEqual({
      reason: 'claims',
      code: ErrorCode.Forbidden,
      message: 'claim "sub" is missing; it must be a user id (1..64 of [A-Za-z0-9_.-])',
    });
    expect(refusal(await verifier.verify(await sign({ sub: 'a b' })))).toEqual({
      reason: 'claims',
      code: ErrorCode.Forbidden,
      message: 'claim "sub" must be a user id (1..64 of [A-Za-z0-9_.-]), got "a b"',
    });
    expect(refusal(await verifier.verify(await sign({ sub: 'a', dev: 7 })))).toEqual({
      reason: 'claims',
      code: ErrorCode.Forbidden,
      message: 'claim "dev" must be a user id (1..64 of [A-Za-z0-9_.-]), got 7',
    });
  });

  it('refuses an exp that is not a number', async () => {
    expect(refusal(await verifier.verify(await sign({ sub: 'a', exp: 'soon' })))).toEqual({
      reason: 'claims',
      code: ErrorCode.Forbidden,
      message: 'claim "exp" refused: "exp" claim must be a number',
    });
  });

  it('refuses an empty secret', () => {
    expect(() => hs256Verifier('')).toThrow(
      new ParleyError('invalid_argument', 'the JWT secret must not be empty'),
    );
  });
});

describe('signDevToken', () => {
  it('refuses bad user, device and ttl values, quoting them', async () => {
    await expect(signDevToken(SECRET, 'a b')).rejects.toThrow(
      'user must be a user id (1..64 of [A-Za-z0-9_.-]), got "a b"',
    );
    await expect(signDevToken(SECRET, 'a', '')).rejects.toThrow(
      'device must be a user id (1..64 of [A-Za-z0-9_.-]), got ""',
    );
    await expect(signDevToken(SECRET, 'a', 'd', 0)).rejects.toThrow(
      'ttlSec must be a positive integer or null, got 0',
    );
  });

  it('mints a token without exp when ttlSec is null', async () => {
    const token = await signDevToken(SECRET, 'alice', 'default', null, clock);
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(payload).toEqual({ sub: 'alice', dev: 'default', iat: NOW_SEC });
    const muchLater = hs256Verifier(SECRET, { clock: clockAt(NOW_MS + 10 * 365 * 86_400_000) });
    expect((await muchLater.verify(token)).ok).toBe(true);
  });

  it('works with a generated secret', async () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const token = await signDevToken(secret, 'u1');
    expect(await hs256Verifier(secret).verify(token)).toEqual({
      ok: true,
      identity: { user: 'u1', device: 'default' },
    });
  });
});

describe('tokens on the upgrade request', () => {
  it('reads a bearer header before the query parameter', () => {
    expect(tokenFromRequest({ headers: { authorization: 'Bearer abc' }, url: '/ws?token=q' })).toBe(
      'abc',
    );
    expect(tokenFromRequest({ headers: { authorization: 'bearer  abc ' } })).toBe('abc');
  });

  it('falls back to ?token= when there is no bearer header', () => {
    expect(tokenFromRequest({ headers: {}, url: '/ws?x=1&token=q.r.s' })).toBe('q.r.s');
    expect(tokenFromRequest({ headers: { authorization: 'Basic Zm9v' }, url: '/ws?token=q' })).toBe(
      'q',
    );
    expect(tokenFromRequest({ headers: {}, url: '/ws?token=' })).toBeUndefined();
    expect(tokenFromRequest({ headers: {}, url: '/ws' })).toBeUndefined();
  });

  it('answers a request without a token with reason missing', async () => {
    expect(refusal(await authenticateRequest({ headers: {}, url: '/ws' }, verifier))).toEqual({
      reason: 'missing',
      code: ErrorCode.Forbidden,
      message: 'no token: send "Authorization: Bearer <jwt>" or the query parameter "token"',
    });
  });

  it('verifies the token it finds', async () => {
    const token = await signDevToken(SECRET, 'carol', 'web', 60, clock);
    expect(await authenticateRequest({ headers: {}, url: `/ws?token=${token}` }, verifier)).toEqual(
      {
        ok: true,
        identity: { user: 'carol', device: 'web' },
      },
    );
  });
});

describe('jwksVerifier', () => {
  let server: Server;
  let url: string;
  let privateKey: CryptoKey;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const es256 = (claims: Record<string, unknown>, kid = 'k1') =>
    new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid }).sign(privateKey);

  it('accepts a token signed by a key of the set', async () => {
    const jwks = jwksVerifier({ url, clock });
    expect(await jwks.verify(await es256({ sub: 'dana', dev: 'tablet' }))).toEqual({
      ok: true,
      identity: { user: 'dana', device: 'tablet' },
    });
  });

  it('refuses a token whose key is not in the set', async () => {
    const { privateKey: other } = await generateKeyPair('ES256');
    const token = await new SignJWT({ sub: 'dana' })
      .setProtectedHeader({ alg: 'ES256', kid: 'zz' })
      .sign(other);
    expect(refusal(await jwksVerifier({ url, clock }).verify(token))).toEqual({
      reason: 'signature',
      code: ErrorCode.Forbidden,
      message: `no single key of the JWKS at ${url} matches the token`,
    });
  });

  it('refuses HS256 tokens', async () => {
    const token = await sign({ sub: 'dana' });
    expect(refusal(await jwksVerifier({ url, clock }).verify(token))).toEqual({
      reason: 'algorithm',
      code: ErrorCode.Forbidden,
      message: 'token algorithm "HS256" is not accepted; expected RS256 or PS256 or ES256 or EdDSA',
    });
  });

  it('checks issuer and audience when configured', async () => {
    const jwks = jwksVerifier({ url, clock, issuer: 'https://idp', audience: 'parley' });
    expect(
      (await jwks.verify(await es256({ sub: 'd', iss: 'https://idp', aud: 'parley' }))).ok,
    ).toBe(true);
    expect(
      refusal(await jwks.verify(await es256({ sub: 'd', iss: 'https://evil', aud: 'parley' }))),
    ).toEqual({
      reason: 'claims',
      code: ErrorCode.Forbidden,
      message: 'claim "iss" refused: unexpected "iss" claim value',
    });
  });

  it('answers unavailable when the set cannot be fetched', async () => {
    const down = 'http://127.0.0.1:1/jwks.json';
    const result = refusal(
      await jwksVerifier({ url: down, clock, timeoutMs: 2000 }).verify(await es256({ sub: 'd' })),
    );
    expect(result.reason).toBe('unavailable');
    expect(result.code).toBe(ErrorCode.Unavailable);
    expect(result.message).toMatch(
      /^could not get the JWKS from http:\/\/127\.0\.0\.1:1\/jwks\.json: /,
    );
  });
});
