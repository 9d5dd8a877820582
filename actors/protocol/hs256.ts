/**
 * HS256 compact JWS and JWT claims checks with node:crypto: what jose's
 * `jwtVerify(token, key, { algorithms: ['HS256'] })` checks, in its order,
 * without its per-call key import, WebCrypto round trips and promise chain.
 *
 * Order (jose's): three dot-separated parts; the protected header is
 * base64url of a JSON object; `crit`, when present, names only `b64`, which
 * must be true (a JWT's payload is always encoded); `alg` is a non-empty
 * string and is `HS256`; the signature is the HMAC-SHA256 of
 * `header.payload`, compared in constant time; the payload is base64url of
 * a JSON object; `iat`, `nbf` and `exp`, when present, are numbers; `nbf`
 * is not after now; `exp` is after now (no tolerance). `nowSec` is whole
 * seconds, as jose floors it.
 *
 * Base64url is read strictly: only `[A-Za-z0-9_-]`, no padding, and the
 * signature must be the exact encoding of the HMAC (no second spelling of
 * the same bytes is accepted). Never throws: each failure is a result.
 */
import { Buffer } from 'node:buffer';
import { createHmac, type KeyObject, timingSafeEqual } from 'node:crypto';

export type Hs256Failure =
  | { readonly reason: 'malformed'; readonly message: string }
  | { readonly reason: 'algorithm'; readonly alg: unknown }
  | { readonly reason: 'signature' }
  | { readonly reason: 'expired'; readonly payload: Record<string, unknown> }
  | { readonly reason: 'claim'; readonly claim: string; readonly message: string };

export type Hs256Result =
  | { readonly ok: true; readonly payload: Record<string, unknown> }
  | { readonly ok: false; readonly failure: Hs256Failure };

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function checkHs256(token: string, key: KeyObject, nowSec: number): Hs256Result {
  const parts = token.split('.');
  if (parts.length !== 3) return malformed('Invalid Compact JWS');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = jsonObject(headerPart);
  if (header === undefined) return malformed('JWS Protected Header is invalid');
  const crit = checkCrit(header);
  if (crit !== undefined) return malformed(crit);
  const alg = header.alg;
  if (typeof alg !== 'string' || alg === '')
    return malformed('JWS "alg" (Algorithm) Header Parameter missing or invalid');
  if (alg !== 'HS256') return { ok: false, failure: { reason: 'algorithm', alg } };
  if (!BASE64URL.test(payloadPart))
    return malformed('JWS Compact Serialization payload must use only ASCII characters');
  if (!BASE64URL.test(signaturePart)) return malformed('Failed to base64url decode the signature');
  if (!signatureMatches(headerPart, payloadPart, signaturePart, key))
    return { ok: false, failure: { reason: 'signature' } };
  const payload = jsonObject(payloadPart);
  if (payload === undefined) return malformed('JWT Claims Set must be a top-level JSON object');
  for (const claim of ['iat', 'nbf', 'exp'] as const) {
    const value = payload[claim];
    if (value !== undefined && typeof value !== 'number')
      return claimFailed(claim, `"${claim}" claim must be a number`);
  }
  if (payload.nbf !== undefined && (payload.nbf as number) > nowSec)
    return claimFailed('nbf', '"nbf" claim timestamp check failed');
  if (payload.exp !== undefined && (payload.exp as number) <= nowSec)
    return { ok: false, failure: { reason: 'expired', payload } };
  return { ok: true, payload };
}

function signatureMatches(
  headerPart: string,
  payloadPart: string,
  signaturePart: string,
  key: KeyObject,
): boolean {
  const expected = createHmac('sha256', key)
    .update(headerPart)
    .update('.')
    .update(payloadPart)
    .digest('base64url');
  if (signaturePart.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(signaturePart, 'latin1'), Buffer.from(expected, 'latin1'));
}

/** The JSON object `part` encodes (strict base64url, strict UTF-8), or undefined. */
function jsonObject(part: string): Record<string, unknown> | undefined {
  if (!BASE64URL.test(part) || part.length % 4 === 1) return undefined;
  try {
    const value: unknown = JSON.parse(utf8.decode(Buffer.from(part, 'base64url')));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** jose's `crit` rules for a JWT: only `b64` is recognized, and it must say the payload is encoded. */
function checkCrit(header: Record<string, unknown>): string | undefined {
  const crit = header.crit;
  if (crit === undefined) return undefined;
  if (
    !Array.isArray(crit) ||
    crit.length === 0 ||
    crit.some((name) => typeof name !== 'string' || name.length === 0)
  )
    return '"crit" (Critical) Header Parameter MUST be an array of non-empty strings when present';
  for (const name of crit as string[]) {
    if (name !== 'b64') return `Extension Header Parameter "${name}" is not recognized`;
    if (header[name] === undefined) return `Extension Header Parameter "${name}" is missing`;
  }
  if (header.b64 !== true) return 'JWTs MUST NOT use unencoded payload';
  return undefined;
}

function malformed(message: string): Hs256Result {
  return { ok: false, failure: { reason: 'malformed', message } };
}

function claimFailed(claim: string, message: string): Hs256Result {
  return { ok: false, failure: { reason: 'claim', claim, message } };
}
