/**
 * PROTOCOL.md "Connecting": the token in the `Authorization` header or in
 * `?token=`, HS256 with the server's secret, the `sub`/`dev` claim rules,
 * `exp`, `401` with no WebSocket for every refused token, and `welcome` as
 * the first frame.
 */
import { describe, expect, it } from 'vitest';
import { nowSec, signToken, unsignedToken } from '../../support/tokens.ts';
import { refusedUpgrade } from '../../support/ws-client.ts';
import { type Harness, isType } from '../harness.ts';

const ID_64 = `a.B_-9${'x'.repeat(58)}`;

export function connectingTests(h: Harness): void {
  describe('connecting', () => {
    it('accepts a token in the Authorization header and sends welcome first, with user, device and server time', async () => {
      const user = h.uid('alice');
      const before = Date.now();
      const c = await h.connect(user, { device: 'phone' });
      const after = Date.now();
      const welcome = c.frames[0]!;
      expect(welcome).toEqual({ type: 'welcome', user, device: 'phone', ts: expect.any(Number) });
      expect(welcome.ts as number).toBeGreaterThanOrEqual(before - 1000);
      expect(welcome.ts as number).toBeLessThanOrEqual(after + 1000);
    });

    it('accepts a token as the ?token= query parameter', async () => {
      const user = h.uid('alice');
      const c = await h.connect(user, { via: 'query', device: 'web' });
      expect(c.frames[0]).toMatchObject({ type: 'welcome', user, device: 'web' });
    });

    it('takes the device from the dev claim and defaults it to "default" when the claim is absent', async () => {
      const user = h.uid('alice');
      const noDev = await signToken(h.target.secret, { sub: user, exp: nowSec() + 60 });
      const c = await h.openWith({ token: noDev });
      expect(await c.waitFor(isType('welcome'))).toMatchObject({ user, device: 'default' });
      const noExp = await signToken(h.target.secret, { sub: user, dev: 'tablet' });
      const d = await h.openWith({ token: noExp, via: 'query' });
      expect(await d.waitFor(isType('welcome'))).toMatchObject({ user, device: 'tablet' });
      expect(d.frames[0]!.type).toBe('welcome');
    });

    it('accepts user and device ids of 64 characters of [A-Za-z0-9_.-]', async () => {
      const token = await signToken(h.target.secret, { sub: ID_64, dev: ID_64 });
      const c = await h.openWith({ token });
      expect(await c.waitFor(isType('welcome'))).toMatchObject({ user: ID_64, device: ID_64 });
    });

    const refusals: [string, (secret: string, user: string) => Promise<string | undefined>][] = [
      ['a missing token', async () => undefined],
      ['a token that is not a JWT', async () => 'not-a-jwt'],
      ['a JWT of garbage parts', async () => 'eyJhbGciOi.eyJzdWIiOi.c2ln'],
      [
        'a badly signed token',
        (_s, u) => signToken('another-secret-entirely-0123456789', { sub: u }),
      ],
      ['an expired token', (s, u) => signToken(s, { sub: u, exp: nowSec() - 60 })],
      ['an unsigned (alg none) token', async (_s, u) => unsignedToken({ sub: u })],
      ['a token without sub', (s) => signToken(s, { dev: 'd1' })],
      ['a token with an empty sub', (s) => signToken(s, { sub: '' })],
      ['a token with a 65-character sub', (s) => signToken(s, { sub: `${ID_64}x` })],
      ['a token with a space in sub', (s) => signToken(s, { sub: 'al ice' })],
      ['a token with a slash in sub', (s) => signToken(s, { sub: 'al/ice' })],
      ['a token with a numeric sub', (s) => signToken(s, { sub: 42 })],
      ['a token with a bad dev', (s, u) => signToken(s, { sub: u, dev: 'my phone' })],
      ['a token with a 65-character dev', (s, u) => signToken(s, { sub: u, dev: `${ID_64}x` })],
    ];
    for (const via of ['header', 'query'] as const) {
      it.each(refusals)(`answers %s (${via}) with 401 and opens no WebSocket`, async (_, make) => {
        const token = await make(h.target.secret, h.uid('mallory'));
        const refused = await refusedUpgrade(h.url(), {
          ...(token !== undefined ? { token } : {}),
          via,
        });
        expect(refused.status).toBe(401);
      });
    }

    it('refuses a token past its exp even by a second, and accepts one before it', async () => {
      const user = h.uid('alice');
      const expired = await signToken(h.target.secret, { sub: user, exp: nowSec() - 1 });
      expect((await refusedUpgrade(h.url(), { token: expired })).status).toBe(401);
      const valid = await signToken(h.target.secret, { sub: user, exp: nowSec() + 30 });
      const c = await h.openWith({ token: valid });
      expect(await c.waitFor(isType('welcome'))).toMatchObject({ user });
    });
  });
}
