import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { ActorSystem, type Clock, seededRandom, systemClock } from '../../runtime/index.ts';
import type { BlobStore, Store } from '../../store/index.ts';
import { openFsBlobStore, openLmdbStore } from '../../store/index.ts';
import { MemoryPresence } from '../presence/index.ts';
import { hs256Verifier, signDevToken } from '../protocol/index.ts';
import { instrumentStore, Metrics } from './metrics.ts';
import { type EdgeServer, type ServerLimits, startEdgeServer } from './server.ts';
import { MemoryBlobs, mediaOnlyStore, RecordingDirectory } from './testing.ts';

const SECRET = 'test-secret-of-enough-length-0123456789';

interface Node {
  server: EdgeServer;
  system: ActorSystem;
  directory: RecordingDirectory;
  presence: MemoryPresence;
  blobs: MemoryBlobs;
  base: string;
  ws: string;
}

const nodes: Node[] = [];
const clients: WebSocket[] = [];

async function startNode(
  options: {
    devTokens?: boolean;
    webRoot?: string;
    limits?: Partial<ServerLimits>;
    store?: Store;
    blobs?: BlobStore;
  } = {},
): Promise<Node> {
  const system = new ActorSystem({ logger: pino({ level: 'silent' }) });
  const directory = new RecordingDirectory();
  const presence = new MemoryPresence({ clock: system.clock });
  const blobs = new MemoryBlobs();
  const metrics = new Metrics({ system });
  const server = await startEdgeServer({
    system,
    directory,
    presence,
    store: instrumentStore(options.store ?? mediaOnlyStore(), metrics),
    blobs: options.blobs ?? blobs,
    verifier: hs256Verifier(SECRET),
    jwtSecret: SECRET,
    devTokens: options.devTokens ?? false,
    metrics,
    host: '127.0.0.1',
    port: 0,
    random: seededRandom(1),
    ...(options.webRoot === undefined ? {} : { webRoot: options.webRoot }),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
  });
  const node = {
    server,
    system,
    directory,
    presence,
    blobs,
    base: `http://127.0.0.1:${server.port}`,
    ws: `ws://127.0.0.1:${server.port}/ws`,
  };
  nodes.push(node);
  return node;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  for (const n of nodes.splice(0)) {
    await n.server.close();
    await n.system.shutdown();
  }
});

const token = (user = 'alice', device = 'phone', clock: Clock = systemClock, ttl = 3600) =>
  signDevToken(SECRET, user, device, ttl, clock);
const expiredToken = () =>
  token('alice', 'phone', { ...systemClock, now: () => Date.now() - 7_200_000 }, 60);

/** Opens a WebSocket; resolves with its first frame, or with the HTTP status that refused it. */
function connect(
  url: string,
  headers: Record<string, string> = {},
  autoPong = true,
): Promise<{ ws: WebSocket; first: Record<string, unknown> } | { status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, autoPong });
    clients.push(ws);
    ws.once('message', (data) =>
      resolve({ ws, first: JSON.parse(String(data)) as Record<string, unknown> }),
    );
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += String(c)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', reject);
  });
}

function nextFrame(ws: WebSocket): Promise<Record<string, unknown>> {
  return new Promise((resolve) =>
    ws.once('message', (data) => resolve(JSON.parse(String(data)) as Record<string, unknown>)),
  );
}

