/**
 * The edge server: one `node:http` server for HTTP and the WebSocket on the
 * same port (PROTOCOL.md, "Connecting" and "HTTP on the same port").
 *
 * WebSocket: upgrades only on `/ws` (else 404), authenticated first
 * (`Authorization: Bearer` or `?token=`): a missing, malformed, badly signed
 * or expired token is answered `401` with a JSON body and no WebSocket (503
 * when a JWKS cannot be fetched, or the server is full or stopping). An
 * accepted socket gets its own edge actor, spawned with `trapExit` and a
 * bounded mailbox that crashes the edge (closing with 1011) rather than drop
 * a frame silently.
 *
 * Hardening (`http-guards.ts`): every TCP connection counts against its
 * remote address's cap (`connectionsPerAddressMax`, 503 with a JSON body
 * past it, on HTTP and on upgrades alike); headers must arrive within
 * `headersTimeoutMs` and the whole request within `requestTimeoutMs`, and an
 * idle keep-alive connection is closed after `keepAliveTimeoutMs`;
 * `/metrics` answers only loopback callers naming a local Host unless
 * `metricsPublic`; every answer carries CSP `frame-ancestors 'none'`,
 * `X-Frame-Options: DENY` and `nosniff`. Dev tokens are minted only for a
 * local Host, a same-origin (or absent) Origin, a JSON body and no proxy
 * headers; serving them on a non-loopback bind logs a warning at start.
 *
 * HTTP routes: `GET /healthz`, `GET /metrics`, `POST /api/v1/media`,
 * `GET /api/v1/media/{id}`, `POST /api/v1/dev/tokens` (only with dev tokens;
 * 404 otherwise), the push routes (`push-routes.ts`; only with `push`), static
 * files of `webRoot`. Errors are JSON
 * `{"error":{"code","message"}}`; an unknown path is 404, a known path with
 * the wrong method 405 (with `Allow`).
 *
 * `close()` stops accepting, asks every edge to close its socket with 1001
 * (so each detaches and goes offline), waits up to `shutdownGraceMs` for
 * the close handshakes, then cuts what is left.
 */
import { Buffer } from 'node:buffer';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import {
  type ActorSystem,
  ErrorCode,
  ParleyError,
  quote,
  type Random,
  type Ref,
  sleep,
} from '../../runtime/index.ts';
import type { BlobStore, Store } from '../../store/index.ts';
import type { EdgeMsg } from '../chat/messages.ts';
import type { Presence } from '../presence/index.ts';
import {
  authenticateRequest,
  FRAME_BYTES_HARD_MAX,
  type Identity,
  selectSubprotocol,
  type TokenVerifier,
} from '../protocol/index.ts';
import type { PushService } from '../push/index.ts';
import type { Directory } from '../virtual/index.ts';
import { CloseCode } from './close-codes.ts';
import { DEV_TOKENS_PATH, mintDevToken } from './dev-tokens.ts';
import {
  authError,
  authenticate,
  errorBody,
  HttpError,
  pathOf,
  refuseUpgrade,
  sendError,
  sendJson,
} from './http.ts';
import {
  API_SECURITY_HEADERS,
  ConnectionCap,
  isLoopbackAddress,
  isLoopbackHost,
  localHostError,
} from './http-guards.ts';
import { type EdgeLimits, positive, resolveEdgeLimits } from './limits.ts';
import { EdgeLoad } from './load.ts';
import { downloadMedia, MEDIA_PATH, type MediaDeps, uploadMedia } from './media.ts';
import type { Metrics } from './metrics.ts';
import { routePush } from './push-routes.ts';
import { spawnEdgeSession } from './session.ts';
import { type StaticFiles, staticFiles } from './static-files.ts';
import {
  DEFAULT_INBOUND_LIMITS,
  EdgeWebSocket,
  type InboundLimits,
  type SocketOwner,
} from './ws-socket.ts';

export interface ServerLimits extends EdgeLimits, InboundLimits {
  /** Largest media upload; default 16 MiB (413 past it). */
  readonly mediaBytesMax: number;
  /** WebSocket connections open at once; default 100,000 (503 past it). */
  readonly connectionsMax: number;
  /** Messages an edge's mailbox holds before the edge crashes (closing 1011); default 10,000. */
  readonly edgeMailboxMax: number;
  /** How long `close()` waits for close handshakes; default 2000 ms. */
  readonly shutdownGraceMs: number;
  /** Open TCP connections (HTTP and WebSocket) per remote address; default 256 (503 past it). */
  readonly connectionsPerAddressMax: number;
  /** A request's headers must be in within this; default 10 s (slowloris). */
  readonly headersTimeoutMs: number;
  /** A whole request (a media upload included) must be in within this; default 120 s. */
  readonly requestTimeoutMs: number;
  /** An idle keep-alive HTTP connection is closed after this; default 5 s. */
  readonly keepAliveTimeoutMs: number;
}

