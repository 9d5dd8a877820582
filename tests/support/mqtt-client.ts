/**
 * A raw protocol-v1 test client over MQTT (the `mqtt` package, MQTT 3.1.1),
 * a `FrameLog` like `WsClient`: it publishes exactly the frames a test gives
 * it to its up topic and records every frame the server publishes to its
 * down topic, in arrival order (docs/mqtt.md).
 *
 * - `frames`: every down-topic payload, parsed as JSON (not an object:
 *   `{ type: '<unparsed>', text }`); `packets` the topic, QoS and retain
 *   flag of each. A publish on any other topic is recorded in `strayFrames`
 *   (a test asserts it stays empty).
 * - `closed`: resolves once the connection is gone, with the `code` and
 *   `reason` of the server's last `close` frame, 1000 after this client's
 *   own DISCONNECT, or 1006 when the connection was cut.
 *
 * `open` resolves after CONNACK, and rejects with `MqttRefused` (the CONNACK
 * return code) when the server refuses the CONNECT. The topics come from the
 * token's `sub` and `dev` claims (read, not verified) unless given.
 */
import mqtt, { type IPublishPacket, type MqttClient as Mqtt } from 'mqtt';
import { asFrame, type Closed, FrameLog } from './frame-log.ts';

export interface MqttOpenOptions {
  /** The JWT, sent as the password. */
  readonly token?: string | undefined;
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
  /** A will message for the broker to publish if the connection drops. */
  readonly will?: { readonly topic: string; readonly payload: string };
  readonly timeoutMs?: number | undefined;
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

const DEFAULT_CONNECT_MS = 5000;

export class MqttClient extends FrameLog {
  /** Topic, QoS and retain flag of each of `frames`. */
  readonly packets: DownPacket[] = [];
  /** CONNACK's session-present flag. */
  sessionPresent = false;
  readonly up: string;
  readonly down: string;
  /** Set once this client sent DISCONNECT. */
  private ending = false;

  private constructor(
    readonly client: Mqtt,
    readonly user: string,
    readonly device: string,
  ) {
    super();
    this.up = `parley/v1/${user}/${device}/up`;
    this.down = `parley/v1/${user}/${device}/down`;
    client.once('close', () => {
      const last = this.frames.at(-1);
      this.recordClose(
        last?.type === 'close'
          ? { code: last.code as number, reason: last.reason as string }
          : this.ending
            ? { code: 1000, reason: '' }
            : { code: 1006, reason: '' },
      );
    });
    client.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) => {
      if (topic !== this.down) {
        this.recordStray(payload);
        return;
      }
      this.packets.push({ topic, qos: packet.qos, retain: packet.retain });
      const text = payload.toString('utf8');
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        value = undefined;
      }
      this.record(asFrame(value, text));
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
      connectTimeout: options.timeoutMs ?? DEFAULT_CONNECT_MS,
      ...(options.clientId !== undefined ? { clientId: options.clientId } : {}),
      ...(options.will !== undefined
        ? {
            will: {
              topic: options.will.topic,
              payload: Buffer.from(options.will.payload),
              qos: 1 as const,
              retain: false,
            },
          }
        : {}),
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
    return this.client.connected;
  }

  /** Publishes one frame as JSON to the up topic (QoS 1 by default). */
  send(frame: Readonly<Record<string, unknown>>, qos: 0 | 1 = 1): void {
    this.sendRaw(JSON.stringify(frame), qos);
  }

  /** Publishes exactly this text or these bytes (which may be invalid UTF-8) to the up topic. */
  sendRaw(payload: string | Uint8Array, qos: 0 | 1 = 1): void {
    this.client.publish(this.up, typeof payload === 'string' ? payload : Buffer.from(payload), {
      qos,
    });
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

  /** Disconnects normally (DISCONNECT) and waits for the close; MQTT carries no code. */
  async close(_code?: number): Promise<Closed> {
    if (!this.ending && this.client.connected) {
      this.ending = true;
      this.client.end();
    } else if (!this.client.connected) this.client.end(true);
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
