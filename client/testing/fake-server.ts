/**
 * A scriptable stand-in for a Parley server, for the SDK's tests.
 *
 * A `ws` WebSocketServer on 127.0.0.1, port 0. It does nothing on its own:
 * each test awaits connections and frames and answers them by hand, so it
 * can drop a connection at exactly the moment it wants, answer out of order,
 * repeat a message, or stay silent.
 */
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

export type Frame = { readonly type: string; readonly [field: string]: unknown };

export class FakeConnection {
  /** Every frame received, in order. */
  readonly frames: Frame[] = [];
  private readonly taken = new Set<number>();
  private waiters: { match: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];

  constructor(
    readonly socket: WebSocket,
    /** The `?token=` the client connected with. */
    readonly token: string | null,
  ) {
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Frame;
      this.frames.push(frame);
      const waiter = this.waiters.find((w) => w.match(frame));
      if (waiter === undefined) return;
      this.waiters = this.waiters.filter((w) => w !== waiter);
      this.taken.add(this.frames.length - 1);
      waiter.resolve(frame);
    });
  }

  /** The oldest frame (of `type`, if given) not yet taken by `next`. */
  next(type?: string): Promise<Frame> {
    const match = (f: Frame) => type === undefined || f.type === type;
    for (let i = 0; i < this.frames.length; i++) {
      const frame = this.frames[i]!;
      if (!this.taken.has(i) && match(frame)) {
        this.taken.add(i);
        return Promise.resolve(frame);
      }
    }
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  /** The next `count` frames of `type`. */
  async take(count: number, type?: string): Promise<Frame[]> {
    const out: Frame[] = [];
    for (let i = 0; i < count; i++) out.push(await this.next(type));
    return out;
  }

  send(frame: Frame): void {
    this.socket.send(JSON.stringify(frame));
  }

  welcome(user = 'alice', device = 'phone'): void {
    this.send({ type: 'welcome', user, device, ts: 1 });
  }

  close(code = 1001, reason = 'going away'): void {
    this.socket.close(code, reason);
  }

  terminate(): void {
    this.socket.terminate();
  }
}

export class FakeServer {
  readonly connections: FakeConnection[] = [];
  private waiters: ((c: FakeConnection) => void)[] = [];
  private taken = 0;

  private constructor(
    private readonly wss: WebSocketServer,
    readonly url: string,
  ) {
    wss.on('connection', (socket, request) => {
      const token = new URL(request.url ?? '/', 'http://x').searchParams.get('token');
      const connection = new FakeConnection(socket, token);
      this.connections.push(connection);
      this.waiters.shift()?.(connection);
    });
  }

  static async start(): Promise<FakeServer> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    const { port } = wss.address() as AddressInfo;
    return new FakeServer(wss, `ws://127.0.0.1:${port}/ws`);
  }

  /** The next connection not yet taken. */
  next(): Promise<FakeConnection> {
    const ready = this.connections[this.taken];
    if (ready !== undefined) {
      this.taken += 1;
      return Promise.resolve(ready);
    }
    return new Promise((resolve) =>
      this.waiters.push((c) => {
        this.taken += 1;
        resolve(c);
      }),
    );
  }

  /** Takes the next connection and welcomes it. */
  async accept(user = 'alice', device = 'phone'): Promise<FakeConnection> {
    const connection = await this.next();
    connection.welcome(user, device);
    return connection;
  }

  async stop(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
