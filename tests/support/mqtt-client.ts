/**
 * A raw protocol-v1 test client over MQTT (the `mqtt` package, MQTT 3.1.1),
 * in the shape of `WsClient`: it publishes exactly the frames a test gives
 * it to its up topic and records every frame the server publishes to its
 * down topic, in arrival order (docs/mqtt.md).
 *
 * - `frames`: every down-topic payload, parsed (not a JSON object:
 *   `{ type: '<unparsed>', text }`); `packets` the QoS and topic of each.
 *   Anything published to another topic is kept in `strays` (a test asserts
 *   it stays empty).
 * - `waitFor`, `waitForCount`, `mark`, `request`, `barrier`, `all`: as
 *   `WsClient`'s.
 * - `closed`: resolves once the connection is gone, with the `code` and
 *   `reason` of the server's last `close` frame, or 1006 when the
 *   connection was cut without one.
 *
 * `open` resolves after CONNACK, and rejects with `MqttRefused` (the CONNACK
 * return code) when the server refuses the CONNECT. The topics come from the
 * token's `sub` and `dev` claims (read, not verified) unless given.
 */
import mqtt, { type IPublishPacket, type MqttClient as Mqtt } from 'mqtt';
import type { Closed, Frame, FramePredicate } from './ws-client.ts';

export interface MqttOpenOptions {
  /** The JWT, sent as the password. */
  readonly token?: string;
  /** Default: the token's `sub`; `null` sends none (which MQTT 3.1.1 forbids with a password). */
  readonly username?: string | null;
  /** Topic identity; default the token's `sub` and `dev` (or `default`). */
  readonly user?: string;
  readonly device?: string;
  /** CONNECT clean-session flag; default true. */
  readonly clean?: boolean;
  /** Seconds; default 60. */
  readonly keepalive?: number;
  readonly clientId?: string;
  readonly timeoutMs?: number;
}

/** The server refused the CONNECT. */
export class MqttRefused extends Error {
  override readonly name = 'MqttRefused';
  constructor(
    readonly returnCode: number,
    message: string,
  ) {
    super(`CONNECT refused with return code ${returnCode}: ${message}`);
  }
}

export interface DownPacket {
  readonly topic: string;
  readonly qos: number;
  readonly retain: boolean;
}

const DEFAULT_WAIT_MS = 5000;

export class MqttClient {
  readonly frames: Frame[] = [];
  readonly packets: DownPacket[] = [];
  /** Publishes on any topic but the down topic. */
  readonly strays: DownPacket[] = [];
  readonly closed: Promise<Closed>;
  /** CONNACK's session-present flag. */
  sessionPresent = false;
  private closedWith: Closed | undefined;
  private readonly waiters = new Set<() => void>();
  private refs = 0;
  readonly up: string;
  readonly down: string;

