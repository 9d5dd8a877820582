/**
 * A raw protocol-v1 test client on `ws` (deliberately not the SDK): it sends
 * exactly the bytes a test gives it and records every frame the server
 * writes, in arrival order, so tests check the wire itself. The waiting
 * (`waitFor`, `barrier`, ...) is `FrameLog`'s.
 *
 * Encoding: JSON in text frames (the default), or with `encoding:
 * 'msgpack'` the `parley.v1.msgpack` subprotocol, one MessagePack map per
 * binary frame. Frames of the other kind from the server are kept in
 * `strayFrames` (the protocol sends none).
 *
 * `open` resolves once the socket is open, and rejects with an
 * `UpgradeRefused` (status, headers, body) when the server answers the
 * upgrade with anything but 101; `refusedUpgrade` expects that outcome.
 */
import type { IncomingMessage } from 'node:http';
import { Packr, Unpackr } from 'msgpackr';
import { type RawData, WebSocket } from 'ws';
import { asFrame, type Closed, DEFAULT_WAIT_MS, FrameLog } from './frame-log.ts';

export type { Closed, Frame, FramePredicate } from './frame-log.ts';

export const MSGPACK_SUBPROTOCOL = 'parley.v1.msgpack';

export type Encoding = 'json' | 'msgpack';

export interface OpenOptions {
  /** Sent as `Authorization: Bearer` (default) or `?token=`. */
  readonly token?: string;
  readonly via?: 'header' | 'query';
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  /** Frames as JSON text (default) or MessagePack binary (`parley.v1.msgpack`). */
  readonly encoding?: Encoding;
  /** Subprotocols to offer instead of the encoding's own. */
  readonly protocols?: readonly string[];
}

/** The server refused the upgrade: no WebSocket was opened. */
export class UpgradeRefused extends Error {
  override readonly name = 'UpgradeRefused';
  constructor(
    readonly status: number,
    readonly headers: Readonly<Record<string, string | string[] | undefined>>,
    readonly body: string,
  ) {
    super(`upgrade refused with HTTP ${status}: ${body}`);
  }
}

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

export class WsClient extends FrameLog {
  private constructor(
    readonly ws: WebSocket,
    readonly encoding: Encoding,
  ) {
    super();
    ws.once('close', (code, reason) => this.recordClose({ code, reason: reason.toString() }));
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const buf = toBuffer(data);
      if (isBinary !== (encoding === 'msgpack')) this.recordStray(buf);
      else this.record(encoding === 'msgpack' ? unpacked(buf) : parsed(buf.toString('utf8')));
    });
    ws.on('error', () => {});
  }

  /** Opens a socket; rejects with `UpgradeRefused` when the server answers other than 101. */
  static open(url: string, options: OpenOptions = {}): Promise<WsClient> {
    const target = new URL(url);
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) {
      if (options.via === 'query') target.searchParams.set('token', options.token);
      else headers.Authorization = `Bearer ${options.token}`;
    }
    const encoding = options.encoding ?? 'json';
    const protocols = options.protocols ?? (encoding === 'msgpack' ? [MSGPACK_SUBPROTOCOL] : []);
    const ws = new WebSocket(target, [...protocols], {
      headers,
      maxPayload: 256 * 1024 * 1024,
    });
    const client = new WsClient(ws, encoding);
    const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`no WebSocket open at ${url} within ${timeoutMs} ms`));
      }, timeoutMs);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve(client);
      });
      ws.once('unexpected-response', (req, res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          req.destroy();
          reject(
            new UpgradeRefused(
              res.statusCode ?? 0,
              res.headers,
              Buffer.concat(chunks).toString('utf8'),
            ),
          );
        });
      });
      ws.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends one frame: JSON text, or a MessagePack binary frame. */
  send(frame: Readonly<Record<string, unknown>>): void {
    if (this.encoding === 'msgpack') this.ws.send(packr.pack(frame), { binary: true });
    else this.ws.send(JSON.stringify(frame));
  }

  /** A frame of this client's kind (text for JSON, binary for MessagePack) holding exactly `payload`. */
  sendRaw(payload: string | Uint8Array): void {
    this.ws.send(payload, { binary: this.encoding === 'msgpack' });
  }

  /** Sends a text frame with exactly this text. */
  sendText(text: string): void {
    this.ws.send(text);
  }

  /** Sends a text frame with exactly these bytes (which may be invalid UTF-8). */
  sendTextBytes(bytes: Uint8Array): void {
    this.ws.send(bytes, { binary: false });
  }

  sendBinary(bytes: Uint8Array): void {
    this.ws.send(bytes, { binary: true });
  }

  async close(code = 1000): Promise<Closed> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)
      this.ws.close(code);
    return this.closed;
  }

  /** Cuts the TCP connection without a close handshake. */
  terminate(): void {
    this.ws.terminate();
  }
}

/** Opens with `options` and expects the upgrade refused; returns the refusal. */
export async function refusedUpgrade(
  url: string,
  options: OpenOptions = {},
): Promise<UpgradeRefused> {
  try {
    const client = await WsClient.open(url, options);
    client.terminate();
  } catch (err) {
    if (err instanceof UpgradeRefused) return err;
    throw err;
  }
  throw new Error(`expected the upgrade at ${url} to be refused, but a WebSocket opened`);
}

function parsed(text: string): ReturnType<typeof asFrame> {
  try {
    return asFrame(JSON.parse(text), text);
  } catch {
    return asFrame(undefined, text);
  }
}

function unpacked(bytes: Buffer): ReturnType<typeof asFrame> {
  try {
    return asFrame(unpackr.unpack(bytes), bytes.toString('hex'));
  } catch {
    return asFrame(undefined, bytes.toString('hex'));
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
