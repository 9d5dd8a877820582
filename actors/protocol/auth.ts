/**
 * Who is on the other end of a WebSocket: JWT verification for the upgrade.
 *
 * A `TokenVerifier` turns a token into `{ user, device }` or an `AuthError`
 * saying what was wrong. Two verifiers share that interface: HS256 with a
 * shared secret (`PARLEY_JWT_SECRET`, and the dev tokens `signDevToken`
 * mints; verified with node:crypto, `hs256.ts`) and a remote JWKS for
 * production identity providers (verified with jose). Claims:
 * `sub` is the user id, optional `dev` the device id (default `"default"`),
 * both 1..64 of `[A-Za-z0-9_.-]`; an `exp` in the past, by the injected clock
 * and with no tolerance, is refused. The time claims `exp`, `nbf` and `iat`,
 * when present, must be finite numbers of seconds in 0..253402300799 (the
 * end of year 9999): `"exp": 1e309` parses as Infinity and would never
 * expire. An `nbf` in the future is refused, and so is an `iat` more than
 * `IAT_SKEW_SEC` ahead of the clock (a token from the future). Verification never throws: every failure
 * is a result, so the edge answers it with HTTP 401 (or 503 when a JWKS could
 * not be fetched, code `unavailable`).
 */
import { createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  type JWTVerifyOptions,
  jwtVerify,
  SignJWT,
} from 'jose';
import { type Clock, ErrorCode, ParleyError, systemClock } from '../../runtime/index.ts';
import { isUserId, show, USER_ID_RULE } from './fields.ts';
import { checkHs256 } from './hs256.ts';

export interface Identity {
  readonly user: string;
  readonly device: string;
}

/** The device id of a token without a `dev` claim. */
export const DEFAULT_DEVICE = 'default';
/** Tokens longer than this are refused unparsed. */
export const TOKEN_LENGTH_MAX = 8192;
/** Latest time claim accepted: 9999-12-31T23:59:59Z, in seconds. */
export const TIME_CLAIM_MAX_SEC = 253_402_300_799;
/** How far ahead of our clock an `iat` may be (clock skew between issuer and server). */
export const IAT_SKEW_SEC = 60;
/** Lifetime of a dev token unless the caller says otherwise: one day. */
export const DEV_TOKEN_TTL_SEC = 86_400;

/** What was wrong with a token. */
export const AuthFailure = {
  Missing: 'missing',
  Malformed: 'malformed',
  Algorithm: 'algorithm',
  Signature: 'signature',
  Expired: 'expired',
  Claims: 'claims',
  /** The key set could not be fetched: not the client's fault. */
  Unavailable: 'unavailable',
} as const;
export type AuthFailure = (typeof AuthFailure)[keyof typeof AuthFailure];

/** A refused token: code `forbidden` (`unavailable` when the key set could not be had). */
export class AuthError extends ParleyError {
  override readonly name: string = 'AuthError';
  readonly reason: AuthFailure;

  constructor(reason: AuthFailure, message: string, options?: { cause?: unknown }) {
    super(reason === 'unavailable' ? ErrorCode.Unavailable : ErrorCode.Forbidden, message, options);
    this.reason = reason;
  }
}

export type AuthResult =
  | { readonly ok: true; readonly identity: Identity }
  | { readonly ok: false; readonly error: AuthError };

export interface TokenVerifier {
  verify(token: string): Promise<AuthResult>;
}

/**
 * Verifies HS256 tokens signed with `secret` (a string is taken as its UTF-8
 * bytes), with node:crypto directly: the HMAC key is made once, the signature
 * compared in constant time, and the checks and refusals are jose's for a
 * compact JWS and a JWT claims set (`hs256.ts`), then the claim rules above.
 */
export function hs256Verifier(
  secret: string | Uint8Array,
  options: { clock?: Clock } = {},
): TokenVerifier {
  const key = createSecretKey(secretKey(secret));
  const clock = options.clock ?? systemClock;
  return {
    verify: (token) => Promise.resolve(verifyHs256(token, key, clock)),
  };
}

