/**
 * The MQTT listener (docs/mqtt.md): an embedded aedes broker on its own TCP
 * port, speaking MQTT 3.1.1 (and 3.1; aedes refuses MQTT 5 with CONNACK 1
 * "unacceptable protocol version"), where every connection is one Parley
 * session: an edge actor spawned by `spawnEdgeSession` over an
 * `MqttEdgeSocket`, exactly like a WebSocket's, so rate limits, in-flight
 * tracking, replay, backpressure, presence and replacement by device hold
 * unchanged.
 *
 * The broker routes nothing between clients: a client may publish only to
 * its own up topic and subscribe only to its own down topic (any other
 * filter is granted 0x80, failure), the server writes the down topic to the
 * connection itself, and `authorizeForward` lets nothing the broker might
 * route reach a client.
 *
 * CONNECT (`preConnect`, `authenticate`):
 * - The session is always clean at the broker (CONNACK sessionPresent 0):
 *   Parley's inbox replay is the session, so no QoS 1 copy from an earlier
 *   connection is ever sent again out of order. A will message is dropped.
 * - Keep-alive 0 (none) or above `keepAliveMaxSec` is held to
 *   `keepAliveMaxSec` (MQTT 3.1.1 cannot tell the client).
 * - Refused with CONNACK 3 "server unavailable" while stopping, while the
 *   node does not serve (`availability`), or at `connectionsMax`; with 4 or
 *   5 for the credentials (`mqtt-auth.ts`).
 * - The broker's client id becomes `parley/<user>/<device>/<n>`, unique per
 *   connection: ids chosen by different clients never collide, and the
 *   broker never takes a connection over; a second connection of one device
 *   replaces the first by Parley's own rule (the first gets `close` 4001).
 *
 * PUBLISH: on the up topic only (anything else ends the connection: MQTT
 * 3.1.1 has no refusal for a PUBLISH), QoS 0 or 1 (QoS 2 ends it too), the
 * retain flag ignored, at most `FRAME_BYTES_HARD_MAX` bytes per packet: a
 * bigger packet of any kind ends the connection as soon as its header is
 * read, before it is buffered.
 *
 * Per remote address at most `connectionsPerAddressMax` TCP connections
 * (past it the connection is closed unanswered).
 *
 * `close()` stops accepting, asks every edge to close (each publishes its
 * `close` frame and ends its connection, detaching and going offline),
 * waits up to `shutdownGraceMs`, then cuts what is left.
 */
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { Aedes, type AuthenticateError, type Client, type ConnectPacket } from 'aedes';
import type { ActorSystem, Ref } from '../../../runtime/index.ts';
import { sleep } from '../../../runtime/index.ts';
import type { EdgeMsg } from '../../chat/messages.ts';
import type { Presence } from '../../presence/index.ts';
import { FRAME_BYTES_HARD_MAX, type TokenVerifier } from '../../protocol/index.ts';
import type { Directory } from '../../virtual/index.ts';
import { CloseCode } from '../close-codes.ts';
import { ConnectionCap } from '../http-guards.ts';
import { resolveEdgeLimits } from '../limits.ts';
import { EdgeLoad } from '../load.ts';
import type { Metrics } from '../metrics.ts';
import { type Availability, resolveServerLimits, type ServerLimits } from '../server.ts';
import { spawnEdgeSession } from '../session.ts';
import { authenticateConnect, ConnackCode } from './mqtt-auth.ts';
import { MqttEdgeSocket, type MqttSocketOwner, type ParleyClient } from './mqtt-socket.ts';

/** Keep-alive a client gets when it asks none or more: 300 s (5 minutes). */
export const KEEP_ALIVE_MAX_SEC = 300;

export interface MqttServerOptions {
  readonly system: ActorSystem;
  readonly directory: Directory;
  readonly presence: Presence;
  readonly verifier: TokenVerifier;
  readonly metrics: Metrics;
  readonly host: string;
  /** 0 picks a free port (see `MqttServer.port`). */
  readonly port: number;
  /** The node's server bounds: edge limits, `connectionsMax`, `edgeMailboxMax`, `shutdownGraceMs`, `connectionsPerAddressMax`, `headersTimeoutMs` (the wait for CONNECT). */
  readonly limits?: Partial<ServerLimits>;
  /** Largest keep-alive granted, seconds; default `KEEP_ALIVE_MAX_SEC`. */
  readonly keepAliveMaxSec?: number;
  /** Whether this node takes clients now; default always. */
  readonly availability?: () => Availability;
  /** The node's messages in flight, shared with its WebSocket server; default this listener's own. */
  readonly load?: EdgeLoad;
}

