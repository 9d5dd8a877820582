/**
 * Simulated WebSockets between a client device and a node's edge: the
 * server end is an `EdgeSocket` for the production edge actor, the client
 * end a WHATWG-shaped `WebSocketLike` for the production SDK. Frames take a
 * seeded latency each way and stay in order per direction (TCP). Closing
 * follows the WebSocket handshake: the side that closes sees the `close`
 * event after a round trip; an abort (a crash, a dropped network) gives the
 * client 1006 and the server `socket_closed` only if its process lives.
 */
import type { Ref } from '../../runtime/index.ts';
import type { EdgeMsg, EdgeSocket } from './deps.ts';
import type { Sampler } from './distributions.ts';
import type { Fence } from './fence.ts';

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

type Listener = (event: any) => void;

export interface SocketHost {
  readonly clock: {
    now(): number;
    setTimer(ms: number, fn: () => void): unknown;
  };
  readonly latency: Sampler;
  /** Called for every frame a client receives (raw, before the SDK reads it). */
  onClientFrame(link: SimLink, text: string): void;
  onClientFrameSent(link: SimLink, text: string): void;
  onClientClose(link: SimLink, code: number): void;
  /** The server end: delivers an edge message if the node lives. */
  toEdge(link: SimLink, msg: EdgeMsg): void;
}

/** One connection. */
export class SimLink {
  state: 'connecting' | 'open' | 'closed' = 'connecting';
  edge: Ref<EdgeMsg> | undefined;
  fence: Fence | undefined;
  node = '';
  private toClientAt = 0;
  private toServerAt = 0;
  bytesToClient = 0;
  pongs = 0;
  readonly server: EdgeSocket;

  constructor(
    private readonly host: SocketHost,
    readonly client: SimWebSocket,
  ) {
    const link = this;
    this.server = {
      send: (text: string) => link.toClient(text),
      close: (code: number, reason: string) => link.serverClose(code, reason),
      ping: () => link.ping(),
      get bufferedAmount() {
        return link.bytesToClient;
      },
      get pongs() {
        return link.pongs;
      },
    };
  }

  private clientAt(): number {
    const now = this.host.clock.now();
    this.toClientAt = Math.max(this.toClientAt, now + this.host.latency());
    return this.toClientAt - now;
  }

  private serverAt(): number {
    const now = this.host.clock.now();
    this.toServerAt = Math.max(this.toServerAt, now + this.host.latency());
    return this.toServerAt - now;
  }

  /** The server accepts: the client sees `open` after the latency, before any frame the edge writes. */
  accepting(fence: Fence, node: string): void {
    this.fence = fence;
    this.node = node;
    this.state = 'open';
    this.host.clock.setTimer(this.clientAt(), () => this.client.opened());
  }

  /** The session's edge actor, once spawned. */
  accepted(edge: Ref<EdgeMsg>): void {
    this.edge = edge;
  }

  /** The upgrade was refused (node down, not serving): error then close 1006 at the client. */
  refused(): void {
    this.state = 'closed';
    this.host.clock.setTimer(this.clientAt(), () => this.client.closed(1006, 'refused'));
  }

  toClient(text: string): void {
    if (this.state !== 'open') return;
    this.bytesToClient += text.length;
    this.host.clock.setTimer(this.clientAt(), () => {
      this.bytesToClient -= text.length;
      if (this.client.readyState !== OPEN) return;
      this.host.onClientFrame(this, text);
      this.client.message(text);
    });
  }

  toServer(text: string): void {
    if (this.state !== 'open') return;
    this.host.onClientFrameSent(this, text);
    this.host.clock.setTimer(this.serverAt(), () => {
      if (this.state === 'open') this.host.toEdge(this, { t: 'socket_frame', data: text });
    });
  }

  ping(): void {
    if (this.state !== 'open') return;
    this.host.clock.setTimer(this.clientAt() + this.serverAt(), () => {
      if (this.state === 'open') this.pongs++;
    });
  }

  serverClose(code: number, reason: string): void {
    if (this.state !== 'open') return;
    this.state = 'closed';
    const toClient = this.clientAt();
    this.host.clock.setTimer(toClient, () => this.client.closed(code, reason));
    this.host.clock.setTimer(toClient + this.serverAt(), () =>
      this.host.toEdge(this, { t: 'socket_closed' }),
    );
  }

  clientClose(code: number, reason: string): void {
    if (this.state === 'closed') return;
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    const toServer = this.serverAt();
    if (wasOpen)
      this.host.clock.setTimer(toServer, () => this.host.toEdge(this, { t: 'socket_closed' }));
    this.host.clock.setTimer(toServer + this.clientAt(), () => this.client.closed(code, reason));
  }

  /** The connection is gone without a handshake: a crash (server dead) or a dropped network. */
  abort(serverLearns: boolean): void {
    if (this.state === 'closed') return;
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    this.host.clock.setTimer(this.clientAt(), () => this.client.closed(1006, 'connection lost'));
    if (wasOpen && serverLearns)
      this.host.clock.setTimer(this.serverAt(), () =>
        this.host.toEdge(this, { t: 'socket_closed' }),
      );
  }
}

/** The client end, as the SDK sees it. */
export class SimWebSocket {
  readyState = CONNECTING;
  readonly link: SimLink;
  private readonly listeners = new Map<string, Listener[]>();

  constructor(
    host: SocketHost,
    readonly url: string,
    connect: (link: SimLink) => void,
  ) {
    this.link = new SimLink(host, this);
    connect(this.link);
  }

  addEventListener(type: string, listener: Listener): void {
    let list = this.listeners.get(type);
    if (list === undefined) this.listeners.set(type, (list = []));
    list.push(listener);
  }

  send(data: string): void {
    if (this.readyState !== OPEN) return;
    this.link.toServer(data);
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState === CLOSING || this.readyState === CLOSED) return;
    this.readyState = CLOSING;
    this.link.clientClose(code, reason);
  }

  private emit(type: string, event: unknown): void {
    for (const l of this.listeners.get(type) ?? []) l(event);
  }

  opened(): void {
    if (this.readyState !== CONNECTING) return;
    this.readyState = OPEN;
    this.emit('open', {});
  }

  message(text: string): void {
    this.emit('message', { data: text });
  }

  closed(code: number, reason: string): void {
    if (this.readyState === CLOSED) return;
    const wasConnecting = this.readyState === CONNECTING;
    this.readyState = CLOSED;
    if (wasConnecting || code === 1006) this.emit('error', {});
    this.emit('close', { code, reason });
  }
}
