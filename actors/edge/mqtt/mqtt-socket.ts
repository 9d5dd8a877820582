/**
 * The MQTT transport behind `EdgeSocket`: one aedes client (one MQTT
 * connection), its frames as PUBLISH payloads on the identity's topics
 * (`topics.ts`).
 *
 * Outbound: `send` writes a QoS 1 PUBLISH on the down topic straight to the
 * connection (`publish-packet.ts`), not through the broker's routing or its
 * session store, so `bufferedAmount` (the stream's `writableLength`) counts
 * every frame the moment it is sent and the edge's slow-consumer bound holds
 * as over WebSocket. The first write of a turn corks the connection and one
 * `process.nextTick` uncorks every connection corked in it. Message ids run
 * 1..65535 and wrap; a PUBACK only tells the broker the frame arrived: what
 * the client has is what it acks with protocol `ack` frames, and the inbox
 * replay on the next connect resends the rest.
 *
 * Inbound: a PUBLISH on the up topic becomes a `socket_frame` for the edge
 * (text when its payload is valid UTF-8, else handed as binary so the edge
 * answers `bad_frame`). Frames the edge has not yet taken off its mailbox are
 * counted; past `inboundFramesMax` or `inboundCharsMax` the broker's
 * callback for the PUBLISH is held, so aedes reads no further from the
 * connection (TCP backpressure, and no PUBACK for QoS 1) until the edge has
 * worked back below half of both.
 *
 * Liveness: the broker drops a client silent for 1.5x its keep-alive; that
 * is the heartbeat. So `ping` counts as answered while the connection is
 * open, and the edge's own heartbeat never ends an MQTT session.
 *
 * Close: MQTT 3.1.1 has no server DISCONNECT, so `close` publishes one last
 * frame `{"type":"close","code","reason"}` (the WebSocket close code the
 * edge chose) and ends the connection once that is written, or after
 * `CLOSE_GRACE_MS` when the client does not read.
 */
import { Buffer, isUtf8 } from 'node:buffer';
import process from 'node:process';
import type { Duplex } from 'node:stream';
import type { Client } from 'aedes';
import { type ActorSystem, type Ref, systemClock } from '../../../runtime/index.ts';
import type { EdgeMsg } from '../../chat/messages.ts';
import type { Identity } from '../../protocol/index.ts';
import type { EdgeSocket } from '../edge-socket.ts';
import { DEFAULT_INBOUND_LIMITS, type InboundLimits } from '../ws-socket.ts';
import { encodePublish } from './publish-packet.ts';
import { downTopic, upTopic } from './topics.ts';

/** How long a closing connection may take to flush its last frames. */
export const CLOSE_GRACE_MS = 1000;
const MESSAGE_ID_MAX = 65_535;

type PublishCallback = (error?: Error | null) => void;

/** Told when a wired socket's connection has closed (the server's table). */
export interface MqttSocketOwner {
  socketClosed(socket: MqttEdgeSocket): void;
}

/** An aedes client with the socket of the Parley session it carries. */
export interface ParleyClient extends Client {
  parley?: MqttEdgeSocket;
}

export class MqttEdgeSocket implements EdgeSocket {
  pongs = 0;
  readonly down: string;
  readonly up: string;
  private readonly downBytes: Buffer;
  private nextId = 1;
  private waitingFrames = 0;
  private waitingChars = 0;
  /** Broker callbacks of PUBLISHes held while the inbound bound is passed. */
  private held: PublishCallback[] = [];
  private corked = false;
  private closing = false;
  private inbound: InboundLimits = DEFAULT_INBOUND_LIMITS;
  private system: ActorSystem | undefined;
  private edgeRef: Ref<EdgeMsg> | undefined;
  private owner: MqttSocketOwner | undefined;

  constructor(
    readonly client: ParleyClient,
    readonly identity: Identity,
  ) {
    this.down = downTopic(identity);
    this.up = upTopic(identity);
    this.downBytes = Buffer.from(this.down, 'utf8');
  }

  get conn(): Duplex {
    return this.client.conn;
  }

  /** The edge actor this socket feeds, once wired. */
  get edge(): Ref<EdgeMsg> | undefined {
    return this.edgeRef;
  }

