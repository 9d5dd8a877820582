/**
 * What the protocol suite runs against (`Target`) and what its tests share
 * (`Harness`): unique user ids per test, connecting raw clients spread over
 * the target's nodes, the frames tests send most, and cleanup after each
 * test. The tests of one target share its server(s); unique ids keep them
 * apart.
 */
import { signDevToken } from '../../actors/protocol/index.ts';
import type { Frame, FrameLog } from '../support/frame-log.ts';
import type { OpenOptions } from '../support/ws-client.ts';
import { type ClientTransport, wsJson } from './transports.ts';

/** A raw client of the suite, whatever its transport. */
export type ProtocolClient = FrameLog;

export interface Target {
  /** `ws://HOST:PORT/ws` of each node; clients are spread over them. */
  readonly urls: readonly string[];
  /** `http://HOST:PORT` of each node, in the same order. */
  readonly httpUrls: readonly string[];
  /** `mqtt://HOST:PORT` of each node, in the same order, when they serve MQTT (docs/mqtt.md). */
  readonly mqttUrls?: readonly string[];
  /** The HS256 secret the nodes verify tokens with. */
  readonly secret: string;
  /** A valid token for `user` on `device` (default `"default"`). */
  token(user: string, device?: string): Promise<string>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  readonly device?: string;
  /** Index of the node to connect to (modulo the number of nodes). Default 0. */
  readonly node?: number;
  readonly via?: OpenOptions['via'];
  /** Wait for `welcome` (default true). */
  readonly welcome?: boolean;
}

export const text = (body: string) => ({ type: 'text', body }) as const;

export const isType =
  (type: string, more: Readonly<Record<string, unknown>> = {}) =>
  (f: Frame): boolean =>
    f.type === type && Object.entries(more).every(([k, v]) => f[k] === v);

let runCounter = 0;

export class Harness {
  private current: Target | undefined;
  private readonly open: ProtocolClient[] = [];
  private counter = 0;
  private readonly run = `${process.pid.toString(36)}${(++runCounter).toString(36)}`;

  get target(): Target {
    if (this.current === undefined) throw new Error('the target is not started (beforeAll)');
    return this.current;
  }

  set target(target: Target | undefined) {
    this.current = target;
  }

  get started(): boolean {
    return this.current !== undefined;
  }

  /** The transport is known before the target starts, so the suite can pick its tests. */
  constructor(readonly transport: ClientTransport = wsJson) {}

  get nodes(): number {
    return this.target.urls.length;
  }

  /** A user (or group-name, message-id) id unique to this run: `name-RUN-N`. */
  uid(name: string): string {
    return `${name}-${this.run}-${++this.counter}`;
  }

  url(node = 0): string {
    return this.target.urls[node % this.target.urls.length]!;
  }

  httpUrl(node = 0): string {
    return this.target.httpUrls[node % this.target.httpUrls.length]!;
  }

  /** Opens a raw client for `user` and waits for its `welcome`. */
  async connect(user: string, options: ConnectOptions = {}): Promise<ProtocolClient> {
    const token = await this.target.token(user, options.device ?? 'd1');
    const client = await this.transport.open(this.target, options.node ?? 0, {
      token,
      ...(options.via !== undefined ? { via: options.via } : {}),
    });
    this.open.push(client);
    if (options.welcome !== false) await client.waitFor(isType('welcome'));
    return client;
  }

  /** Opens with an arbitrary token (or none), tracked for cleanup. */
  async openWith(options: OpenOptions, node = 0): Promise<ProtocolClient> {
    const client = await this.transport.open(this.target, node, options);
    this.open.push(client);
    return client;
  }

  /** Sends a text message and waits for its `sent` ack. */
  async send(
    client: ProtocolClient,
    to: { to: string } | { group: string },
    id: string,
    body = id,
  ): Promise<Frame> {
    const from = client.mark();
    client.send({ type: 'message', id, ...to, content: text(body) });
    return client
      .waitFor(
        (f) => (f.type === 'ack' && f.id === id && f.status === 'sent') || isError(f, id),
        5000,
        from,
      )
      .then((f) => {
        if (f.type === 'error') throw new Error(`message ${id} refused: ${JSON.stringify(f)}`);
        return f;
      });
  }

  /** Waits for `count` `message` frames matching `more` from index `from`. */
  messages(
    client: ProtocolClient,
    count: number,
    more: Readonly<Record<string, unknown>> = {},
    from = 0,
    timeoutMs = 5000,
  ): Promise<Frame[]> {
    return client.waitForCount(isType('message', more), count, timeoutMs, from);
  }

  /** Creates a group of `members` (the creator is `client`'s user) and returns its id. */
  async createGroup(
    client: ProtocolClient,
    members: readonly string[],
    name = 'g',
  ): Promise<string> {
    const reply = await client.request({ type: 'group.create', name, members });
    if (reply.type !== 'group') throw new Error(`group.create refused: ${JSON.stringify(reply)}`);
    return reply.id as string;
  }

  async fetch(path: string, init: RequestInit = {}, node = 0): Promise<Response> {
    return fetch(new URL(path, this.httpUrl(node)), init);
  }

  /** Closes every client this test opened. */
  async cleanup(): Promise<void> {
    const clients = this.open.splice(0);
    for (const c of clients) c.terminate();
    await Promise.all(clients.map((c) => c.closed));
  }
}

export function isError(f: Frame, id?: string): boolean {
  return f.type === 'error' && (id === undefined || f.id === id);
}

/** Valid tokens for a target known by its secret. */
export function tokensFor(secret: string): (user: string, device?: string) => Promise<string> {
  return (user, device) => signDevToken(secret, user, device);
}
