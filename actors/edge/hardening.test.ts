/**
 * The edge's HTTP hardening (issue 7, defects 2 and 4), against a real
 * server on a real port: dev tokens only for the local developer, security
 * headers everywhere, `/metrics` for this machine only, a per-address
 * connection cap and header timeouts against slowloris.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { type Socket, connect as tcpConnect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ActorSystem, seededRandom } from '../../runtime/index.ts';
import { MemoryPresence } from '../presence/index.ts';
import { hs256Verifier, signDevToken } from '../protocol/index.ts';
import { instrumentStore, Metrics } from './metrics.ts';
import { DEFAULT_SERVER_LIMITS, type ServerLimits, startEdgeServer } from './server.ts';
import { MemoryBlobs, mediaOnlyStore, RecordingDirectory } from './testing.ts';

const SECRET = 'hardening-secret-0123456789abcdef';
const running: { close(): Promise<void> }[] = [];
const sockets: Socket[] = [];
let warnings: string[] = [];

async function start(
  options: {
    host?: string;
    limits?: Partial<ServerLimits>;
    metricsPublic?: boolean;
    webRoot?: string;
  } = {},
) {
  warnings = [];
  const logger = pino(
    { level: 'warn' },
    { write: (line: string) => warnings.push(JSON.parse(line).msg as string) },
  );
  const system = new ActorSystem({ logger });
  const metrics = new Metrics({ system });
  const server = await startEdgeServer({
    system,
    directory: new RecordingDirectory(),
    presence: new MemoryPresence({ clock: system.clock }),
    store: instrumentStore(mediaOnlyStore(), metrics),
    blobs: new MemoryBlobs(),
    verifier: hs256Verifier(SECRET),
    jwtSecret: SECRET,
    devTokens: true,
    metrics,
    host: options.host ?? '127.0.0.1',
    port: 0,
    random: seededRandom(1),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.metricsPublic === undefined ? {} : { metricsPublic: options.metricsPublic }),
    ...(options.webRoot === undefined ? {} : { webRoot: options.webRoot }),
  });
  running.push({
    async close() {
      await server.close();
      await system.shutdown();
    },
  });
  return server.port;
}

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const r of running.splice(0)) await r.close();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
  address = '127.0.0.1',
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: address, port, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += String(c)));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const JSON_TYPE = { 'Content-Type': 'application/json' };
const tokenBody = JSON.stringify({ user: 'alice' });
const error = (a: Answer) =>
  (JSON.parse(a.body) as { error: { code: string; message: string } }).error;

describe('dev tokens', () => {
  it('mints for a local Host, with no Origin or a same-origin one', async () => {
    const port = await start();
    for (const headers of [
      { ...JSON_TYPE },
      { ...JSON_TYPE, Host: `localhost:${port}` },
      { ...JSON_TYPE, Origin: `http://127.0.0.1:${port}` },
      { 'Content-Type': 'application/json; charset=utf-8' },
    ]) {
      const answer = await call(port, 'POST', '/api/v1/dev/tokens', headers, tokenBody);
      expect(answer.status, JSON.stringify(headers)).toBe(200);
      expect(JSON.parse(answer.body).token).toMatch(/^ey/);
    }
  });

  it('refuses a foreign Host (DNS rebinding, a reverse proxy) with 403', async () => {
    const port = await start();
    for (const host of [
      'evil.example.com',
      `evil.example.com:${port}`,
      '127.0.0.1:1',
      'localhost',
    ]) {
      const answer = await call(
        port,
        'POST',
        '/api/v1/dev/tokens',
        { ...JSON_TYPE, Host: host },
        tokenBody,
      );
      expect(answer.status, host).toBe(403);
      expect(error(answer)).toEqual({
        code: 'forbidden',
        message: `Host "${host}": this route answers only requests to this server by address or as localhost, port ${port}`,
      });
    }
  });

  it('refuses a foreign Origin, and the null Origin, with 403', async () => {
    const port = await start();
    for (const origin of ['http://evil.example.com', 'null', `http://localhost:${port}`]) {
      const answer = await call(
        port,
        'POST',
        '/api/v1/dev/tokens',
        { ...JSON_TYPE, Origin: origin },
        tokenBody,
      );
      expect(answer.status, origin).toBe(403);
      expect(error(answer)).toEqual({
        code: 'forbidden',
        message: `Origin "${origin}" is not this server ("127.0.0.1:${port}"): cross-site requests are refused`,
      });
    }
  });

  it('refuses a body that is not declared application/json with 415', async () => {
    const port = await start();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
      const headers: Record<string, string> = type === undefined ? {} : { 'Content-Type': type };
      const answer = await call(port, 'POST', '/api/v1/dev/tokens', headers, tokenBody);
      expect(answer.status).toBe(415);
      expect(error(answer)).toEqual({
        code: 'unsupported_media_type',
        message: `Content-Type must be application/json, got ${type === undefined ? 'none' : `"${type}"`}`,
      });
    }
  });

  it('refuses a request relayed by a proxy', async () => {
    const port = await start();
    const answer = await call(
      port,
      'POST',
      '/api/v1/dev/tokens',
      { ...JSON_TYPE, 'X-Forwarded-For': '203.0.113.7' },
      tokenBody,
    );
    expect(answer.status).toBe(403);
    expect(error(answer).message).toBe(
      'the request came through a proxy (header "x-forwarded-for"): this route answers local callers only',
    );
  });

  it('warns at start when dev tokens are on for a non-loopback address', async () => {
    await start({ host: '0.0.0.0' });
    expect(warnings.some((w) => w.startsWith('dev tokens are on for a non-loopback address'))).toBe(
      true,
    );
    await start();
    expect(warnings.filter((w) => w.startsWith('dev tokens'))).toEqual([]);
  });
});

describe('security headers', () => {
  it('keep the web app from being framed', async () => {
    const root = await mkdtemp(join(tmpdir(), 'parley-web-'));
    await writeFile(join(root, 'index.html'), '<!doctype html><title>p</title>');
    try {
      const port = await start({ webRoot: root });
      const answer = await call(port, 'GET', '/');
      expect(answer.status).toBe(200);
      expect(answer.headers['content-security-policy']).toBe(
        "frame-ancestors 'none'; object-src 'none'; base-uri 'none'",
      );
      expect(answer.headers['x-frame-options']).toBe('DENY');
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('forbid framing and sniffing on API answers, errors included', async () => {
    const port = await start();
    for (const path of ['/healthz', '/nope', '/api/v1/media/x']) {
      const answer = await call(port, 'GET', path);
      expect(answer.headers['x-frame-options'], path).toBe('DENY');
      expect(answer.headers['x-content-type-options'], path).toBe('nosniff');
      expect(answer.headers['content-security-policy'], path).toContain("frame-ancestors 'none'");
    }
  });
});

/** A non-loopback address of this machine, to call from; the test fails when there is none. */
function externalAddress(): string {
  const found = Object.values(networkInterfaces())
    .flat()
    .find((i) => i !== undefined && !i.internal && i.family === 'IPv4');
  if (found === undefined)
    throw new Error('this machine has no non-loopback IPv4 address to test from');
  return found.address;
}

