/**
 * A Web Push service on loopback, for tests: it plays the browser vendor's
 * push service (RFC 8030) and the browser's decryption, so a test checks what
 * a real push service and browser would check, with nothing stood in on the
 * server's side.
 *
 * - `subscribe()` makes a subscription as a browser would: a fresh P-256 key
 *   pair and a 16-byte auth secret (RFC 8291), and an endpoint
 *   `http://127.0.0.1:<port>/push/<id>`. It returns the
 *   `PushSubscription.toJSON()` shape the client sends to the server.
 * - `POST /push/<id>` is checked like a push service does: VAPID (RFC 8292)
 *   `Authorization: vapid t=<jwt>, k=<key>` with an ES256 JWT whose
 *   signature verifies with `k`, `aud` this service's origin, `exp` in the
 *   future and at most 24 h away, `sub` a mailto:/https: URL; `TTL` present;
 *   `Content-Encoding: aes128gcm`. The body is then DECRYPTED here with
 *   node:crypto (ECDH on prime256v1, HKDF-SHA256, AES-128-GCM; RFC 8291 and
 *   RFC 8188), independently of the library that encrypted it, and parsed as
 *   JSON. A push that fails a check is answered 400/401/403 and recorded in
 *   `refused`.
 * - It answers 201, or 410 for a subscription marked `gone`, or the statuses
 *   queued with `respond(id, ...)` (then 201 again).
 * - `received` lists every accepted push; `waitFor(predicate)` resolves with
 *   the first one matching, now or when it arrives.
 */
import { Buffer } from 'node:buffer';
import {
  createDecipheriv,
  createECDH,
  createPublicKey,
  hkdfSync,
  randomBytes,
  verify,
} from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BrowserSubscription {
  readonly endpoint: string;
  readonly expirationTime: null;
  readonly keys: { readonly p256dh: string; readonly auth: string };
}

export interface ReceivedPush {
  /** The subscription's id (the last segment of its endpoint). */
  readonly id: string;
  /** The decrypted payload, parsed. */
  readonly payload: Record<string, unknown>;
  /** The decrypted payload as text. */
  readonly text: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The VAPID claims and the public key `k` they verified with. */
  readonly vapid: {
    readonly aud: string;
    readonly sub: string;
    readonly exp: number;
    readonly k: string;
  };
}

interface Keys {
  readonly ecdh: ReturnType<typeof createECDH>;
  readonly publicKey: Buffer;
  readonly auth: Buffer;
}

