/**
 * JWTs for tests: valid ones like the server's dev tokens, and the broken
 * kinds PROTOCOL.md says are refused (bad signature, expired, bad claims,
 * another algorithm), built with `jose` from explicit claims.
 */
import { SignJWT } from 'jose';

export interface TokenClaims {
  readonly sub?: unknown;
  readonly dev?: unknown;
  /** Seconds since the epoch. */
  readonly exp?: number;
  readonly [claim: string]: unknown;
}

/** An HS256 token with exactly `claims` (no `iat` unless given). */
export function signToken(secret: string, claims: TokenClaims): Promise<string> {
  return new SignJWT({ ...claims } as Record<string, unknown>)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(secret));
}

/** A token with `alg: "none"` and no signature. */
export function unsignedToken(claims: TokenClaims): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

export const nowSec = (): number => Math.floor(Date.now() / 1000);