/** A raw GET whose path is sent exactly as given (fetch would normalise `..`). */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += String(c)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('edge server: WebSocket', () => {
  test.each([
    ['no token', async () => ({ url: '', headers: {} })],
    [
      'a malformed bearer token',
      async () => ({ url: '', headers: { Authorization: 'Bearer abc.def' } }),
    ],
    ['a malformed query token', async () => ({ url: '?token=not-a-jwt', headers: {} })],
    [
      'a badly signed bearer token',
      async () => ({
        url: '',
        headers: { Authorization: `Bearer ${await signDevToken('other-secret', 'alice')}` },
      }),
    ],
    [
      'a badly signed query token',
      async () => ({ url: `?token=${await signDevToken('other', 'alice')}`, headers: {} }),
    ],
    [
      'an expired bearer token',
      async () => ({ url: '', headers: { Authorization: `Bearer ${await expiredToken()}` } }),
    ],
    [
      'an expired query token',
      async () => ({ url: `?token=${await expiredToken()}`, headers: {} }),
    ],
  ])('answers %s with 401 and opens no WebSocket', async (_what, make) => {
    const node = await startNode();
    const { url, headers } = await make();
    const result = await connect(`${node.ws}${url}`, headers);
    expect(result).toMatchObject({ status: 401 });
    const body = JSON.parse((result as { body: string }).body) as { error: { code: string } };
    expect(body.error.code).toBe('unauthorized');
    expect(node.directory.sent).toEqual([]);
  });

  test('refuses an upgrade on any path but /ws with 404', async () => {
    const node = await startNode();
    const result = await connect(
      `ws://127.0.0.1:${node.server.port}/socket?token=${await token()}`,
    );
    expect(result).toMatchObject({ status: 404 });
  });

  test('accepts a bearer token: welcome comes first, then the edge attaches', async () => {
    const node = await startNode();
    const before = Date.now();
    const result = await connect(node.ws, { Authorization: `Bearer ${await token()}` });
    expect('first' in result).toBe(true);
    const { first, ws } = result as { ws: WebSocket; first: Record<string, unknown> };
    expect(first).toMatchObject({ type: 'welcome', user: 'alice', device: 'phone' });
    expect(first.ts).toBeGreaterThanOrEqual(before);
    expect(node.directory.sent[0]).toMatchObject({
      key: 'user:alice',
      msg: { t: 'attach', device: 'phone' },
    });
    ws.send(JSON.stringify({ type: 'ping', ref: 'r1' }));
    expect(await nextFrame(ws)).toMatchObject({ type: 'pong', ref: 'r1' });
    ws.send('not json');
    expect(await nextFrame(ws)).toMatchObject({ type: 'error', code: 'bad_frame' });
  });

  test('accepts a query token, with the default device', async () => {
    const node = await startNode();
    const jwt = await signDevToken(SECRET, 'bob');
    const result = await connect(`${node.ws}?token=${jwt}`);
    expect(result).toMatchObject({ first: { type: 'welcome', user: 'bob', device: 'default' } });
  });

  test('a frame over 64 KiB gets too_large and the connection stays; over 1 MiB closes with 1009', async () => {
    const node = await startNode();
    const { ws } = (await connect(node.ws, { Authorization: `Bearer ${await token()}` })) as {
      ws: WebSocket;
    };
    ws.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(70_000) }));
    expect(await nextFrame(ws)).toMatchObject({ type: 'error', code: 'too_large' });
    ws.send('{"type":"ping","ref":"still"}');
    expect(await nextFrame(ws)).toMatchObject({ type: 'pong', ref: 'still' });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('x'.repeat(1024 * 1024 + 1));
    expect(await closed).toBe(1009);
    await expect.poll(() => node.directory.kinds()).toEqual(['attach', 'detach']);
  });

  test('heartbeat: a client that answers pings stays, one that does not is closed with 4000', async () => {
    const node = await startNode({ limits: { heartbeatIntervalMs: 40 } });
    const auth = { Authorization: `Bearer ${await token()}` };
    const live = (await connect(node.ws, auth)) as { ws: WebSocket };
    const mute = (await connect(node.ws, auth, false)) as { ws: WebSocket };
    const closed = new Promise<number>((resolve) => mute.ws.once('close', (code) => resolve(code)));
    expect(await closed).toBe(4000);
    expect(live.ws.readyState).toBe(WebSocket.OPEN);
  });

  test('closing the socket detaches the edge and marks the user offline', async () => {
    const node = await startNode();
    const { ws } = (await connect(node.ws, { Authorization: `Bearer ${await token()}` })) as {
      ws: WebSocket;
    };
    expect((await node.presence.get(['alice']))[0]?.online).toBe(true);
    ws.close(1000, 'bye');
    await expect.poll(() => node.directory.kinds()).toEqual(['attach', 'detach']);
    expect((await node.presence.get(['alice']))[0]?.online).toBe(false);
  });

  test('close() closes open sockets with 1001 and stops their edges', async () => {
    const node = await startNode();
    const { ws } = (await connect(node.ws, { Authorization: `Bearer ${await token()}` })) as {
      ws: WebSocket;
    };
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    const actorsBefore = node.system.actorCount;
    await node.server.close();
    expect(await closed).toBe(1001);
    expect(node.directory.kinds()).toEqual(['attach', 'detach']);
    expect(node.system.actorCount).toBe(actorsBefore - 1);
  });
});