export class LoopbackPushService {
  readonly received: ReceivedPush[] = [];
  readonly refused: { readonly id: string; readonly status: number; readonly why: string }[] = [];
  private readonly keys = new Map<string, Keys>();
  private readonly gone = new Set<string>();
  private readonly queued = new Map<string, number[]>();
  private waiters: { match: (p: ReceivedPush) => boolean; resolve: (p: ReceivedPush) => void }[] =
    [];
  private counter = 0;

  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  static async start(): Promise<LoopbackPushService> {
    let service: LoopbackPushService | undefined;
    const server = createServer((req, res) => {
      void service!.handle(req).then(
        ({ status, why }) => {
          res.writeHead(status, { 'Content-Type': 'text/plain' });
          res.end(why);
        },
        (err: unknown) => {
          res.writeHead(500);
          res.end(String(err));
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    service = new LoopbackPushService(server, `http://127.0.0.1:${port}`);
    return service;
  }

  /** A new subscription, as `PushManager.subscribe` would make it. */
  subscribe(): BrowserSubscription & { readonly id: string } {
    const id = `sub${++this.counter}-${randomBytes(4).toString('hex')}`;
    const ecdh = createECDH('prime256v1');
    const publicKey = ecdh.generateKeys();
    const auth = randomBytes(16);
    this.keys.set(id, { ecdh, publicKey, auth });
    return {
      id,
      endpoint: `${this.origin}/push/${id}`,
      expirationTime: null,
      keys: { p256dh: publicKey.toString('base64url'), auth: auth.toString('base64url') },
    };
  }

  /** From now on, pushes to `id` are answered 410 Gone. */
  markGone(id: string): void {
    this.gone.add(id);
  }

  /** The next pushes to `id` are answered with these statuses, in order. */
  respond(id: string, ...statuses: number[]): void {
    this.queued.set(id, [...(this.queued.get(id) ?? []), ...statuses]);
  }

  /** The first accepted push matching `match`, now or when it arrives. */
  waitFor(match: (p: ReceivedPush) => boolean, timeoutMs = 5000): Promise<ReceivedPush> {
    const seen = this.received.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(
          new Error(
            `no matching push within ${timeoutMs} ms; received ${JSON.stringify(this.received.map((p) => p.payload))}, refused ${JSON.stringify(this.refused)}`,
          ),
        );
      }, timeoutMs);
      const done = (p: ReceivedPush) => {
        clearTimeout(timer);
        resolve(p);
      };
      this.waiters.push({ match, resolve: done });
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; why: string }> {
    const match = /^\/push\/([^/?]+)$/.exec(req.url ?? '');
    const body = await readAll(req);
    if (req.method !== 'POST' || match === null) return { status: 404, why: 'no such endpoint' };
    const id = match[1]!;
    const keys = this.keys.get(id);
    if (keys === undefined) return { status: 404, why: 'no such subscription' };
    const refuse = (status: number, why: string) => {
      this.refused.push({ id, status, why });
      return { status, why };
    };
    const vapid = checkVapid(req.headers.authorization, this.origin);
    if (typeof vapid === 'string') return refuse(401, vapid);
    if (req.headers.ttl === undefined || !/^\d+$/.test(String(req.headers.ttl)))
      return refuse(400, 'TTL header missing');
    if (req.headers['content-encoding'] !== 'aes128gcm')
      return refuse(400, `Content-Encoding is ${req.headers['content-encoding']}, not aes128gcm`);
    let text: string;
    try {
      text = decrypt(body, keys).toString('utf8');
    } catch (err) {
      return refuse(400, `cannot decrypt: ${(err as Error).message}`);
    }
    const status = this.queued.get(id)?.shift() ?? (this.gone.has(id) ? 410 : 201);
    if (status !== 201) return { status, why: 'as told' };
    const push: ReceivedPush = {
      id,
      payload: JSON.parse(text) as Record<string, unknown>,
      text,
      headers: {
        ttl: header(req, 'ttl'),
        urgency: header(req, 'urgency'),
        topic: header(req, 'topic'),
        'content-encoding': header(req, 'content-encoding'),
      },
      vapid,
    };
    this.received.push(push);
    for (const w of [...this.waiters])
      if (w.match(push)) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(push);
      }
    return { status, why: 'created' };
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** RFC 8292: the claims when the header is a valid VAPID authorization for `origin`, else why not. */
function checkVapid(
  authorization: string | undefined,
  origin: string,
): ReceivedPush['vapid'] | string {
  const m = /^vapid\s+t=([^,\s]+)\s*,\s*k=([A-Za-z0-9_-]+)$/.exec(authorization ?? '');
  if (m === null) return `Authorization is not "vapid t=..., k=...": ${authorization}`;
  const [jwt, k] = [m[1]!, m[2]!];
  const parts = jwt.split('.');
  if (parts.length !== 3) return 'the JWT does not have three parts';
  const [h, p, s] = parts as [string, string, string];
  const head = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: string };
  if (head.alg !== 'ES256') return `JWT alg is ${head.alg}, not ES256`;
  const point = Buffer.from(k, 'base64url');
  if (point.length !== 65 || point[0] !== 4) return 'k is not an uncompressed P-256 point';
  const key = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33).toString('base64url'),
    },
    format: 'jwk',
  });
  const signed = verify(
    'sha256',
    Buffer.from(`${h}.${p}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(s, 'base64url'),
  );
  if (!signed) return 'the JWT signature does not verify with k';
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as {
    aud?: string;
    exp?: number;
    sub?: string;
  };
  const nowSec = Math.floor(Date.now() / 1000);
  if (claims.aud !== origin) return `aud is ${claims.aud}, not ${origin}`;
  if (typeof claims.exp !== 'number' || claims.exp <= nowSec || claims.exp > nowSec + 24 * 3600)
    return `exp ${claims.exp} is not within the next 24 h`;
  if (typeof claims.sub !== 'string' || !/^(mailto:|https:)/.test(claims.sub))
    return `sub ${claims.sub} is not a mailto: or https: URL`;
  return { aud: claims.aud, exp: claims.exp, sub: claims.sub, k };
}

/**
 * RFC 8291 (Message Encryption for Web Push) over RFC 8188 (aes128gcm):
 * header salt(16) | rs(4) | idlen(1) | keyid (the sender's ephemeral public
 * key), then records of rs bytes, each AES-128-GCM with a 16-byte tag, whose
 * plaintext ends in a delimiter (2 on the last record, 1 before) and zero padding.
 */
export function decrypt(body: Buffer, keys: Keys): Buffer {
  if (body.length < 21) throw new Error('body shorter than the aes128gcm header');
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20]!;
  const senderKey = body.subarray(21, 21 + idlen);
  if (idlen !== 65) throw new Error(`keyid is ${idlen} bytes, not a 65-byte P-256 key`);
  if (rs < 18) throw new Error(`record size ${rs} is too small`);
  const secret = keys.ecdh.computeSecret(senderKey);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), keys.publicKey, senderKey]);
  const ikm = Buffer.from(hkdfSync('sha256', secret, keys.auth, keyInfo, 32));
  const cek = Buffer.from(
    hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16),
  );
  const baseNonce = Buffer.from(
    hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12),
  );
  const records = body.subarray(21 + idlen);
  const out: Buffer[] = [];
  for (let i = 0, at = 0; at < records.length; i++, at += rs) {
    const record = records.subarray(at, Math.min(at + rs, records.length));
    const last = at + rs >= records.length;
    const nonce = Buffer.from(baseNonce);
    // The record's sequence number XORed into the nonce's low bytes (records < 2^32 here).
    nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ i) >>> 0, 8);
    const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
    decipher.setAuthTag(record.subarray(record.length - 16));
    const plain = Buffer.concat([
      decipher.update(record.subarray(0, record.length - 16)),
      decipher.final(),
    ]);
    let end = plain.length - 1;
    while (end >= 0 && plain[end] === 0) end--;
    if (end < 0) throw new Error(`record ${i} has no delimiter`);
    if (plain[end] !== (last ? 2 : 1)) throw new Error(`record ${i} has delimiter ${plain[end]}`);
    out.push(plain.subarray(0, end));
  }
  return Buffer.concat(out);
}