  private constructor(
    readonly client: Mqtt,
    readonly user: string,
    readonly device: string,
  ) {
    this.up = `parley/v1/${user}/${device}/up`;
    this.down = `parley/v1/${user}/${device}/down`;
    this.closed = new Promise((resolve) => {
      client.once('close', () => {
        const last = this.frames.at(-1);
        this.closedWith =
          last?.type === 'close'
            ? { code: last.code as number, reason: last.reason as string }
            : { code: 1006, reason: '' };
        resolve(this.closedWith);
        this.wake();
      });
    });
    client.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) => {
      const seen = { topic, qos: packet.qos, retain: packet.retain };
      if (topic !== this.down) this.strays.push(seen);
      else {
        this.packets.push(seen);
        this.frames.push(parse(payload.toString('utf8')));
      }
      this.wake();
    });
    client.on('error', () => {});
  }

  /** Connects; rejects with `MqttRefused` when CONNACK refuses. */
  static open(url: string, options: MqttOpenOptions = {}): Promise<MqttClient> {
    const claims = options.token === undefined ? {} : claimsOf(options.token);
    const user = options.user ?? claims.sub ?? 'nobody';
    const device = options.device ?? claims.dev ?? 'default';
    const username = options.username === undefined ? claims.sub : (options.username ?? undefined);
    const client = mqtt.connect(url, {
      protocolVersion: 4,
      reconnectPeriod: 0,
      clean: options.clean ?? true,
      keepalive: options.keepalive ?? 60,
      connectTimeout: options.timeoutMs ?? DEFAULT_WAIT_MS,
      ...(options.clientId !== undefined ? { clientId: options.clientId } : {}),
      ...(username !== undefined ? { username } : {}),
      ...(options.token !== undefined ? { password: options.token } : {}),
    });
    const opened = new MqttClient(client, user, device);
    return new Promise((resolve, reject) => {
      client.once('connect', (connack) => {
        opened.sessionPresent = connack.sessionPresent;
        resolve(opened);
      });
      client.once('error', (err: Error & { code?: number }) => {
        client.end(true);
        reject(
          typeof err.code === 'number' ? new MqttRefused(err.code, err.message) : (err as Error),
        );
      });
      client.once('close', () =>
        reject(new Error(`the connection to ${url} closed before CONNACK`)),
      );
    });
  }

  get isOpen(): boolean {
    return this.client.connected && this.closedWith === undefined;
  }

  /** Publishes one frame as JSON to the up topic (QoS 1 by default). */
  send(frame: Readonly<Record<string, unknown>>, qos: 0 | 1 = 1): void {
    this.sendText(JSON.stringify(frame), qos);
  }

  /** Publishes exactly this text to the up topic. */
  sendText(text: string, qos: 0 | 1 = 1): void {
    this.client.publish(this.up, text, { qos });
  }

  /** Publishes exactly these bytes to the up topic (which may be invalid UTF-8). */
  sendBytes(bytes: Uint8Array, qos: 0 | 1 = 1): void {
    this.client.publish(this.up, Buffer.from(bytes), { qos });
  }

  /** Publishes `payload` to any topic, resolved at its PUBACK (QoS 1). */
  publishTo(topic: string, payload: string, options: { retain?: boolean } = {}): Promise<void> {
    return this.client.publishAsync(topic, payload, { qos: 1, ...options }).then(() => undefined);
  }

  /** Subscribes `filter`; resolves with the QoS granted (128: refused). */
  subscribe(filter: string): Promise<number> {
    return this.client.subscribeAsync(filter, { qos: 1 }).then(
      (granted) => granted[0]?.qos ?? -1,
      (err: Error & { packet?: { granted?: readonly unknown[] } }) => {
        const code = err.packet?.granted?.[0];
        if (typeof code === 'number') return code;
        throw err;
      },
    );
  }

  mark(): number {
    return this.frames.length;
  }

  async waitFor(
    predicate: FramePredicate,
    timeoutMs: number = DEFAULT_WAIT_MS,
    from = 0,
  ): Promise<Frame> {
    const [frame] = await this.waitForCount(predicate, 1, timeoutMs, from);
    return frame!;
  }

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
          reject(this.failure(`the connection closed (${this.closedWith.code})`, count, from));
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

  async request(frame: Readonly<Record<string, unknown>>, timeoutMs?: number): Promise<Frame> {
    const ref = `r${++this.refs}-${Math.random().toString(36).slice(2, 8)}`;
    const from = this.mark();
    this.send({ ...frame, ref });
    return this.waitFor((f) => f.ref === ref, timeoutMs, from);
  }

  async barrier(timeoutMs?: number): Promise<number> {
    const pong = await this.request({ type: 'ping' }, timeoutMs);
    return this.frames.indexOf(pong) + 1;
  }

  all(type: string, predicate: FramePredicate = () => true): Frame[] {
    return this.frames.filter((f) => f.type === type && predicate(f));
  }

  /** Disconnects normally (DISCONNECT) and waits for the close. */
  async close(): Promise<Closed> {
    if (this.closedWith === undefined) this.client.end();
    return this.closed;
  }

  /** Cuts the TCP connection without a DISCONNECT. */
  terminate(): void {
    this.client.stream?.destroy();
    this.client.end(true);
  }

  /** Stops sending PINGREQ while staying connected: the server's keep-alive then ends it. */
  stopPinging(): void {
    this.client.keepaliveManager?.destroy();
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
      `waiting for ${count} matching frame(s) over MQTT: ${why}; ${seen.length} frame(s) since index ${from}` +
        `${seen.length > 30 ? ' (last 30 shown)' : ''}:\n  ${shown}`,
    );
  }
}

/** Connects with `options` and expects CONNACK to refuse; returns the refusal. */
export async function refusedConnect(url: string, options: MqttOpenOptions): Promise<MqttRefused> {
  try {
    const client = await MqttClient.open(url, options);
    client.terminate();
  } catch (err) {
    if (err instanceof MqttRefused) return err;
    throw err;
  }
  throw new Error(`expected the CONNECT to ${url} to be refused, but it was accepted`);
}

function claimsOf(token: string): { sub?: string; dev?: string } {
  try {
    const payload: unknown = JSON.parse(
      Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'),
    );
    if (typeof payload !== 'object' || payload === null) return {};
    const { sub, dev } = payload as Record<string, unknown>;
    return {
      ...(typeof sub === 'string' ? { sub } : {}),
      ...(typeof dev === 'string' ? { dev } : {}),
    };
  } catch {
    return {};
  }
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
