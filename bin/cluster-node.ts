/**
 * One cluster member, composed: NATS (transport and membership share one
 * connection), the Cassandra/ScyllaDB store, presence in Redis, the chat
 * node on a placement bound to the membership, and the gRPC admin API.
 *
 * Safety comes from the store (epoch fencing), liveness from membership:
 * - A member that leaves the view (silent, left, restarted under a new
 *   incarnation) is `peerDown` on the transport: every link and monitor
 *   across it gets `noconnection`.
 * - While this node is cut off from NATS it owns nothing (the placement
 *   answers undefined, so its actors hand off and messages are held), its
 *   edge sends every client away with 1013 and refuses new ones (503).
 * - Drain: status `draining` (every node stops placing shards here), clients
 *   sent away, actors handed off; once none is left (or after a bound) the
 *   node leaves the view and exits.
 */
import { connect, type NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { CloseCode } from '../actors/edge/index.ts';
import { startNode } from '../actors/node.ts';
import { RedisPresence } from '../actors/presence/index.ts';
import { ACTIVATOR_NAME, type ActivatorMsg, type ListReply } from '../actors/virtual/index.ts';
import {
  ClusterPlacement,
  type DrainResult,
  Membership,
  NatsTransport,
  startAdminServer,
  type View,
} from '../cluster/index.ts';
import { systemClock } from '../runtime/index.ts';
import { openCassandraStore, openFsBlobStore, type Store } from '../store/index.ts';
import { readEdgeSettings } from './edge-env.ts';
import { LatePlacement } from './late-placement.ts';
import { nodeAdmin } from './node-admin.ts';
import type { ClusterSettings, NodeSettings } from './node-config.ts';
import { type RunningNode, StartupError } from './running-node.ts';

const DRAIN_BOUND_MS = 30_000;
const STOP_HANDOFF_MS = 5000;
const CONNECT_TIMEOUT_MS = 5000;

/** Seconds since the epoch: larger for every start of the node (a restart takes longer than a second). */
function newCreation(): number {
  return Math.max(1, Math.floor(systemClock.now() / 1000) % 0xffff_fffe);
}

async function reach<T>(what: string, where: string, open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (err) {
    throw new StartupError(
      `cannot reach ${what} at ${where}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

export async function startClusterNode(
  settings: NodeSettings,
  cluster: ClusterSettings,
  log: Logger,
  webRoot: string,
): Promise<RunningNode> {
  const creation = newCreation();
  const node = settings.node;
  const nc: NatsConnection = await reach('NATS', cluster.natsServers.join(','), () =>
    connect({
      servers: [...cluster.natsServers],
      name: `parley-${node}`,
      timeout: CONNECT_TIMEOUT_MS,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      pingInterval: 1000,
      maxPingOut: 2,
    }),
  );
  const store: Store = await reach('Cassandra', cluster.cassandraContactPoints.join(','), () =>
    openCassandraStore({
      contactPoints: [...cluster.cassandraContactPoints],
      localDataCenter: cluster.cassandraDataCenter,
      keyspace: cluster.cassandraKeyspace,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
    }),
  ).catch(async (err) => {
    await nc.close();
    throw err;
  });
  const presence = new RedisPresence({ redis: cluster.redisUrl, node, clock: systemClock, log });
  await reach('Redis', cluster.redisUrl, () => presence.ready()).catch(async (err) => {
    await presence.close();
    await store.close();
    await nc.close();
    throw err;
  });
  const transport = new NatsTransport(nc, { node, creation, logger: log });
  // The server has our subscription before anyone can probe us (no false "no responders").
  await transport.ready();
  const placement = new LatePlacement();
  let membership: Membership | undefined;
  let draining = false;

  const availability = () => {
    const view = membership?.view();
    const isolated = membership?.isolated() ?? true;
    const details = {
      node,
      creation,
      isolated,
      draining,
      view:
        view === undefined
          ? undefined
          : {
              version: view.version,
              members: view.members.map((m) => ({ node: m.node, status: m.status })),
            },
    };
    if (draining) return { serving: false, reason: 'this node is draining', details };
    if (membership === undefined)
      return { serving: false, reason: 'this node is starting', details };
    if (isolated)
      return { serving: false, reason: 'this node is cut off from the cluster', details };
    return { serving: true, details };
  };

  const chat = await startNode({
    node,
    creation,
    host: settings.host,
    port: settings.port,
    dataDir: settings.dataDir,
    jwtSecret: settings.jwtSecret,
    ...(settings.devTokens !== undefined ? { devTokens: settings.devTokens } : {}),
    webRoot,
    store,
    blobs: await openFsBlobStore({ dir: `${settings.dataDir}/media` }),
    presence,
    transport,
    placement,
    logger: log,
    availability,
    ...readEdgeSettings(process.env),
  });
  const { system } = chat;
  const http = `http://${settings.host}:${chat.port}`;

  const listActors = () =>
    system.askNamed<ActivatorMsg, ListReply>(ACTIVATOR_NAME, (replyTo) => ({ t: 'list', replyTo }));

  /** Resolves once this node holds no actor and no held message, or after `boundMs`. */
  async function handedOff(boundMs: number): Promise<boolean> {
    const deadline = systemClock.now() + boundMs;
    for (;;) {
      const list = await listActors().catch(() => undefined);
      if (list !== undefined && list.actors.length === 0 && list.held === 0) return true;
      if (systemClock.now() > deadline) return false;
      await new Promise<void>((r) => systemClock.setTimer(100, r));
    }
  }

  let finish!: () => void;
  const finished = new Promise<void>((r) => {
    finish = r;
  });
  let stopping: Promise<void> | undefined;

  async function shutdown(handoffMs: number, why: string): Promise<void> {
    draining = true;
    membership?.setStatus('draining');
    const sent = chat.edge.sendAway(CloseCode.TryAgainLater, `${why}: reconnect to another node`);
    const clean = await handedOff(handoffMs);
    log.info({ clientsSentAway: sent, handedOff: clean }, `${why}: leaving the cluster`);
    await membership?.leave();
    await admin.close();
    await chat.close();
    await presence.close();
    await store.close();
    await nc.drain().catch(() => nc.close());
    finish();
  }

  const stop = (why: string, handoffMs = STOP_HANDOFF_MS) =>
    (stopping ??= shutdown(handoffMs, why));

  async function drain(): Promise<DrainResult> {
    const already = stopping !== undefined;
    const shards = placementNow?.shardMap().shardsOf(node).length ?? 0;
    const clients = chat.edge.clients();
    if (!already) void stop('draining', DRAIN_BOUND_MS);
    return { node, state: already ? 'already_draining' : 'draining', shards, clients };
  }

  let placementNow: ClusterPlacement | undefined;
  const admin = await reach('the admin port', `${settings.adminHost}:${settings.adminPort}`, () =>
    startAdminServer({
      host: settings.adminHost,
      port: settings.adminPort,
      self: node,
      log,
      local: nodeAdmin({
        system,
        root: chat.root,
        view: () => membership?.view() ?? { version: 0, members: [] },
        connections: (user) => presence.connections(user),
        drain,
        clients: () => chat.edge.clients(),
        transportStats: () => ({ ...transport.stats }),
        storeStats: () => ({}),
        startedAtMs: systemClock.now(),
      }),
      peers: () =>
        (membership?.view().members ?? [])
          .filter((m) => m.admin !== undefined)
          .map((m) => ({ node: m.node, admin: m.admin! })),
      ownerOf: (key) => placement.owner(key),
    }),
  ).catch(async (err) => {
    await chat.close();
    await presence.close();
    await store.close();
    await nc.close();
    throw err;
  });

  membership = new Membership({
    nc,
    self: {
      node,
      creation,
      http,
      ws: `ws://${settings.host}:${chat.port}/ws`,
      admin: `${settings.adminHost}:${admin.port}`,
    },
    clock: systemClock,
    downAfterMs: cluster.downAfterMs,
    log,
  });
  membership.onChange((view, previous) => linkPeers(transport, node, view, previous));
  membership.onIsolation((isolated) => {
    if (isolated) {
      const sent = chat.edge.sendAway(
        CloseCode.TryAgainLater,
        'this node is cut off from the cluster: reconnect to another node',
      );
      log.warn({ clientsSentAway: sent }, 'cut off from NATS: owning nothing until back');
    } else log.info('back in touch with the cluster');
  });
  placementNow = new ClusterPlacement(membership);
  placement.bind(placementNow);
  membership.start();
  log.info(
    { node, creation, http, admin: `${settings.adminHost}:${admin.port}` },
    'cluster node started',
  );
  return { node, port: chat.port, adminPort: admin.port, stop: (why) => stop(why), finished };
}

/** Tells the transport which peers came and went between two views. */
function linkPeers(transport: NatsTransport, self: string, view: View, previous: View): void {
  const others = (v: View) => v.members.filter((m) => m.node !== self);
  const before = new Map(others(previous).map((m) => [m.node, m.creation]));
  const now = new Map(others(view).map((m) => [m.node, m.creation]));
  for (const [peer, creation] of before) {
    if (now.get(peer) !== creation) transport.peerDown(peer);
  }
  for (const [peer, creation] of now) {
    if (before.get(peer) !== creation) transport.peerUp(peer);
  }
}