function verifyHs256(token: string, key: KeyObject, clock: Clock): AuthResult {
  if (token.length > TOKEN_LENGTH_MAX)
    return refused('malformed', `token is ${token.length} chars; the limit is ${TOKEN_LENGTH_MAX}`);
  const nowMs = clock.now();
  const checked = checkHs256(token, key, Math.floor(nowMs / 1000));
  if (!checked.ok) {
    const { failure } = checked;
    switch (failure.reason) {
      case 'malformed':
        return refused('malformed', `token is not a well-formed JWT: ${failure.message}`);
      case 'algorithm':
        return refused(
          'algorithm',
          `token algorithm ${show(failure.alg)} is not accepted; expected HS256`,
        );
      case 'signature':
        return refused('signature', 'token signature does not verify');
      case 'expired': {
        const exp = failure.payload.exp;
        const at = typeof exp === 'number' ? new Date(exp * 1000).toISOString() : '?';
        return refused('expired', `token expired at ${at} (exp ${show(exp)})`);
      }
      case 'claim':
        return refused('claims', `claim "${failure.claim}" refused: ${failure.message}`);
    }
  }
  return identity(checked.payload, nowMs / 1000);
}

export interface JwksVerifierOptions {
  /** Where the identity provider publishes its keys. */
  readonly url: string | URL;
  /** Accepted algorithms; default RS256, PS256, ES256, EdDSA. Never HS*. */
  readonly algorithms?: readonly string[];
  /** Expected `iss` / `aud`, checked when given. */
  readonly issuer?: string;
  readonly audience?: string;
  readonly clock?: Clock;
  /** Fetch timeout, default 5000 ms (jose's). */
  readonly timeoutMs?: number;
}

/** Verifies tokens against the keys a remote JWKS URL serves (fetched and cached by jose). */
export function jwksVerifier(options: JwksVerifierOptions): TokenVerifier {
  const url = new URL(options.url);
  const jwks = createRemoteJWKSet(url, { timeoutDuration: options.timeoutMs ?? 5000 });
  const algorithms = [...(options.algorithms ?? ['RS256', 'PS256', 'ES256', 'EdDSA'])];
  const clock = options.clock ?? systemClock;
  const expected = {
    ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
    ...(options.audience === undefined ? {} : { audience: options.audience }),
  };
  return {
    verify: (token) =>
      verifyToken(
        token,
        algorithms,
        (opts) => jwtVerify(token, jwks, { ...opts, ...expected }),
        clock,
        url.href,
      ),
  };
}

/** Mints a dev token: HS256, `sub` = user, `dev` = device, `exp` after `ttlSec` (none when null). */
export async function signDevToken(
  secret: string | Uint8Array,
  user: string,
  device: string = DEFAULT_DEVICE,
  ttlSec: number | null = DEV_TOKEN_TTL_SEC,
  clock: Clock = systemClock,
): Promise<string> {
  if (!isUserId(user))
    throw new ParleyError(
      ErrorCode.InvalidArgument,
      `user must be ${USER_ID_RULE}, got ${show(user)}`,
    );
  if (!isUserId(device))
    throw new ParleyError(
      ErrorCode.InvalidArgument,
      `device must be ${USER_ID_RULE}, got ${show(device)}`,
    );
  if (ttlSec !== null && !(Number.isSafeInteger(ttlSec) && ttlSec > 0))
    throw new ParleyError(
      ErrorCode.InvalidArgument,
      `ttlSec must be a positive integer or null, got ${show(ttlSec)}`,
    );
  const nowSec = Math.floor(clock.now() / 1000);
  const jwt = new SignJWT({ dev: device })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user)
    .setIssuedAt(nowSec);
  if (ttlSec !== null) jwt.setExpirationTime(nowSec + ttlSec);
  return jwt.sign(secretKey(secret));
}