export const DEFAULT_SERVER_LIMITS: Omit<ServerLimits, keyof EdgeLimits> = {
  ...DEFAULT_INBOUND_LIMITS,
  mediaBytesMax: 16 * 1024 * 1024,
  connectionsMax: 100_000,
  edgeMailboxMax: 10_000,
  shutdownGraceMs: 2000,
  connectionsPerAddressMax: 256,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 120_000,
  keepAliveTimeoutMs: 5000,
};

export interface EdgeServerOptions {
  readonly system: ActorSystem;
  readonly directory: Directory;
  readonly presence: Presence;
  readonly store: Store;
  readonly blobs: BlobStore;
  readonly verifier: TokenVerifier;
  /** The HS256 secret dev tokens are signed with; required when `devTokens`. */
  readonly jwtSecret?: string | Uint8Array;
  /** Serve `POST /api/v1/dev/tokens`. */
  readonly devTokens: boolean;
  readonly metrics: Metrics;
  /** Push notifications: the push frames and routes; none: they are refused. */
  readonly push?: PushService;
  /** Folder of the web client's static files; not served when absent or missing. */
  readonly webRoot?: string;
  readonly host: string;
  /** 0 picks a free port (see `EdgeServer.port`). */
  readonly port: number;
  readonly limits?: Partial<ServerLimits>;
  /** Media ids; default the system's random. */
  readonly random?: Random;
  /** Serve `/metrics` to any caller; default false: loopback callers with a local Host only (403 otherwise). */
  readonly metricsPublic?: boolean;
  /**
   * Whether this node should take clients now (a cluster node that is cut
   * off or draining should not), and what `/healthz` reports besides its
   * status. Default: always serving, no details.
   */
  readonly availability?: () => Availability;
  /** The node's messages in flight, when other listeners of the node share it (MQTT); default this server's own. */
  readonly load?: EdgeLoad;
}

