import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../runtime/index.ts';
import { type AuthResult, hs256Verifier } from './auth.ts';

const SECRET = 'claims-secret';
const NOW_SEC = Date.UTC(2026, 0, 1, 12, 0, 0) / 1000;
const clock: Clock = {
  now: () => NOW_SEC * 1000,
  setTimer: () => {
    throw new Error('no timers in these tests');
  },
  clearTimer: () => {},
  defer: () => {},
};
const verifier = hs256Verifier(SECRET, { clock });

/** An HS256 token whose payload is exactly `payloadJson` (so `1e309` stays `1e309` on the wire). */
function rawToken(payloadJson: string): string {
  const part = (s: string) => Buffer.from(s).toString('base64url');
  const input = `${part('{"alg":"HS256","typ":"JWT"}')}.${part(payloadJson)}`;
  return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
}

function refusal(result: AuthResult): { reason: string; message: string } {
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.identity)}`);
  return { reason: result.error.reason, message: result.error.message };
}

const RULE = 'must be a number of seconds 0..253402300799';

describe('time claims', () => {
  it.each([
    ['exp', '1e309', 'Infinity'],
    ['exp', '253402300800', '253402300800'],
    ['nbf', '-1', '-1'],
    ['iat', '1e309', 'Infinity'],
    ['iat', '-5', '-5'],
    ['exp', '"tomorrow"', '"tomorrow"'],
  ])('refuses %s %s, naming the claim', async (claim, raw, shown) => {
    const token = rawToken(`{"sub":"alice","${claim}":${raw}}`);
    const result = refusal(await verifier.verify(token));
    expect(result.reason).toBe('claims');
    expect(result.message).toMatch(new RegExp(`^claim "${claim}"`));
    if (!raw.startsWith('"')) expect(result.message).toBe(`claim "${claim}" ${RULE}, got ${shown}`);
  });

  it('refuses an nbf in the future', async () => {
    const result = refusal(
      await verifier.verify(rawToken(`{"sub":"alice","nbf":${NOW_SEC + 10}}`)),
    );
    expect(result.reason).toBe('claims');
    expect(result.message).toMatch(/^claim "nbf" refused/);
  });

  it('refuses an iat more than 60 s in the future and accepts one within the skew', async () => {
    const result = refusal(
      await verifier.verify(rawToken(`{"sub":"alice","iat":${NOW_SEC + 61}}`)),
    );
    expect(result).toEqual({
      reason: 'claims',
      message: `claim "iat" is in the future: ${NOW_SEC + 61}, more than 60 s ahead of ${NOW_SEC}`,
    });
    const ok = await verifier.verify(rawToken(`{"sub":"alice","iat":${NOW_SEC + 59}}`));
    expect(ok).toEqual({ ok: true, identity: { user: 'alice', device: 'default' } });
  });

  it('accepts ordinary time claims, the year 9999 bound included', async () => {
    const claims = `{"sub":"alice","iat":${NOW_SEC - 5},"nbf":${NOW_SEC - 5},"exp":253402300799}`;
    expect(await verifier.verify(rawToken(claims))).toEqual({
      ok: true,
      identity: { user: 'alice', device: 'default' },
    });
  });
});
