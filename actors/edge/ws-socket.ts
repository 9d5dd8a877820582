/**
 * The `ws` transport behind `EdgeSocket`: turns socket events into edge actor
 * messages and applies inbound backpressure.
 *
 * Inbound bound: frames the edge has not yet taken off its mailbox are
 * counted (frames and chars); past `inboundFramesMax` or `inboundCharsMax`
 * the socket stops reading (TCP backpressure reaches the client) until the
 * edge has worked back below half of both. With `ws`'s `maxPayload` this
 * bounds what one connection can make the node hold.
 */
import { Buffer } from 'node:buffer';
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

export class WsEdgeSocket implements EdgeSocket {
  pongs = 0;
  private waitingFrames = 0;
  private waitingChars = 0;
  private paused = false;

  constructor(
    readonly ws: WebSocket,
    private readonly limits: InboundLimits,
  ) {}

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  send(text: string): void {
    if (this.ws.readyState === OPEN) this.ws.send(text);
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
    if (this.ws.readyState === OPEN) this.ws.ping();
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

  /** Routes this socket's events to `edge`; `onClose` runs once the socket is closed. */
  wire(system: ActorSystem, edge: Ref<EdgeMsg>, onClose: () => void): void {
    const ws = this.ws;
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const text = toText(data);
      this.waitingFrames++;
      this.waitingChars += text.length;
      if (
        !this.paused &&
        (this.waitingFrames > this.limits.inboundFramesMax ||
          this.waitingChars > this.limits.inboundCharsMax)
      ) {
        this.paused = true;
        ws.pause();
      }
      system.send(edge, { t: 'socket_frame', data: text, binary: isBinary });
    });
    ws.on('pong', () => {
      this.pongs++;
    });
    // `ws` reports protocol errors (bad UTF-8, oversized frames) and then closes.
    ws.on('error', () => {});
    ws.once('close', () => {
      onClose();
      if (system.isAlive(edge)) system.send(edge, { t: 'socket_closed' });
    });
  }
}

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