/** A fresh random secret for HS256 (32 bytes, base64url): the server's fallback when none is configured. */
export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The parts of an HTTP upgrade request a token can come in (node's IncomingMessage fits). */
export interface UpgradeRequest {
  readonly headers: { readonly authorization?: string | undefined };
  readonly url?: string | undefined;
}

/** The token of an upgrade request: `Authorization: Bearer` first, then `?token=`. */
export function tokenFromRequest(request: UpgradeRequest): string | undefined {
  const header = request.headers.authorization;
  const bearer = header === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (bearer?.[1] !== undefined) return bearer[1];
  const url = request.url ?? '';
  const query = url.indexOf('?');
  if (query < 0) return undefined;
  const token = new URLSearchParams(url.slice(query + 1)).get('token');
  return token === null || token === '' ? undefined : token;
}

/** Extracts and verifies the token of an upgrade request. */
export async function authenticateRequest(
  request: UpgradeRequest,
  verifier: TokenVerifier,
): Promise<AuthResult> {
  const token = tokenFromRequest(request);
  if (token === undefined)
    return refused(
      'missing',
      'no token: send "Authorization: Bearer <jwt>" or the query parameter "token"',
    );
  return verifier.verify(token);
}

function secretKey(secret: string | Uint8Array): Uint8Array {
  const key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  if (key.byteLength === 0)
    throw new ParleyError(ErrorCode.InvalidArgument, 'the JWT secret must not be empty');
  return key;
}

function refused(reason: AuthFailure, message: string, cause?: unknown): AuthResult {
  return {
    ok: false,
    error: new AuthError(reason, message, cause === undefined ? undefined : { cause }),
  };
}

async function verifyToken(
  token: string,
  algorithms: string[],
  verify: (options: JWTVerifyOptions) => Promise<{ payload: JWTPayload }>,
  clock: Clock,
  jwksUrl: string | undefined,
): Promise<AuthResult> {
  if (token.length > TOKEN_LENGTH_MAX)
    return refused('malformed', `token is ${token.length} chars; the limit is ${TOKEN_LENGTH_MAX}`);
  let payload: JWTPayload;
  try {
    ({ payload } = await verify({ algorithms, currentDate: new Date(clock.now()) }));
  } catch (error) {
    return joseFailure(error, token, algorithms, jwksUrl);
  }
  return identity(payload, clock.now() / 1000);
}

function identity(payload: JWTPayload, nowSec: number): AuthResult {
  for (const claim of ['exp', 'nbf', 'iat'] as const) {
    const value: unknown = payload[claim];
    if (value === undefined) continue;
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      value < 0 ||
      value > TIME_CLAIM_MAX_SEC
    )
      return refused(
        'claims',
        `claim "${claim}" must be a number of seconds 0..${TIME_CLAIM_MAX_SEC}, got ${typeof value === 'number' ? String(value) : show(value)}`,
      );
  }
  if (payload.iat !== undefined && payload.iat > nowSec + IAT_SKEW_SEC)
    return refused(
      'claims',
      `claim "iat" is in the future: ${show(payload.iat)}, more than ${IAT_SKEW_SEC} s ahead of ${Math.floor(nowSec)}`,
    );
  const { sub, dev } = payload;
  if (!isUserId(sub)) return refused('claims', claimMessage('sub', sub));
  if (dev !== undefined && !isUserId(dev)) return refused('claims', claimMessage('dev', dev));
  return { ok: true, identity: { user: sub, device: dev ?? DEFAULT_DEVICE } };
}

function claimMessage(claim: string, value: unknown): string {
  return value === undefined
    ? `claim "${claim}" is missing; it must be ${USER_ID_RULE}`
    : `claim "${claim}" must be ${USER_ID_RULE}, got ${show(value)}`;
}

function joseFailure(
  error: unknown,
  token: string,
  algorithms: string[],
  jwksUrl: string | undefined,
): AuthResult {
  if (error instanceof errors.JWTExpired) {
    const exp = error.payload.exp;
    const at = typeof exp === 'number' ? new Date(exp * 1000).toISOString() : '?';
    return refused('expired', `token expired at ${at} (exp ${show(exp)})`, error);
  }
  if (error instanceof errors.JWTClaimValidationFailed)
    return refused('claims', `claim "${error.claim}" refused: ${error.message}`, error);
  if (error instanceof errors.JOSEAlgNotAllowed) {
    const alg = algorithmOf(token);
    return refused(
      'algorithm',
      `token algorithm ${show(alg)} is not accepted; expected ${algorithms.join(' or ')}`,
      error,
    );
  }
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return refused('signature', 'token signature does not verify', error);
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys)
    return refused('signature', `no single key of the JWKS at ${jwksUrl} matches the token`, error);
  if (
    jwksUrl !== undefined &&
    (error instanceof errors.JWKSTimeout ||
      error instanceof errors.JWKSInvalid ||
      !(error instanceof errors.JOSEError))
  )
    return refused(
      'unavailable',
      `could not get the JWKS from ${jwksUrl}: ${message(error)}`,
      error,
    );
  return refused('malformed', `token is not a well-formed JWT: ${message(error)}`, error);
}

function algorithmOf(token: string): unknown {
  try {
    return decodeProtectedHeader(token).alg;
  } catch {
    return undefined;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
