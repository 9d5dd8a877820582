/**
 * A lean protocol-v1 connection for load: a raw `ws` socket that opens with a
 * bearer token, waits for `welcome` (bounded by `timeoutMs`), then hands every
 * server frame, parsed, to `onFrame`. No outbox, no retries, no dedupe: the
 * load generator does its own bookkeeping and counts what goes wrong.
 *
 * Encoding: JSON text frames (default) or `parley.v1.msgpack` binary frames;
 * `sendMessage` and `sendAck` write the two frames a load sends most in the
 * connection's encoding, and `bytesOut`/`bytesIn` count payload bytes each
 * way, so a benchmark can put the wires side by side.
 */
import { Packr, Unpackr } from 'msgpackr';
import WebSocket from 'ws';

export type Encoding = 'json' | 'msgpack';

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

/** A server frame as the load generator reads it: only the fields it uses. */
export interface ServerFrame {
  readonly type: string;
  readonly id?: string;
  readonly from?: string;
  readonly status?: string;
  readonly code?: string;
  readonly message?: string;
  readonly group?: string;
  readonly ref?: string;
  readonly [field: string]: unknown;
}

export interface Conn {
  readonly user: string;
  readonly device: string;
  readonly ws: WebSocket;
  readonly encoding: Encoding;
  send(frame: object): void;
  /** A frame given as JSON text (re-encoded on the MessagePack wire). */
  sendText(text: string): void;
  /** A text `message` of `body` to `to`. */
  sendMessage(id: string, to: string, body: string): void;
  /** A `delivered` receipt for message `id` from `from`. */
  sendAck(id: string, from: string): void;
  close(): void;
  /** Payload bytes written and read so far. */
  bytesOut: number;
  bytesIn: number;
}

export interface ConnectOptions {
  readonly url: string;
  readonly token: string;
  readonly user: string;
  readonly device: string;
  readonly timeoutMs: number;
  /** Default `json`. */
  readonly encoding?: Encoding;
  readonly onFrame: (frame: ServerFrame, conn: Conn) => void;
  readonly onClose?: (code: number, conn: Conn) => void;
}

export function connect(options: ConnectOptions): Promise<Conn> {
  const { url, token, user, device, timeoutMs, onFrame } = options;
  const encoding = options.encoding ?? 'json';
  const ws = new WebSocket(url, encoding === 'msgpack' ? ['parley.v1.msgpack'] : [], {
    headers: { authorization: `Bearer ${token}` },
    perMessageDeflate: false,
    skipUTF8Validation: true,
    handshakeTimeout: timeoutMs,
  });
  const write = (payload: string | Buffer) => {
    conn.bytesOut += typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
    ws.send(payload);
  };
  const conn: Conn =
    encoding === 'msgpack'
      ? {
          user,
          device,
          ws,
          encoding,
          bytesOut: 0,
          bytesIn: 0,
          send: (frame) => write(packr.pack(frame)),
          sendText: (text) => write(packr.pack(JSON.parse(text))),
          sendMessage: (id, to, body) =>
            write(packr.pack({ type: 'message', id, to, content: { type: 'text', body } })),
          sendAck: (id, from) => write(packr.pack({ type: 'ack', id, from, status: 'delivered' })),
          close: () => closeOf(ws),
        }
      : {
          user,
          device,
          ws,
          encoding,
          bytesOut: 0,
          bytesIn: 0,
          send: (frame) => write(JSON.stringify(frame)),
          sendText: (text) => write(text),
          sendMessage: (id, to, body) =>
            write(
              `{"type":"message","id":"${id}","to":"${to}","content":{"type":"text","body":"${body}"}}`,
            ),
          sendAck: (id, from) =>
            write(
              `{"type":"ack","id":${JSON.stringify(id)},"from":${JSON.stringify(from)},"status":"delivered"}`,
            ),
          close: () => closeOf(ws),
        };
  return new Promise<Conn>((resolve, reject) => {
    let welcomed = false;
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`${user}/${device}: no welcome within ${timeoutMs} ms`));
    }, timeoutMs);
    ws.on('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      reject(new Error(`${user}/${device}: upgrade refused with HTTP ${res.statusCode}`));
      ws.terminate();
    });
    ws.on('error', (err) => {
      if (welcomed) return;
      clearTimeout(timer);
      reject(err);
    });
    ws.on('close', (code) => {
      clearTimeout(timer);
      if (!welcomed) reject(new Error(`${user}/${device}: closed with ${code} before welcome`));
      else options.onClose?.(code, conn);
    });
    ws.on('message', (data: Buffer) => {
      conn.bytesIn += data.length;
      const frame = (
        encoding === 'msgpack' ? unpackr.unpack(data) : JSON.parse(data.toString())
      ) as ServerFrame;
      if (!welcomed) {
        if (frame.type !== 'welcome') {
          reject(new Error(`${user}/${device}: first frame was ${frame.type}, not welcome`));
          ws.terminate();
          return;
        }
        welcomed = true;
        clearTimeout(timer);
        resolve(conn);
        return;
      }
      onFrame(frame, conn);
    });
  });
}

function closeOf(ws: WebSocket): void {
  if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close();
}
