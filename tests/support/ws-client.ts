/**
 * A raw protocol-v1 test client on `ws` (deliberately not the SDK): it sends
 * exactly the bytes a test gives it and records every frame the server
 * writes, in arrival order, so tests check the wire itself.
 *
 * - `frames`: every text frame, parsed (a frame that is not a JSON object is
 *   recorded as `{ type: '<unparsed>', text }` so a test sees it and fails);
 *   `arrivals` numbers them in the arrival order of all clients together.
 * - `waitFor(predicate, timeoutMs, from)`: the first recorded frame at index
 *   `from` or later that matches, now or when it arrives; rejects after
 *   `timeoutMs` with the frames seen so far in the message. `mark()` gives the
 *   current index to search from.
 * - `barrier()`: a `ping` with a fresh `ref`, resolved at its `pong`: every
 *   frame the server wrote in answer to what this client sent before it has
 *   then arrived (the edge handles one connection's frames in order).
 * - `closed`: resolves with the close code and reason (1006 when cut).
 *
 * `openSocket` resolves once the socket is open, and rejects with an
 * `UpgradeRefused` (status, headers, body) when the server answers the
 * upgrade with anything but 101; `refusedUpgrade` expects that outcome.
 */
import type { IncomingMessage } from 'node:http';
import { type RawData, WebSocket } from 'ws';

/** A server frame as parsed JSON. */
export type Frame = { readonly type: string } & Readonly<Record<string, unknown>>;
export type FramePredicate = (frame: Frame) => boolean;

export interface Closed {
  readonly code: number;
  readonly reason: string;
}

export interface OpenOptions {
  /** Sent as `Authorization: Bearer` (default) or `?token=`. */
  readonly token?: string;
  readonly via?: 'header' | 'query';
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
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

const DEFAULT_WAIT_MS = 5000;

/** Counts every frame any client receives: arrival order across clients of one process. */
let arrivals = 0;

export class WsClient {
  readonly frames: Frame[] = [];
  /** For each of `frames`, its place in the arrival order of all clients of this process. */
  readonly arrivals: number[] = [];
  /** Binary frames from the server (the protocol has none: a test asserts this stays empty). */
  readonly binaryFrames: Buffer[] = [];
  readonly closed: Promise<Closed>;
  private closedWith: Closed | undefined;
  private readonly waiters = new Set<() => void>();
  private refs = 0;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => {
      ws.once('close', (code, reason) => {
        this.closedWith = { code, reason: reason.toString() };
        resolve(this.closedWith);
        this.wake();
      });
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const buf = toBuffer(data);
      if (isBinary) this.binaryFrames.push(buf);
      else {
        this.frames.push(parse(buf.toString('utf8')));
        this.arrivals.push(++arrivals);
      }
      this.wake();
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
    const ws = new WebSocket(target, { headers, maxPayload: 256 * 1024 * 1024 });
    const client = new WsClient(ws);
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

  /** Sends one frame as JSON text. */
  send(frame: Readonly<Record<string, unknown>>): void {
    this.ws.send(JSON.stringify(frame));
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

  /** The index the next frame will have: pass it to `waitFor` to look only at later frames. */
  mark(): number {
    return this.frames.length;
  }

  /** The first frame at index `from` or later matching `predicate`, waiting up to `timeoutMs`. */
  async waitFor(
    predicate: FramePredicate,
    timeoutMs: number = DEFAULT_WAIT_MS,
    from = 0,
  ): Promise<Frame> {
    const [frame] = await this.waitForCount(predicate, 1, timeoutMs, from);
    return frame!;
  }

  /** The first `count` frames at index `from` or later matching `predicate`. */
  waitForCount(
    predicate: FramePredicate,
    count: number,
    timeoutMs: number = DEFAULT_WAIT_MS,
    from = 0,
  ): Promise<Frame[]> {
    const found = () => this.frames.slice(from).filter(predicate);
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hits = found();
        if (hits.length >= count) {
          resolve(hits.slice(0, count));
          return true;
        }
        return false;
      };
      if (check()) return;
      const waiter = () => {
        if (check()) done();
        else if (this.closedWith !== undefined) {
          done();
          reject(this.failure(`the socket closed (${this.closedWith.code})`, count, from));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(this.failure(`timed out after ${timeoutMs} ms`, count, from));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      this.waiters.add(waiter);
      if (this.closedWith !== undefined) waiter();
    });
  }

  /** Sends `frame` with a fresh `ref` and waits for the frame that echoes it. */
  async request(frame: Readonly<Record<string, unknown>>, timeoutMs?: number): Promise<Frame> {
    const ref = `r${++this.refs}-${Math.random().toString(36).slice(2, 8)}`;
    const from = this.mark();
    this.send({ ...frame, ref });
    return this.waitFor((f) => f.ref === ref, timeoutMs, from);
  }

  /** Round-trips a `ping`: every answer to what was sent before has arrived. Returns the index after the pong. */
  async barrier(timeoutMs?: number): Promise<number> {
    const pong = await this.request({ type: 'ping' }, timeoutMs);
    return this.frames.indexOf(pong) + 1;
  }

  /** Frames of `type` (and matching `predicate`), in arrival order. */
  all(type: string, predicate: FramePredicate = () => true): Frame[] {
    return this.frames.filter((f) => f.type === type && predicate(f));
  }

  /** Closes normally and waits for the close to finish. */
  async close(code = 1000): Promise<Closed> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)
      this.ws.close(code);
    return this.closed;
  }

  /** Cuts the TCP connection without a close handshake. */
  terminate(): void {
    this.ws.terminate();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private failure(why: string, count: number, from: number): Error {
    const seen = this.frames.slice(from);
    const shown = seen
      .slice(-30)
      .map((f) => JSON.stringify(f).slice(0, 300))
      .join('\n  ');
    return new Error(
      `waiting for ${count} matching frame(s): ${why}; ${seen.length} frame(s) since index ${from}` +
        `${seen.length > 30 ? ' (last 30 shown)' : ''}:\n  ${shown}`,
    );
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

function parse(text: string): Frame {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Frame;
  } catch {
    // recorded as unparsed below
  }
  return { type: '<unparsed>', text };
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
