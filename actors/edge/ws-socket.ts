/**
 * The `ws` transport behind `EdgeSocket`: turns socket events into edge actor
 * messages and applies inbound backpressure.
 *
 * Inbound bound: frames the edge has not yet taken off its mailbox are
 * counted (frames and chars); past `inboundFramesMax` or `inboundCharsMax`
 * the socket stops reading (TCP backpressure reaches the client) until the
 * edge has worked back below half of both. With `ws`'s `maxPayload` this
 * bounds what one connection can make the node hold.
 *
 * Outbound batching: the first frame written in a turn corks the underlying
 * `net.Socket`, and one `process.nextTick` after the turn uncorks every
 * socket corked in it, so N frames for one client leave as one `writev`,
 * not N writes. Corked bytes count in `bufferedAmount`, so the edge's
 * slow-consumer check sees them.
 *
 * Wire: on `parley.v1.msgpack` (`msgpack-wire.ts`) every frame the edge
 * writes (as JSON) leaves as one MessagePack binary frame, and binary frames
 * reach the edge as bytes; on the default JSON wire text frames reach it as
 * strings and a binary frame as bytes (which the edge refuses).
 *
 * No closures or side objects per connection: the socket is an
 * `EdgeWebSocket` (a `ws` subclass holding this state in its own fields) and
 * its listeners are module-level functions called on it.
 */
import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import process from 'node:process';
import { type RawData, WebSocket } from 'ws';
import type { ActorSystem, Ref } from '../../runtime/index.ts';
import type { EdgeMsg } from '../chat/messages.ts';
import { encodeMsgpackFrame, type Wire, wireOf } from '../protocol/index.ts';
import type { EdgeSocket } from './edge-socket.ts';

const OPEN = 1;

export interface InboundLimits {
  /** Client frames waiting for the edge before reading pauses; default 256. */
  readonly inboundFramesMax: number;
  /** Chars of client frames waiting for the edge before reading pauses; default 4 Mi. */
  readonly inboundCharsMax: number;
}

export const DEFAULT_INBOUND_LIMITS: InboundLimits = {
  inboundFramesMax: 256,
  inboundCharsMax: 4 * 1024 * 1024,
};

/** Told when a wired socket has closed (the server's connection table). */
export interface SocketOwner {
  socketClosed(socket: EdgeWebSocket): void;
}

type SendOptions = Parameters<WebSocket['send']>[1];
type SendCallback = (err?: Error) => void;

/**
 * A `ws` WebSocket that is also the edge's `EdgeSocket`: the server makes
 * every connection's socket of this class (`WebSocketServer({ WebSocket })`),
 * so the per-connection state lives in the socket's own fields, not in a
 * side object or closures. `send` and `ping` drop what a socket that is not
 * open cannot take (the edge never asks for a callback) and cork the turn's
 * writes; `close` keeps `ws`'s behaviour in every state (`ws` calls it
 * itself to finish a close handshake) and only falls back to 1011 for a
 * code `ws` refuses.
 */
export class EdgeWebSocket extends WebSocket implements EdgeSocket {
  pongs = 0;
  private waitingFrames = 0;
  private waitingChars = 0;
  private readPaused = false;
  /** Corked in this turn: uncorked by `uncorkAll` once the turn is over. */
  private corked = false;
  private inbound: InboundLimits = DEFAULT_INBOUND_LIMITS;
  private system: ActorSystem | undefined;
  private edgeRef: Ref<EdgeMsg> | undefined;
  private owner: SocketOwner | undefined;

  /** The edge actor this socket feeds, once wired. */
  get edge(): Ref<EdgeMsg> | undefined {
    return this.edgeRef;
  }

  /** `msgpack` when the client agreed on `parley.v1.msgpack` in its upgrade. */
  get encoding(): Wire {
    return wireOf(this.protocol);
  }

