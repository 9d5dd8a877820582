/**
 * One cluster member on real services: NATS (transport and membership share
 * one connection), the Cassandra/ScyllaDB store, presence in Redis, the
 * member's core (`actors/member`: the chat on a placement bound to the
 * membership, isolation and drain) behind the HTTP/WebSocket edge (and the
 * MQTT listener with `PARLEY_MQTT_PORT`), and the gRPC admin API.
 */
import { connect, type NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { instrumentStore, Metrics } from '../actors/edge/index.ts';
import { composeMember } from '../actors/member/index.ts';
import { type ChatNode, startNode } from '../actors/node.ts';
import { RedisPresence } from '../actors/presence/index.ts';
import { createPushService, lateCounters } from '../actors/push/index.ts';
import { type DrainResult, startAdminServer } from '../cluster/index.ts';
import { systemClock, systemRandom } from '../runtime/index.ts';
import { openCassandraStore, openFsBlobStore, type Store } from '../store/index.ts';
import { readEdgeSettings } from './edge-env.ts';
import { nodeAdmin } from './node-admin.ts';
import type { ClusterSettings, NodeSettings } from './node-config.ts';
import { nodePushOptions, readPushEnv } from './push-env.ts';
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
  let metrics: Metrics | undefined;
  let chat: ChatNode | undefined;
  // Subscriptions live in Cassandra: every node sees them; the VAPID keys must be the same on every node.
  const pushOptions = nodePushOptions(readPushEnv(process.env), settings.dataDir);
  const push =
    pushOptions === undefined
      ? undefined
      : createPushService({
          store,
          clock: systemClock,
          random: systemRandom,
          log,
          counters: lateCounters(() => metrics),
          ...pushOptions,
        });
  const member = composeMember({
    node,
    creation,
    nc,
    clock: systemClock,
    store: (system) => instrumentStore(store, (metrics = new Metrics({ system }))),
    wakeStore: store,
    logger: log,
    downAfterMs: cluster.downAfterMs,
    sendAway: (code, reason) =>
      (chat?.edge.sendAway(code, reason) ?? 0) + (chat?.mqtt?.sendAway(code, reason) ?? 0),
    ...(push !== undefined ? { push: push.notifier } : {}),
  });
  const { transport } = member;
  // The server has our subscription before anyone can probe us (no false "no responders").
  await transport.ready();

  chat = await startNode({
    host: settings.host,
    port: settings.port,
    ...(settings.mqttPort !== undefined ? { mqttPort: settings.mqttPort } : {}),
    dataDir: settings.dataDir,
    jwtSecret: settings.jwtSecret,
    ...(settings.devTokens !== undefined ? { devTokens: settings.devTokens } : {}),
    webRoot,
    store,
    blobs: await openFsBlobStore({ dir: `${settings.dataDir}/media` }),
    presence,
    logger: log,
    availability: member.availability,
    core: {
      system: member.system,
      chat: member.chat,
      metrics: metrics!,
      store: member.store,
      ...(push !== undefined ? { push } : {}),
    },
    ...readEdgeSettings(process.env),
  });
  const { system } = chat;
  const http = `http://${settings.host}:${chat.port}`;

  let finish!: () => void;
  const finished = new Promise<void>((r) => {
    finish = r;
  });
  let stopping: Promise<void> | undefined;

  async function shutdown(handoffMs: number, why: string): Promise<void> {
    await member.leave(why, handoffMs);
    await admin.close();
    await chat!.close();
    await presence.close();
    await store.close();
    await nc.drain().catch(() => nc.close());
    finish();
  }

  const stop = (why: string, handoffMs = STOP_HANDOFF_MS) =>
    (stopping ??= shutdown(handoffMs, why));

  async function drain(): Promise<DrainResult> {
    const already = stopping !== undefined;
    const shards = member.clusterPlacement?.shardMap().shardsOf(node).length ?? 0;
    const clients = chat!.edge.clients() + (chat!.mqtt?.clients() ?? 0);
    if (!already) void stop('draining', DRAIN_BOUND_MS);
    return { node, state: already ? 'already_draining' : 'draining', shards, clients };
  }

  const admin = await reach('the admin port', `${settings.adminHost}:${settings.adminPort}`, () =>
    startAdminServer({
      host: settings.adminHost,
      port: settings.adminPort,
      self: node,
      log,
      local: nodeAdmin({
        system,
        root: chat.root,
        view: () => member.membership?.view() ?? { version: 0, members: [] },
        connections: (user) => presence.connections(user),
        drain,
        clients: () => chat!.edge.clients() + (chat!.mqtt?.clients() ?? 0),
        transportStats: () => ({ ...transport.stats }),
        storeStats: () => ({}),
        startedAtMs: systemClock.now(),
      }),
      peers: () =>
        (member.membership?.view().members ?? [])
          .filter((m) => m.admin !== undefined)
          .map((m) => ({ node: m.node, admin: m.admin! })),
      ownerOf: (key) => member.placement.owner(key),
    }),
  ).catch(async (err) => {
    await chat!.close();
    await presence.close();
    await store.close();
    await nc.close();
    throw err;
  });

  member.join({
    http,
    ws: `ws://${settings.host}:${chat.port}/ws`,
    admin: `${settings.adminHost}:${admin.port}`,
  });
  log.info(
    { node, creation, http, admin: `${settings.adminHost}:${admin.port}` },
    'cluster node started',
  );
  return {
    node,
    port: chat.port,
    mqttPort: chat.mqtt?.port,
    adminPort: admin.port,
    stop: (why) => stop(why),
    finished,
  };
}
