/**
 * A lean protocol-v1 connection for load: a raw `ws` socket that opens with a
 * bearer token, waits for `welcome` (bounded by `timeoutMs`), then hands every
 * server frame, parsed, to `onFrame`. No outbox, no retries, no dedupe: the
 * load generator does its own bookkeeping and counts what goes wrong.
 */
import WebSocket from 'ws';

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
  send(frame: object): void;
  sendText(text: string): void;
  close(): void;
}

export interface ConnectOptions {
  readonly url: string;
  readonly token: string;
  readonly user: string;
  readonly device: string;
  readonly timeoutMs: number;
  readonly onFrame: (frame: ServerFrame, conn: Conn) => void;
  readonly onClose?: (code: number, conn: Conn) => void;
}

export function connect(options: ConnectOptions): Promise<Conn> {
  const { url, token, user, device, timeoutMs, onFrame } = options;
  const ws = new WebSocket(url, {
    headers: { authorization: `Bearer ${token}` },
    perMessageDeflate: false,
    skipUTF8Validation: true,
    handshakeTimeout: timeoutMs,
  });
  const conn: Conn = {
    user,
    device,
    ws,
    send: (frame) => ws.send(JSON.stringify(frame)),
    sendText: (text) => ws.send(text),
    close: () => {
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close();
    },
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
      const frame = JSON.parse(data.toString()) as ServerFrame;
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