describe('/metrics', () => {
  it('answers a loopback caller naming a local Host', async () => {
    const port = await start();
    const answer = await call(port, 'GET', '/metrics');
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('parley_');
  });

  it('refuses a foreign Host (DNS rebinding) with 403', async () => {
    const port = await start();
    const answer = await call(port, 'GET', '/metrics', { Host: 'evil.example.com' });
    expect(answer.status).toBe(403);
    expect(error(answer).code).toBe('forbidden');
  });

  it('refuses a caller from another address with 403, unless metricsPublic', async () => {
    const address = externalAddress();
    const port = await start({ host: '0.0.0.0' });
    const answer = await call(port, 'GET', '/metrics', {}, undefined, address);
    expect(answer.status).toBe(403);
    expect(error(answer)).toEqual({
      code: 'forbidden',
      message: `/metrics answers loopback callers only, not "${address}"; set PARLEY_METRICS_PUBLIC=1 to open it`,
    });
    const open = await start({ host: '0.0.0.0', metricsPublic: true });
    expect(
      (await call(open, 'GET', '/metrics', { Host: 'evil.example.com' }, undefined, address))
        .status,
    ).toBe(200);
  });
});

function openTcp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = tcpConnect(port, '127.0.0.1', () => resolve(s));
    sockets.push(s);
    s.on('error', reject);
  });
}

/** Everything the server writes to `s` until it closes it, and when. */
function untilClosed(s: Socket): Promise<{ text: string; atMs: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    let text = '';
    s.on('data', (c: Buffer) => (text += String(c)));
    s.on('close', () => resolve({ text, atMs: performance.now() - t0 }));
  });
}

describe('connections per address', () => {
  it('refuses the connection past the cap with a 503 JSON answer, for HTTP and WebSocket alike', async () => {
    const port = await start({ limits: { connectionsPerAddressMax: 3 } });
    for (let i = 0; i < 3; i++) await openTcp(port);
    const answer = await call(port, 'GET', '/healthz');
    expect(answer.status).toBe(503);
    expect(error(answer)).toEqual({
      code: 'unavailable',
      message: '127.0.0.1 holds 3 connections already; close some and retry',
    });
    const token = await signDevToken(SECRET, 'alice');
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => reject(new Error('the upgrade was accepted past the cap')));
      ws.once('error', () => {});
    });
    expect(status).toBe(503);
    // A connection given back makes room.
    sockets.shift()!.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect((await call(port, 'GET', '/healthz')).status).toBe(200);
  });

  it('defaults to 256 per address', () => {
    expect(DEFAULT_SERVER_LIMITS.connectionsPerAddressMax).toBe(256);
  });
});

describe('timeouts', () => {
  it('drops a slowloris that never finishes its headers within the header timeout', async () => {
    const port = await start({ limits: { headersTimeoutMs: 1000 } });
    const s = await openTcp(port);
    const closed = untilClosed(s);
    s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const drip = setInterval(() => s.writable && s.write('X-a: b\r\n'), 200);
    const { atMs } = await closed;
    clearInterval(drip);
    expect(atMs).toBeLessThan(3000);
  });

  it('drops a connection that sends nothing within the header timeout', async () => {
    const port = await start({ limits: { headersTimeoutMs: 1000 } });
    const s = await openTcp(port);
    const { atMs } = await untilClosed(s);
    expect(atMs).toBeLessThan(3000);
  });

  it('defaults to 10 s for headers, 120 s per request, 5 s keep-alive', () => {
    expect(DEFAULT_SERVER_LIMITS).toMatchObject({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 120_000,
      keepAliveTimeoutMs: 5000,
    });
  });
});