describe('edge server: HTTP', () => {
  test('GET /healthz answers 200 {"status":"ok"}', async () => {
    const node = await startNode();
    const res = await fetch(`${node.base}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  test('an unknown route is 404 and a wrong method 405, both as JSON errors', async () => {
    const node = await startNode();
    const missing = await fetch(`${node.base}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: { code: 'not_found', message: 'no route for GET "/nope"' },
    });
    const wrong = await fetch(`${node.base}/healthz`, { method: 'POST' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD');
    expect(await wrong.json()).toEqual({
      error: { code: 'method_not_allowed', message: 'POST is not allowed on /healthz' },
    });
  });

  test('GET /metrics serves Prometheus text with the node metrics', async () => {
    const node = await startNode();
    const { ws } = (await connect(node.ws, { Authorization: `Bearer ${await token()}` })) as {
      ws: WebSocket;
    };
    ws.send('{"type":"ping"}');
    await nextFrame(ws);
    const res = await fetch(`${node.base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    for (const name of [
      'parley_connections_open 1',
      'parley_frames_in_total 1',
      'parley_frames_out_total 2',
      'parley_messages_in_total',
      'parley_messages_out_total',
      'parley_errors_total',
      'parley_actors',
      'parley_mailbox_depth_max',
      'parley_mailbox_depth_sum',
      'parley_dead_letters_total',
      'parley_store_latency_seconds',
    ])
      expect(text).toContain(name);
  });

  test('media: upload and download round trip keeps the bytes and the content type', async () => {
    const node = await startNode();
    const auth = { Authorization: `Bearer ${await token()}` };
    const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]);
    const up = await fetch(`${node.base}/api/v1/media`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'image/png' },
      body: bytes,
    });
    expect(up.status).toBe(201);
    const { url } = (await up.json()) as { url: string };
    expect(url).toMatch(/^\/api\/v1\/media\/[A-Za-z0-9_-]{22}$/);
    const down = await fetch(`${node.base}${url}`, { headers: auth });
    expect(down.status).toBe(200);
    expect(down.headers.get('content-type')).toBe('image/png');
    expect(new Uint8Array(await down.arrayBuffer())).toEqual(bytes);
    const byQuery = await fetch(`${node.base}${url}?token=${await token('bob', 'web')}`);
    expect(byQuery.status).toBe(200);
  });

  test('media: round trip through the LMDB store and the filesystem blob store', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parley-media-'));
    const store = await openLmdbStore({ path: join(dir, 'db'), sweepIntervalMs: 0 });
    try {
      const blobs = await openFsBlobStore({ dir: join(dir, 'blobs') });
      const node = await startNode({ store, blobs });
      const auth = { Authorization: `Bearer ${await token()}` };
      const up = await fetch(`${node.base}/api/v1/media`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/pdf' },
        body: 'a document',
      });
      expect(up.status).toBe(201);
      const { url } = (await up.json()) as { url: string };
      const down = await fetch(`${node.base}${url}`, { headers: auth });
      expect(down.headers.get('content-type')).toBe('application/pdf');
      expect(await down.text()).toBe('a document');
      const metrics = await (await fetch(`${node.base}/metrics`)).text();
      expect(metrics).toContain(
        'parley_store_latency_seconds_count{method="putMedia",outcome="ok"} 1',
      );
    } finally {
      for (const n of nodes.splice(0)) {
        await n.server.close();
        await n.system.shutdown();
      }
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('media: both routes need a token (401), unknown ids are 404', async () => {
    const node = await startNode();
    const up = await fetch(`${node.base}/api/v1/media`, { method: 'POST', body: 'x' });
    expect(up.status).toBe(401);
    expect(((await up.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    const down = await fetch(`${node.base}/api/v1/media/abc`);
    expect(down.status).toBe(401);
    const expired = await fetch(`${node.base}/api/v1/media/abc`, {
      headers: { Authorization: `Bearer ${await expiredToken()}` },
    });
    expect(expired.status).toBe(401);
    const unknown = await fetch(`${node.base}/api/v1/media/abc`, {
      headers: { Authorization: `Bearer ${await token()}` },
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      error: { code: 'not_found', message: 'no media "abc"' },
    });
  });

  test('media: an upload over the limit is 413 and nothing is stored', async () => {
    const node = await startNode({ limits: { mediaBytesMax: 1024 } });
    const res = await fetch(`${node.base}/api/v1/media`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${await token()}` },
      body: new Uint8Array(1025),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      error: { code: 'too_large', message: 'request body is over 1024 bytes; the limit is 1024' },
    });
    expect(node.blobs.blobs.size).toBe(0);
  });

  test('dev tokens: minted when enabled, and they open a WebSocket', async () => {
    const node = await startNode({ devTokens: true });
    const res = await fetch(`${node.base}/api/v1/dev/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ user: 'carol', device: 'tab' }),
    });
    expect(res.status).toBe(200);
    const { token: jwt } = (await res.json()) as { token: string };
    const result = await connect(`${node.ws}?token=${jwt}`);
    expect(result).toMatchObject({ first: { type: 'welcome', user: 'carol', device: 'tab' } });
  });

  test('dev tokens: a bad user or device is 400 naming the field', async () => {
    const node = await startNode({ devTokens: true });
    const post = (body: unknown) =>
      fetch(`${node.base}/api/v1/dev/tokens`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const badUser = await post({ user: 'no spaces', device: 'd' });
    expect(badUser.status).toBe(400);
    expect(await badUser.json()).toEqual({
      error: {
        code: 'bad_request',
        message: 'field "user" must be 1..64 chars of [A-Za-z0-9_.-], got "no spaces"',
      },
    });
    const badDevice = await post({ user: 'u', device: 7 });
    expect(((await badDevice.json()) as { error: { message: string } }).error.message).toBe(
      'field "device" must be 1..64 chars of [A-Za-z0-9_.-], got 7',
    );
    const missing = await post({});
    expect(((await missing.json()) as { error: { message: string } }).error.message).toBe(
      'field "user" is missing; it must be 1..64 chars of [A-Za-z0-9_.-]',
    );
  });

  test('dev tokens: the route is 404 when they are disabled', async () => {
    const node = await startNode({ devTokens: false });
    const res = await fetch(`${node.base}/api/v1/dev/tokens`, {
      method: 'POST',
      body: JSON.stringify({ user: 'carol' }),
    });
    expect(res.status).toBe(404);
  });
});

describe('edge server: static files', () => {
  let dir: string;
  let webRoot: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-web-'));
    webRoot = join(dir, 'web');
    await mkdir(join(webRoot, 'assets'), { recursive: true });
    await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>Parley</title>');
    await writeFile(join(webRoot, 'assets', 'app.js'), 'console.log("hi")');
    await writeFile(join(webRoot, '.env'), 'hidden');
    await writeFile(join(dir, 'secret.txt'), 'do not serve');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('serves index.html at / and assets with their content types', async () => {
    const node = await startNode({ webRoot });
    const index = await fetch(`${node.base}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await index.text()).toBe('<!doctype html><title>Parley</title>');
    const js = await fetch(`${node.base}/assets/app.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toBe('console.log("hi")');
    expect((await fetch(`${node.base}/assets/missing.js`)).status).toBe(404);
  });

  test.each([
    '/../secret.txt',
    '/assets/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/assets/%2e%2e/%2e%2e/secret.txt',
    '/..%2fsecret.txt',
    '/assets%5c..%5c..%5csecret.txt',
    '/.env',
  ])('refuses %s', async (path) => {
    const node = await startNode({ webRoot });
    const res = await rawGet(node.server.port, path);
    expect(res.status).toBe(404);
    expect(res.body).not.toContain('do not serve');
    expect(res.body).not.toContain('hidden');
  });

  test('without a webRoot, / is 404', async () => {
    const node = await startNode();
    expect((await fetch(`${node.base}/`)).status).toBe(404);
  });
});