  /** Open for frames: connected, not closing, the stream writable. */
  get open(): boolean {
    return !this.closing && !this.client.closed && this.conn.writable;
  }

  get bufferedAmount(): number {
    return this.conn.writableLength;
  }

  send(text: string): void {
    if (!this.open) return;
    this.write(text);
  }

  private write(text: string): void {
    if (!this.corked) this.cork();
    const id = this.nextId;
    this.nextId = id === MESSAGE_ID_MAX ? 1 : id + 1;
    this.conn.write(encodePublish(this.downBytes, id, text));
  }

  /** Counted as answered while the connection is open: the broker's keep-alive checks liveness. */
  ping(): void {
    if (this.open) this.pongs++;
  }

  close(code: number, reason: string): void {
    if (!this.open) {
      if (!this.client.closed && !this.closing) this.client.close();
      return;
    }
    this.write(JSON.stringify({ type: 'close', code, reason }));
    this.closing = true;
    this.uncork();
    const conn = this.conn;
    const client = this.client;
    const clock = this.system?.clock ?? systemClock;
    const cut = clock.setTimer(CLOSE_GRACE_MS, () => client.close());
    conn.end(() => {
      clock.clearTimer(cut);
      client.close();
    });
  }

  private cork(): void {
    const conn = this.conn;
    if (conn.destroyed) return;
    conn.cork();
    this.corked = true;
    if (corkedSockets.push(this) === 1) process.nextTick(uncorkAll);
  }

  /** Lets what this turn wrote go, in one write. */
  uncork(): void {
    if (!this.corked) return;
    this.corked = false;
    const conn = this.conn;
    if (!conn.destroyed) conn.uncork();
  }

  received(chars: number): void {
    this.waitingFrames = Math.max(0, this.waitingFrames - 1);
    this.waitingChars = Math.max(0, this.waitingChars - chars);
    if (
      this.held.length > 0 &&
      this.waitingFrames <= this.inbound.inboundFramesMax / 2 &&
      this.waitingChars <= this.inbound.inboundCharsMax / 2
    ) {
      const held = this.held.splice(0);
      for (const done of held) done(null);
    }
  }

  /** Routes this socket's frames to `edge` under `inbound`'s bound; `owner` is told once it closed. */
  wire(
    system: ActorSystem,
    edge: Ref<EdgeMsg>,
    owner: MqttSocketOwner,
    inbound: InboundLimits,
  ): void {
    this.system = system;
    this.edgeRef = edge;
    this.owner = owner;
    this.inbound = inbound;
  }

  /**
   * A PUBLISH on the up topic: hands its payload to the edge, then lets the
   * broker go on (`done`) now or, past the inbound bound, once the edge has
   * caught up.
   */
  frame(payload: Buffer, done: PublishCallback): void {
    const system = this.system;
    const edge = this.edgeRef;
    if (system === undefined || edge === undefined || this.closing) {
      done(new Error('the session is not open'));
      return;
    }
    const text = payload.toString('utf8');
    this.waitingFrames++;
    this.waitingChars += text.length;
    system.send(edge, isUtf8(payload) ? { t: 'socket_frame', data: text } : binaryFrame(text));
    if (
      this.waitingFrames > this.inbound.inboundFramesMax ||
      this.waitingChars > this.inbound.inboundCharsMax
    )
      this.held.push(done);
    else done(null);
  }

  /** The connection closed (any way): tell the owner and the edge, once. */
  closed(): void {
    const owner = this.owner;
    if (owner === undefined) return;
    this.owner = undefined;
    this.closing = true;
    this.held.length = 0;
    owner.socketClosed(this);
    const system = this.system!;
    const edge = this.edgeRef!;
    if (system.isAlive(edge)) system.send(edge, SOCKET_CLOSED);
  }
}

const SOCKET_CLOSED: EdgeMsg = { t: 'socket_closed' };

function binaryFrame(text: string): EdgeMsg {
  return { t: 'socket_frame', data: text, binary: true };
}

/** Sockets corked in the current turn. */
const corkedSockets: MqttEdgeSocket[] = [];

function uncorkAll(): void {
  const batch = corkedSockets.splice(0);
  for (const socket of batch) socket.uncork();
}
