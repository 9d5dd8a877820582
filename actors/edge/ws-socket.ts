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
 * No closures per connection: the socket's listeners are module-level
 * functions that find their `WsEdgeSocket` on the `ws` object.
 */
import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import process from 'node:process';
import type { RawData, WebSocket } from 'ws';
import type { ActorSystem, Ref } from '../../runtime/index.ts';
import type { EdgeMsg } from '../chat/messages.ts';
import type { EdgeSocket } from './edge-socket.ts';

const OPEN = 1;
const CONNECTING = 0;

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
  socketClosed(socket: WsEdgeSocket): void;
}

/** Where a `ws` object keeps its `WsEdgeSocket`, for the shared listeners. */
const EDGE_SOCKET = Symbol('edgeSocket');
type Tagged = WebSocket & { [EDGE_SOCKET]?: WsEdgeSocket };

export class WsEdgeSocket implements EdgeSocket {
  pongs = 0;
  private waitingFrames = 0;
  private waitingChars = 0;
  private paused = false;
  /** Corked in this turn: uncorked by `uncorkAll` once the turn is over. */
  private corked = false;
  private system: ActorSystem | undefined;
  private edgeRef: Ref<EdgeMsg> | undefined;
  private owner: SocketOwner | undefined;

  constructor(
    readonly ws: WebSocket,
    private readonly limits: InboundLimits,
  ) {}

  /** The edge actor this socket feeds, once wired. */
  get edge(): Ref<EdgeMsg> | undefined {
    return this.edgeRef;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  send(text: string): void {
    if (this.ws.readyState !== OPEN) return;
    if (!this.corked) this.cork();
    this.ws.send(text);
  }

  private cork(): void {
    const raw = (this.ws as unknown as { _socket?: Socket })._socket;
    if (raw === undefined || raw.destroyed) return;
    raw.cork();
    this.corked = true;
    if (corkedSockets.push(this) === 1) process.nextTick(uncorkAll);
  }

  /** Lets what this turn wrote go, in one write. */
  uncork(): void {
    this.corked = false;
    const raw = (this.ws as unknown as { _socket?: Socket })._socket;
    if (raw !== undefined && !raw.destroyed) raw.uncork();
  }

  close(code: number, reason: string): void {
    const state = this.ws.readyState;
    if (state !== OPEN && state !== CONNECTING) return;
    try {
      this.ws.close(code, reason);
    } catch {
      // `ws` refuses codes a peer may not see (1005, 1006, ...): close as an internal error.
      this.ws.close(1011, reason);
    }
  }

  ping(): void {
    if (this.ws.readyState !== OPEN) return;
    if (!this.corked) this.cork();
    this.ws.ping();
  }

  received(chars: number): void {
    this.waitingFrames = Math.max(0, this.waitingFrames - 1);
    this.waitingChars = Math.max(0, this.waitingChars - chars);
    if (
      this.paused &&
      this.waitingFrames <= this.limits.inboundFramesMax / 2 &&
      this.waitingChars <= this.limits.inboundCharsMax / 2
    ) {
      this.paused = false;
      this.ws.resume();
    }
  }

  /** Routes this socket's events to `edge`; `owner` is told once the socket is closed. */
  wire(system: ActorSystem, edge: Ref<EdgeMsg>, owner: SocketOwner): void {
    this.system = system;
    this.edgeRef = edge;
    this.owner = owner;
    const ws = this.ws as Tagged;
    ws[EDGE_SOCKET] = this;
    ws.on('message', onMessage);
    ws.on('pong', onPong);
    // `ws` reports protocol errors (bad UTF-8, oversized frames) and then closes.
    ws.on('error', ignore);
    ws.on('close', onClose);
  }

  /** A frame arrived: count it against the inbound bound and hand it to the edge. */
  frame(data: RawData, isBinary: boolean): void {
    const text = toText(data);
    this.waitingFrames++;
    this.waitingChars += text.length;
    if (
      !this.paused &&
      (this.waitingFrames > this.limits.inboundFramesMax ||
        this.waitingChars > this.limits.inboundCharsMax)
    ) {
      this.paused = true;
      this.ws.pause();
    }
    this.system!.send(this.edgeRef!, { t: 'socket_frame', data: text, binary: isBinary });
  }

  closed(): void {
    this.owner!.socketClosed(this);
    const system = this.system!;
    const edge = this.edgeRef!;
    if (system.isAlive(edge)) system.send(edge, SOCKET_CLOSED);
  }
}

const SOCKET_CLOSED: EdgeMsg = { t: 'socket_closed' };

/** Sockets corked in the current turn. */
const corkedSockets: WsEdgeSocket[] = [];

function uncorkAll(): void {
  // A socket corked while these uncork (a write from a close handler) waits for the next tick.
  const batch = corkedSockets.splice(0);
  for (const socket of batch) socket.uncork();
}

function onMessage(this: Tagged, data: RawData, isBinary: boolean): void {
  this[EDGE_SOCKET]?.frame(data, isBinary);
}

function onPong(this: Tagged): void {
  const socket = this[EDGE_SOCKET];
  if (socket !== undefined) socket.pongs++;
}

function onClose(this: Tagged): void {
  this[EDGE_SOCKET]?.closed();
}

function ignore(): void {}

/**
 * Text of a frame. Text frames are valid UTF-8 (`ws` checks); a binary frame
 * is read as UTF-8 too (bad sequences become U+FFFD) only so the edge can
 * count and size it the same way; the edge refuses it with `bad_frame`.
 */
function toText(data: RawData): string {
  const buf = Buffer.isBuffer(data)
    ? data
    : Array.isArray(data)
      ? Buffer.concat(data)
      : Buffer.from(data);
  return buf.toString('utf8');
}