export interface Availability {
  readonly serving: boolean;
  /** Why not, for the 503 of `/healthz` and of refused upgrades. */
  readonly reason?: string;
  /** Extra fields of the `/healthz` body (node, view, ...). */
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface EdgeServer {
  readonly port: number;
  /** Open client connections. */
  clients(): number;
  /**
   * Asks every connected client to go (their edges close with `code`, e.g.
   * 1013 "try another node"); returns how many were asked. New upgrades are
   * refused by `availability`, not by this.
   */
  sendAway(code: number, reason: string): number;
  close(): Promise<void>;
}

const HEALTH_PATH = '/healthz';
const METRICS_PATH = '/metrics';
const WS_PATH = '/ws';

export async function startEdgeServer(options: EdgeServerOptions): Promise<EdgeServer> {
  const { system, directory, presence, metrics, verifier, push } = options;
  const limits = resolveServerLimits(options.limits);
  const secret = options.jwtSecret;
  if (options.devTokens && (secret === undefined || secret.length === 0))
    throw new ParleyError(
      ErrorCode.InvalidArgument,
      'devTokens is on but no jwtSecret was given to sign them with',
    );
  const web: StaticFiles | undefined =
    options.webRoot === undefined ? undefined : await staticFiles(options.webRoot);
  const log = system.log.child({ component: 'edge-server' });
  const media: MediaDeps = {
    store: options.store,
    blobs: options.blobs,
    clock: system.clock,
    random: options.random ?? system.random,
    mediaBytesMax: limits.mediaBytesMax,
  };
  const edgeLimits = resolveEdgeLimits(limits);
  const load = options.load ?? new EdgeLoad(edgeLimits.nodeMessagesInFlightMax);
  // No client tracking: `connections` tracks the sockets already, and ws's own set costs a
  // close listener (a closure) and a set entry per connection.
  // Every socket is an `EdgeWebSocket`: its connection's state lives on it.
  const wss = new WebSocketServer<typeof EdgeWebSocket>({
    noServer: true,
    maxPayload: FRAME_BYTES_HARD_MAX,
    clientTracking: false,
    WebSocket: EdgeWebSocket,
    // `parley.v1.msgpack` for MessagePack frames; none (or `parley.v1`) for JSON.
    handleProtocols: selectSubprotocol,
  });
  /** Open client connections by edge actor id: one table, one entry per connection. */
  const connections = new Map<number, EdgeWebSocket>();
  let closing = false;
  /** The port the server got; set once it listens, before any request. */
  let boundPort = 0;
  const perAddress = new ConnectionCap(limits.connectionsPerAddressMax);
  if (options.devTokens && !isLoopbackHost(options.host))
    log.warn(
      { host: options.host },
      'dev tokens are on for a non-loopback address: anyone who reaches this port can mint a token for any user; set PARLEY_DEV_TOKENS=0 outside local development',
    );

  // An edge that dies without closing its socket (killed) must not leave it open.
  const offDeath = system.onDeath((cell) => {
    const ws = connections.get(cell.ref.id);
    if (ws !== undefined && ws.readyState === ws.OPEN) ws.terminate();
  });

  const onAuthFailure = (reason: string) => metrics.authFailures.inc({ reason });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<string> {
    const path = pathOf(req.url);
    const method = req.method ?? 'GET';
    const allow = (...methods: string[]) => {
      if (!methods.includes(method))
        throw new HttpError(405, 'method_not_allowed', `${method} is not allowed on ${path}`, {
          Allow: methods.join(', '),
        });
    };
    if (path === HEALTH_PATH) {
      allow('GET', 'HEAD');
      const now = options.availability?.();
      if (closing) sendJson(res, 503, { status: 'stopping', ...now?.details });
      else if (now !== undefined && !now.serving)
        sendJson(res, 503, { status: 'unavailable', reason: now.reason, ...now.details });
      else sendJson(res, 200, { status: 'ok', ...now?.details });
      return HEALTH_PATH;
    }
    if (path === METRICS_PATH) {
      allow('GET', 'HEAD');
      if (options.metricsPublic !== true) metricsGuard(req);
      metrics.connectionsOpen.set(connections.size);
      const text = await metrics.text();
      res.writeHead(200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' });
      res.end(method === 'HEAD' ? undefined : text);
      return METRICS_PATH;
    }
    if (path === WS_PATH) {
      throw new HttpError(426, 'upgrade_required', `${WS_PATH} takes WebSocket upgrades only`, {
        Upgrade: 'websocket',
      });
    }
    if (path === MEDIA_PATH) {
      allow('POST');
      const identity = await authenticate(req, verifier, onAuthFailure);
      await uploadMedia(req, res, identity, media);
      return MEDIA_PATH;
    }
    if (path.startsWith(`${MEDIA_PATH}/`)) {
      allow('GET', 'HEAD');
      await authenticate(req, verifier, onAuthFailure);
      await downloadMedia(res, path.slice(MEDIA_PATH.length + 1), media);
      return `${MEDIA_PATH}/{id}`;
    }
    if (push !== undefined) {
      const pushRoute = await routePush(req, res, path, push, allow, () =>
        authenticate(req, verifier, onAuthFailure),
      );
      if (pushRoute !== undefined) return pushRoute;
    }
    if (path === DEV_TOKENS_PATH && options.devTokens && secret !== undefined) {
      allow('POST');
      await mintDevToken(req, res, secret, system.clock, { host: options.host, port: boundPort });
      return DEV_TOKENS_PATH;
    }
    if (web !== undefined && (method === 'GET' || method === 'HEAD')) {
      if (await web.serve(path, res)) return 'static';
    }
    throw new HttpError(404, 'not_found', `no route for ${method} ${quote(path)}`);
  }

  /** `/metrics` is for this machine: a loopback caller that names a local Host. */
  function metricsGuard(req: IncomingMessage): void {
    if (!isLoopbackAddress(req.socket.remoteAddress))
      throw new HttpError(
        403,
        'forbidden',
        `/metrics answers loopback callers only, not ${quote(req.socket.remoteAddress ?? '?')}; set PARLEY_METRICS_PUBLIC=1 to open it`,
      );
    const badHost = localHostError(req, options.host, boundPort);
    if (badHost !== undefined) throw badHost;
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [name, value] of Object.entries(API_SECURITY_HEADERS)) res.setHeader(name, value);
    let routeName = 'unknown';
    try {
      routeName = await route(req, res);
    } catch (err) {
      const error =
        err instanceof HttpError
          ? err
          : new HttpError(500, 'internal', 'internal error', {}, { cause: err });
      if (error.status >= 500)
        log.error({ err: error.cause ?? error, path: pathOf(req.url) }, 'http request failed');
      if (error.headers.Connection === 'close') res.shouldKeepAlive = false;
      sendError(res, error);
    }
    metrics.httpRequests.inc({ route: routeName, status: String(res.statusCode) });
  }

  async function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', destroyOnError);
    const path = pathOf(req.url);
    if (path !== WS_PATH)
      return refuseUpgrade(
        socket,
        new HttpError(404, 'not_found', `no WebSocket at ${quote(path)}; use ${WS_PATH}`),
      );
    if (closing)
      return refuseUpgrade(
        socket,
        new HttpError(503, 'unavailable', 'the server is shutting down'),
      );
    const now = options.availability?.();
    if (now !== undefined && !now.serving)
      return refuseUpgrade(
        socket,
        new HttpError(
          503,
          'unavailable',
          `${now.reason ?? 'this node does not serve now'}: connect to another node`,
        ),
      );
    if (connections.size >= limits.connectionsMax)
      return refuseUpgrade(
        socket,
        new HttpError(
          503,
          'unavailable',
          `the server holds ${limits.connectionsMax} connections; retry later`,
        ),
      );
    const auth = await authenticateRequest(req, verifier);
    if (!auth.ok) {
      onAuthFailure(auth.error.reason);
      return refuseUpgrade(socket, authError(auth));
    }
    if (socket.destroyed || closing)
      return refuseUpgrade(
        socket,
        new HttpError(503, 'unavailable', 'the server is shutting down'),
      );
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, auth.identity));
  }

  function accept(ws: EdgeWebSocket, identity: Identity): void {
    let edge: Ref<EdgeMsg>;
    try {
      edge = spawnEdgeSession(
        {
          system,
          directory,
          presence,
          limits: edgeLimits,
          counters: metrics,
          load,
          ...(push !== undefined ? { push: push.registry } : {}),
          mailboxMax: limits.edgeMailboxMax,
        },
        ws,
        identity,
      );
    } catch (err) {
      log.error({ err, user: identity.user }, 'could not start an edge');
      ws.close(CloseCode.InternalError, 'could not start the session');
      return;
    }
    connections.set(edge.id, ws);
    metrics.connectionsTotal.inc();
    metrics.connectionsOpen.set(connections.size);
    ws.wire(system, edge, owner, limits);
  }

  /** One owner for every socket, rather than a close callback per connection. */
  const owner: SocketOwner = {
    socketClosed(socket) {
      if (socket.edge !== undefined) connections.delete(socket.edge.id);
      metrics.connectionsOpen.set(connections.size);
    },
  };

  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // How often the timeouts above are checked (Node's default is 30 s).
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    (req, res) => void onRequest(req, res),
  );
  /**
   * One close listener for every TCP connection, not a closure each: the
   * address read at accept is cached on the socket (`_peername`), so it reads
   * the same after the close.
   */
  function releaseAddress(this: Socket): void {
    perAddress.release(this.remoteAddress ?? '?');
  }
  server.on('connection', (conn) => {
    const address = conn.remoteAddress ?? '?';
    if (!perAddress.acquire(address)) {
      const body = errorBody(
        'unavailable',
        `${address} holds ${limits.connectionsPerAddressMax} connections already; close some and retry`,
      );
      conn.on('error', () => conn.destroy());
      conn.end(
        `HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nRetry-After: 5\r\n\r\n${body}`,
      );
      return;
    }
    conn.on('close', releaseAddress);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    onUpgrade(req, socket, head).catch((err: unknown) => {
      log.error({ err }, 'upgrade failed');
      refuseUpgrade(socket, new HttpError(500, 'internal', 'internal error'));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  boundPort = port;
  log.info(
    { host: options.host, port, devTokens: options.devTokens, web: web !== undefined },
    'edge server listening',
  );

  let closed: Promise<void> | undefined;
  async function close(): Promise<void> {
    closing = true;
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    const handshakes = [...connections.values()].map(
      (ws) =>
        new Promise<void>((resolve) =>
          ws.readyState === ws.CLOSED ? resolve() : ws.once('close', () => resolve()),
        ),
    );
    for (const ws of connections.values()) {
      const edge = ws.edge!;
      if (system.isAlive(edge))
        system.send(edge, {
          t: 'close',
          code: CloseCode.GoingAway,
          reason: 'server shutting down',
        });
      else ws.close(CloseCode.GoingAway, 'server shutting down');
    }
    await Promise.race([Promise.all(handshakes), sleep(system.clock, limits.shutdownGraceMs)]);
    const left = [...connections.values()];
    for (const ws of left) ws.terminate();
    for (const ws of left) if (system.isAlive(ws.edge!)) system.exit(ws.edge!, 'shutdown');
    wss.close();
    server.closeAllConnections();
    await stopped;
    offDeath();
  }

  function sendAway(code: number, reason: string): number {
    let asked = 0;
    for (const ws of connections.values()) {
      const edge = ws.edge!;
      asked++;
      if (system.isAlive(edge)) system.send(edge, { t: 'close', code, reason });
      else ws.close(code, reason);
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

export function resolveServerLimits(limits: Partial<ServerLimits> = {}): ServerLimits {
  const out = { ...DEFAULT_SERVER_LIMITS, ...resolveEdgeLimits(limits), ...limits };
  for (const name of Object.keys(DEFAULT_SERVER_LIMITS) as (keyof typeof DEFAULT_SERVER_LIMITS)[])
    positive(name, out[name], true);
  return out;
}

/** An upgrade socket's error listener: shared, not a closure per connection. */
function destroyOnError(this: Duplex): void {
  this.destroy();
}
