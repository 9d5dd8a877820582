import { createHmac, createSecretKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkHs256 } from './hs256.ts';

const SECRET = 'hs256-secret';
const key = createSecretKey(Buffer.from(SECRET));
const NOW_SEC = 1_767_268_800;
const part = (s: string) => Buffer.from(s).toString('base64url');
const mac = (input: string) => createHmac('sha256', SECRET).update(input).digest('base64url');

/** A token over exactly these header and payload texts, signed with SECRET. */
function token(header: string, payload: string): string {
  const input = `${part(header)}.${part(payload)}`;
  return `${input}.${mac(input)}`;
}
const HS = '{"alg":"HS256","typ":"JWT"}';

describe('checkHs256', () => {
  it('accepts a well-signed token and returns its claims', () => {
    expect(checkHs256(token(HS, '{"sub":"alice","exp":1767268801}'), key, NOW_SEC)).toEqual({
      ok: true,
      payload: { sub: 'alice', exp: 1_767_268_801 },
    });
  });

  it('refuses a signature with a char more, a char changed, or over another payload', () => {
    const good = token(HS, '{"sub":"alice"}');
    const other = token(HS, '{"sub":"mallory"}');
    const [h, p, sig] = good.split('.') as [string, string, string];
    const flipped = `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of [`${good}A`, `${h}.${p}.${flipped}`, `${h}.${other.split('.')[1]}.${sig}`])
      expect(checkHs256(bad, key, NOW_SEC)).toEqual({
        ok: false,
        failure: { reason: 'signature' },
      });
  });

  it.each([
    ['a.b', 'Invalid Compact JWS'],
    [`${part('not json')}.${part('{}')}.x`, 'JWS Protected Header is invalid'],
    [`${part('[1]')}.${part('{}')}.x`, 'JWS Protected Header is invalid'],
    [`${part('{}')}.${part('{}')}.x`, 'JWS "alg" (Algorithm) Header Parameter missing or invalid'],
    [
      `${part('{"alg":"HS256","crit":["exp"],"exp":1}')}.${part('{}')}.x`,
      'Extension Header Parameter "exp" is not recognized',
    ],
    [token(HS, '[1]'), 'JWT Claims Set must be a top-level JSON object'],
    [token(HS, 'nope'), 'JWT Claims Set must be a top-level JSON object'],
  ])('refuses %s as malformed: %s', (bad, message) => {
    expect(checkHs256(bad, key, NOW_SEC)).toEqual({
      ok: false,
      failure: { reason: 'malformed', message },
    });
  });

  it('names another algorithm before looking at the signature', () => {
    expect(checkHs256(`${part('{"alg":"RS256"}')}.${part('{}')}.sig`, key, NOW_SEC)).toEqual({
      ok: false,
      failure: { reason: 'algorithm', alg: 'RS256' },
    });
  });

  it('checks nbf and exp against whole seconds, with no tolerance', () => {
    expect(checkHs256(token(HS, `{"exp":${NOW_SEC}}`), key, NOW_SEC)).toEqual({
      ok: false,
      failure: { reason: 'expired', payload: { exp: NOW_SEC } },
    });
    expect(checkHs256(token(HS, `{"nbf":${NOW_SEC + 1}}`), key, NOW_SEC)).toEqual({
      ok: false,
      failure: {
        reason: 'claim',
        claim: 'nbf',
        message: '"nbf" claim timestamp check failed',
      },
    });
    expect(checkHs256(token(HS, `{"nbf":${NOW_SEC}}`), key, NOW_SEC).ok).toBe(true);
    expect(checkHs256(token(HS, '{"iat":"now"}'), key, NOW_SEC)).toEqual({
      ok: false,
      failure: { reason: 'claim', claim: 'iat', message: '"iat" claim must be a number' },
    });
  });
});
