/**
 * PROTOCOL.md "HTTP on the same port": `/healthz`, `/metrics`, media upload
 * and download with bearer auth, and dev tokens.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nowSec, signToken } from '../../support/tokens.ts';
import { type Harness, isType } from '../harness.ts';

export function httpTests(h: Harness): void {
  describe('HTTP on the same port', () => {
    it('answers GET /healthz with 200 {"status":"ok"} on every node', async () => {
      for (let node = 0; node < h.nodes; node++) {
        const res = await h.fetch('/healthz', {}, node);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ status: 'ok' });
      }
    });

    it('answers GET /metrics with Prometheus text', async () => {
      const res = await h.fetch('/metrics');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const body = await res.text();
      expect(body).toMatch(/^# (HELP|TYPE) \w+/m);
      expect(body).toMatch(/^\w+(\{[^}]*\})? [-+0-9.eE]+(NaN|Inf)?$/m);
    });

    it('stores media: 201 with a url, then the same bytes back with their content type', async () => {
      const user = h.uid('alice');
      const token = await h.target.token(user);
      const bytes = randomBytes(5000);
      const up = await h.fetch('/api/v1/media', {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'image/png' },
        body: bytes,
      });
      expect(up.status).toBe(201);
      const { url } = (await up.json()) as { url: string };
      expect(url).toEqual(expect.any(String));
      // Any node serves it, to any authenticated user.
      const reader = await h.target.token(h.uid('bob'));
      const down = await h.fetch(url, { headers: { Authorization: `Bearer ${reader}` } }, 1);
      expect(down.status).toBe(200);
      expect(down.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await down.arrayBuffer())).toEqual(bytes);
    });

    it('refuses media requests without a valid bearer token with 401', async () => {
      const token = await h.target.token(h.uid('alice'));
      const up = await h.fetch('/api/v1/media', {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}` },
        body: 'x',
      });
      const { url } = (await up.json()) as { url: string };
      const expired = await signToken(h.target.secret, { sub: 'alice', exp: nowSec() - 5 });
      const forged = await signToken('not-the-secret-at-all-0123456789', { sub: 'alice' });
      for (const headers of [
        {} as Record<string, string>,
        { Authorization: 'Bearer nonsense' },
        { Authorization: `Bearer ${expired}` },
        { Authorization: `Bearer ${forged}` },
      ]) {
        const post = await h.fetch('/api/v1/media', { method: 'POST', headers, body: 'y' });
        expect(post.status).toBe(401);
        const get = await h.fetch(url, { headers });
        expect(get.status).toBe(401);
      }
    });

    it('mints dev tokens that open a WebSocket as that user and device', async () => {
      const user = h.uid('dev');
      const res = await h.fetch('/api/v1/dev/tokens', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ user, device: 'laptop' }),
      });
      expect(res.status).toBe(200);
      const { token } = (await res.json()) as { token: string };
      const c = await h.openWith({ token, via: 'query' }, 1);
      try {
        expect(await c.waitFor(isType('welcome'))).toMatchObject({ user, device: 'laptop' });
      } finally {
        c.terminate();
      }
    });
  });
}