  override send(data: string, options?: SendOptions | SendCallback, cb?: SendCallback): void {
    if (this.readyState !== OPEN) return;
    if (!this.corked) this.cork();
    if (this.encoding === 'msgpack') super.send(encodeMsgpackFrame(data), BINARY, cb);
    else super.send(data, options as SendOptions, cb);
  }

  override ping(data?: unknown, mask?: boolean, cb?: (err: Error) => void): void {
    if (this.readyState !== OPEN) return;
    if (!this.corked) this.cork();
    super.ping(data, mask, cb);
  }

  override close(code?: number, reason?: string | Buffer): void {
    try {
      super.close(code, reason);
    } catch {
      // `ws` refuses codes a peer may not see (1005, 1006, ...): close as an internal error.
      super.close(1011, reason);
    }
  }

  private cork(): void {
    const raw = (this as unknown as { _socket?: Socket | null })._socket;
    if (raw === undefined || raw === null || raw.destroyed) return;
    raw.cork();
    this.corked = true;
    if (corkedSockets.push(this) === 1) process.nextTick(uncorkAll);
  }

  /** Lets what this turn wrote go, in one write. */
  uncork(): void {
    this.corked = false;
    const raw = (this as unknown as { _socket?: Socket | null })._socket;
    if (raw !== undefined && raw !== null && !raw.destroyed) raw.uncork();
  }

  received(chars: number): void {
    this.waitingFrames = Math.max(0, this.waitingFrames - 1);
    this.waitingChars = Math.max(0, this.waitingChars - chars);
    if (
      this.readPaused &&
      this.waitingFrames <= this.inbound.inboundFramesMax / 2 &&
      this.waitingChars <= this.inbound.inboundCharsMax / 2
    ) {
      this.readPaused = false;
      this.resume();
    }
  }

  /**
   * Routes this socket's events to `edge` under `inbound`'s bound; `owner`
   * is told once the socket is closed.
   */
  wire(system: ActorSystem, edge: Ref<EdgeMsg>, owner: SocketOwner, inbound: InboundLimits): void {
    this.system = system;
    this.edgeRef = edge;
    this.owner = owner;
    this.inbound = inbound;
    this.on('message', onMessage);
    this.on('pong', onPong);
    // `ws` reports protocol errors (bad UTF-8, oversized frames) and then closes.
    this.on('error', ignore);
    this.on('close', onClose);
  }

  /** A frame arrived: count it against the inbound bound and hand it to the edge. */
  frame(data: RawData, isBinary: boolean): void {
    const payload = isBinary ? toBuffer(data) : toBuffer(data).toString('utf8');
    this.waitingFrames++;
    this.waitingChars += payload.length;
    if (
      !this.readPaused &&
      (this.waitingFrames > this.inbound.inboundFramesMax ||
        this.waitingChars > this.inbound.inboundCharsMax)
    ) {
      this.readPaused = true;
      this.pause();
    }
    this.system!.send(this.edgeRef!, { t: 'socket_frame', data: payload, binary: isBinary });
  }

  closed(): void {
    this.owner!.socketClosed(this);
    const system = this.system!;
    const edge = this.edgeRef!;
    if (system.isAlive(edge)) system.send(edge, SOCKET_CLOSED);
  }
}

const SOCKET_CLOSED: EdgeMsg = { t: 'socket_closed' };
const BINARY = { binary: true } as const;

/** Sockets corked in the current turn. */
const corkedSockets: EdgeWebSocket[] = [];

function uncorkAll(): void {
  // A socket corked while these uncork (a write from a close handler) waits for the next tick.
  const batch = corkedSockets.splice(0);
  for (const socket of batch) socket.uncork();
}

/** The listeners are added by `wire`, so only ever to an `EdgeWebSocket`. */
function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  (this as EdgeWebSocket).frame(data, isBinary);
}

function onPong(this: WebSocket): void {
  (this as EdgeWebSocket).pongs++;
}

function onClose(this: WebSocket): void {
  (this as EdgeWebSocket).closed();
}

function ignore(): void {}

/** The bytes of a frame: text frames are valid UTF-8 (`ws` checks them). */
function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
