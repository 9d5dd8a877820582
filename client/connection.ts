/**
 * The socket under a `ParleyClient`: opening, losing and reopening it.
 *
 * States: `idle` → `connecting` (socket opening, waiting for `welcome`) →
 * `ready` (the client saw `welcome`) → on loss `waiting` (a reconnect timer
 * runs) → `connecting` ...; `closed` is final (closed by the app, or the
 * reconnect attempts ran out). Delays are exponential with full jitter.
 * Events of a socket that was replaced or abandoned are ignored, so a late
 * `close` of an old socket never disturbs the new one. Knows nothing of
 * frames: it hands received data up and writes what it is given.
 */
import { type BackoffOptions, backoffDelayMs } from './backoff.ts';
import {
  defaultWebSocket,
  type Timers,
  WEBSOCKET_OPEN,
  type WebSocketConstructor,
  type WebSocketLike,
} from './environment.ts';

export type ConnectionState = 'idle' | 'connecting' | 'ready' | 'waiting' | 'closed';

export interface ConnectionOptions {
  /**
   * The server, or several nodes of one cluster: the first is tried first and
   * every lost or failed socket moves on to the next (a drained or dead node
   * sends its clients to another).
   */
  readonly url: string | readonly string[];
  readonly token: string | (() => string | Promise<string>);
  readonly WebSocket: WebSocketConstructor | undefined;
  /** Subprotocols to offer (the wire's); none: JSON. */
  readonly protocols?: readonly string[];
  /** False: a lost connection stays lost. */
  readonly backoff: BackoffOptions | false;
  /** Longest wait from opening a socket to `welcome`. */
  readonly handshakeTimeoutMs: number;
  readonly timers: Timers;
  readonly random: () => number;
}

export interface ConnectionHooks {
  open(): void;
  data(data: unknown): void;
  /** The socket is gone; `willReconnect` false means the state is now `closed`. */
  lost(code: number, reason: string, willReconnect: boolean): void;
  reconnecting(attempt: number, delayMs: number): void;
}

export class Connection {
  state: ConnectionState = 'idle';
  private socket: WebSocketLike | undefined;
  private attempt = 0;
  /** Index into the url list of the next socket to open. */
  private urlIndex = 0;
  private reconnectTimer: unknown;
  private handshakeTimer: unknown;

  constructor(
    private readonly options: ConnectionOptions,
    private readonly hooks: ConnectionHooks,
  ) {}

  /** Opens the first socket; a no-op unless idle. */
  start(): void {
    if (this.state === 'idle') void this.open();
  }

  /** The server said `welcome`: the connection is usable and the backoff starts over. */
  ready(): void {
    this.options.timers.clear(this.handshakeTimer);
    this.state = 'ready';
    this.attempt = 0;
  }

  /** Writes if the socket is open; otherwise the frame is dropped (callers queue what matters). */
  write(encoded: string | Uint8Array): void {
    const socket = this.socket;
    if (socket !== undefined && socket.readyState === WEBSOCKET_OPEN) socket.send(encoded);
  }

  /** Gives up on the current socket without waiting for a close handshake, and reconnects. */
  abandon(reason: string): void {
    const socket = this.socket;
    if (socket === undefined) return;
    this.socket = undefined;
    const terminate = (socket as { terminate?: () => void }).terminate;
    if (typeof terminate === 'function') terminate.call(socket);
    else socket.close(4000, reason);
    this.lost(4000, reason);
  }

  /** Closes for good. */
  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.options.timers.clear(this.reconnectTimer);
    this.options.timers.clear(this.handshakeTimer);
    const socket = this.socket;
    this.socket = undefined;
    socket?.close(1000, 'client closed');
  }

  private async open(): Promise<void> {
    this.state = 'connecting';
    const { token, timers } = this.options;
    let url: string;
    let Socket: WebSocketConstructor;
    try {
      url = withToken(this.currentUrl(), typeof token === 'function' ? await token() : token);
      Socket = this.options.WebSocket ?? (await defaultWebSocket());
    } catch (error) {
      if (this.state === 'connecting') this.lost(1006, `could not connect: ${describe(error)}`);
      return;
    }
    if (this.state !== 'connecting') return;
    let socket: WebSocketLike;
    const protocols = this.options.protocols ?? [];
    try {
      socket = protocols.length > 0 ? new Socket(url, [...protocols]) : new Socket(url);
      if (protocols.length > 0) socket.binaryType = 'arraybuffer';
    } catch (error) {
      this.lost(1006, `could not connect: ${describe(error)}`);
      return;
    }
    this.socket = socket;
    this.handshakeTimer = timers.set(() => {
      if (this.socket === socket && this.state === 'connecting') this.abandon('no welcome in time');
    }, this.options.handshakeTimeoutMs);
    socket.addEventListener('open', () => {
      if (this.socket === socket) this.hooks.open();
    });
    socket.addEventListener('message', (event) => {
      if (this.socket === socket) this.hooks.data(event.data);
    });
    socket.addEventListener('close', (event) => {
      if (this.socket === socket) this.lost(event.code, event.reason);
    });
    // Errors are followed by close; the listener keeps `ws` from throwing them.
    socket.addEventListener('error', () => {});
  }

  private currentUrl(): string {
    const urls = this.options.url;
    return typeof urls === 'string' ? urls : urls[this.urlIndex % urls.length]!;
  }

  private lost(code: number, reason: string): void {
    this.socket = undefined;
    this.urlIndex++;
    this.options.timers.clear(this.handshakeTimer);
    if (this.state === 'closed') return;
    const backoff = this.options.backoff;
    if (backoff === false || this.attempt >= backoff.attemptsMax) {
      this.state = 'closed';
      this.hooks.lost(code, reason, false);
      return;
    }
    const delayMs = backoffDelayMs(this.attempt, backoff, this.options.random);
    this.attempt += 1;
    this.state = 'waiting';
    this.hooks.lost(code, reason, true);
    if (this.state !== 'waiting') return; // closed by a hook
    this.hooks.reconnecting(this.attempt, delayMs);
    this.reconnectTimer = this.options.timers.set(() => {
      this.reconnectTimer = undefined;
      if (this.state === 'waiting') void this.open();
    }, delayMs);
  }
}

function withToken(url: string, token: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