export interface MqttServer {
  readonly port: number;
  /** Open MQTT sessions. */
  clients(): number;
  /** Asks every session to go (their edges close with `code`); returns how many were asked. */
  sendAway(code: number, reason: string): number;
  close(): Promise<void>;
}

/** The aedes parser's state this module reads: the remaining length of the packet being read. */
interface PacketParser {
  parse(buf: Buffer): number;
  packet: { length: number };
  client: Client;
}

export async function startMqttServer(options: MqttServerOptions): Promise<MqttServer> {
  const { system, directory, presence, metrics, verifier } = options;
  const limits = resolveServerLimits(options.limits);
  const edgeLimits = resolveEdgeLimits(limits);
  const keepAliveMaxSec = options.keepAliveMaxSec ?? KEEP_ALIVE_MAX_SEC;
  const load = options.load ?? new EdgeLoad(edgeLimits.nodeMessagesInFlightMax);
  const log = system.log.child({ component: 'mqtt-server' });
  /** Open sessions by edge actor id. */
  const connections = new Map<number, MqttEdgeSocket>();
  const perAddress = new ConnectionCap(limits.connectionsPerAddressMax);
  /** Every open TCP connection, sessions or not yet (before CONNACK): `close()` cuts what is left. */
  const sockets = new Set<Socket>();
  let closing = false;
  /** Numbers the broker's client ids. */
  let accepted = 0;

  const sessionDeps = {
    system,
    directory,
    presence,
    limits: edgeLimits,
    counters: metrics,
    load,
    mailboxMax: limits.edgeMailboxMax,
  };

  const owner: MqttSocketOwner = {
    socketClosed(socket) {
      if (socket.edge !== undefined) connections.delete(socket.edge.id);
      metrics.mqttSessionsOpen.set(connections.size);
    },
  };

  function refusal(returnCode: ConnackCode, message: string): AuthenticateError {
    return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
  }

  /** Why a CONNECT is refused before its credentials are looked at, if it is. */
  function unavailable(): string | undefined {
    if (closing) return 'the server is shutting down';
    const now = options.availability?.();
    if (now !== undefined && !now.serving)
      return `${now.reason ?? 'this node does not serve now'}: connect to another node`;
    if (connections.size >= limits.connectionsMax)
      return `the server holds ${limits.connectionsMax} connections; retry later`;
    return undefined;
  }

  const broker = new Aedes({
    connectTimeout: limits.headersTimeoutMs,
    preConnect(_client, packet: ConnectPacket, done) {
      const connect = packet as ConnectPacket & { will?: unknown };
      connect.clean = true;
      delete connect.will;
      packet.keepalive = grantedKeepAlive(packet.keepalive ?? 0, keepAliveMaxSec);
      done(null, true);
    },
    authenticate(client, username, password, done) {
      const busy = unavailable();
      if (busy !== undefined) {
        done(refusal(ConnackCode.ServerUnavailable, busy), false);
        return;
      }
      authenticateConnect(username, password, verifier).then(
        (auth) => {
          if (!auth.ok) {
            metrics.authFailures.inc({ reason: auth.reason });
            done(refusal(auth.returnCode, auth.message), false);
            return;
          }
          const parley = client as ParleyClient;
          const { user, device } = auth.identity;
          (parley as { id: string }).id = `parley/${user}/${device}/${++accepted}`;
          parley.parley = new MqttEdgeSocket(parley, auth.identity);
          done(null, true);
        },
        (err: unknown) => {
          log.error({ err }, 'mqtt authentication failed');
          done(refusal(ConnackCode.ServerUnavailable, 'could not check the token'), false);
        },
      );
    },
    authorizePublish(client, packet, done) {
      const socket = (client as ParleyClient | null)?.parley;
      if (socket === undefined) {
        done(new Error('no session'));
        return;
      }
      if (packet.topic !== socket.up) {
        done(new Error(`publishing to ${packet.topic} is not allowed; publish to ${socket.up}`));
        return;
      }
      if (packet.qos === 2) {
        done(new Error('QoS 2 is not accepted; publish with QoS 0 or 1'));
        return;
      }
      if (packet.payload.length > FRAME_BYTES_HARD_MAX) {
        done(new Error(`a PUBLISH over ${FRAME_BYTES_HARD_MAX} bytes`));
        return;
      }
      packet.retain = false;
      socket.frame(toBuffer(packet.payload), done);
    },
    authorizeSubscribe(client, sub, done) {
      const socket = (client as ParleyClient).parley;
      if (socket === undefined || sub.topic !== socket.down) done(null, null);
      else done(null, { ...sub, qos: 1 });
    },
    authorizeForward: () => null,
  });
  await broker.listen();

  broker.on('clientReady', (client: Client) => {
    const socket = (client as ParleyClient).parley;
    if (socket === undefined || closing) {
      client.close();
      return;
    }
    let edge: Ref<EdgeMsg>;
    try {
      edge = spawnEdgeSession(sessionDeps, socket, socket.identity);
    } catch (err) {
      log.error({ err, user: socket.identity.user }, 'could not start an edge');
      client.close();
      return;
    }
    connections.set(edge.id, socket);
    metrics.mqttSessionsTotal.inc();
    metrics.mqttSessionsOpen.set(connections.size);
    socket.wire(system, edge, owner, limits);
    if (client.closed) socket.closed();
  });
  // Errors end the client (aedes closes it); they are the client's doing, not ours.
  broker.on('clientError', ignore);
  broker.on('connectionError', ignore);

  // An edge that dies without closing its connection (killed) must not leave it open.
  const offDeath = system.onDeath((cell) => {
    const socket = connections.get(cell.ref.id);
    if (socket !== undefined && !socket.client.closed) socket.client.close();
  });

  /** One close listener for every TCP connection: the address cap and the session. */
  function onConnectionClosed(this: Socket): void {
    sockets.delete(this);
    perAddress.release(this.remoteAddress ?? '?');
    const client = (this as Socket & { client?: ParleyClient }).client;
    client?.parley?.closed();
  }

  const server = createServer((conn) => {
    const address = conn.remoteAddress ?? '?';
    if (closing || !perAddress.acquire(address)) {
      conn.on('error', ignore);
      conn.destroy();
      return;
    }
    sockets.add(conn);
    conn.on('close', onConnectionClosed);
    const client = broker.handle(conn);
    guardPacketSize(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ host: options.host, port }, 'mqtt server listening');

  let closed: Promise<void> | undefined;
  async function close(): Promise<void> {
    closing = true;
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    const sessions = [...connections.values()];
    const ended = sessions.map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.conn.destroyed) resolve();
          else socket.conn.once('close', () => resolve());
        }),
    );
    sendAway(CloseCode.GoingAway, 'server shutting down');
    await Promise.race([Promise.all(ended), sleep(system.clock, limits.shutdownGraceMs)]);
    for (const socket of connections.values()) {
      socket.conn.destroy();
      if (socket.edge !== undefined && system.isAlive(socket.edge))
        system.exit(socket.edge, 'shutdown');
    }
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    // Connections that never became sessions (no CONNECT yet) would hold `server.close` open.
    for (const conn of sockets) conn.destroy();
    await stopped;
    offDeath();
  }

  function sendAway(code: number, reason: string): number {
    let asked = 0;
    for (const socket of connections.values()) {
      asked++;
      const edge = socket.edge!;
      if (system.isAlive(edge)) system.send(edge, { t: 'close', code, reason });
      else socket.close(code, reason);
    }
    return asked;
  }

  return {
    port,
    clients: () => connections.size,
    sendAway,
    close: () => (closed ??= close()),
  };
}

/** The keep-alive the broker holds a client to, seconds: its own, unless 0 (none) or above `max`. */
export function grantedKeepAlive(requested: number, max: number): number {
  return requested === 0 || requested > max ? max : requested;
}

/**
 * Ends the connection as soon as a packet's fixed header says it is larger
 * than `FRAME_BYTES_HARD_MAX`, before its body is buffered: the parser knows
 * the remaining length once the header is read.
 */
function guardPacketSize(client: Client): void {
  (client as unknown as { _parser: PacketParser })._parser.parse = guardedParse;
}

function guardedParse(this: PacketParser, buf: Buffer): number {
  if (this.client.closed) return 0;
  const parse = (Object.getPrototypeOf(this) as PacketParser).parse;
  const left = parse.call(this, buf);
  if (this.packet.length > FRAME_BYTES_HARD_MAX) this.client.conn.destroy();
  return left;
}

function toBuffer(payload: string | Buffer): Buffer {
  return typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
}

function ignore(): void {}
