/**
 * The single node on the embedded defaults (LMDB and media in
 * `PARLEY_DATA_DIR`), with the gRPC admin API beside it so `parleyctl`
 * works against `npm start` too (a view of one member that never changes).
 * When the admin port is taken the node serves without it and says so: the
 * quick start must not fail for a port it does not need.
 */
import type { Logger } from 'pino';
import { CloseCode } from '../actors/edge/index.ts';
import { startNode } from '../actors/node.ts';
import { startAdminServer } from '../cluster/index.ts';
import { systemClock } from '../runtime/index.ts';
import { readEdgeSettings } from './edge-env.ts';
import { nodeAdmin } from './node-admin.ts';
import type { NodeSettings } from './node-config.ts';
import { nodePushOptions, readPushEnv } from './push-env.ts';
import type { RunningNode } from './running-node.ts';

export async function startSingleNode(
  settings: NodeSettings,
  log: Logger,
  webRoot: string,
): Promise<RunningNode> {
  const push = nodePushOptions(readPushEnv(process.env), settings.dataDir);
  const chat = await startNode({
    node: settings.node,
    host: settings.host,
    port: settings.port,
    ...(settings.mqttPort !== undefined ? { mqttPort: settings.mqttPort } : {}),
    dataDir: settings.dataDir,
    ...(settings.jwtSecret !== undefined ? { jwtSecret: settings.jwtSecret } : {}),
    ...(settings.devTokens !== undefined ? { devTokens: settings.devTokens } : {}),
    webRoot,
    logger: log,
    ...(push !== undefined ? { push } : {}),
    ...readEdgeSettings(process.env),
  });
  const startedAt = systemClock.now();
  let finish!: () => void;
  const finished = new Promise<void>((r) => {
    finish = r;
  });
  let stopping: Promise<void> | undefined;
  const stop = (why: string) =>
    (stopping ??= (async () => {
      log.info({ why }, 'stopping');
      chat.edge.sendAway(CloseCode.GoingAway, `${why}: the server is stopping`);
      chat.mqtt?.sendAway(CloseCode.GoingAway, `${why}: the server is stopping`);
      await admin?.close();
      await chat.close();
      finish();
    })());

  let adminAddress = `${settings.adminHost}:${settings.adminPort}`;
  const me = () => ({
    node: settings.node,
    creation: chat.system.creation,
    status: 'up',
    http: `http://${settings.host}:${chat.port}`,
    ws: `ws://${settings.host}:${chat.port}/ws`,
    admin: adminAddress,
    startedAt,
  });
  const admin = await startAdminServer({
    host: settings.adminHost,
    port: settings.adminPort,
    self: settings.node,
    log,
    local: nodeAdmin({
      system: chat.system,
      root: chat.root,
      view: () => ({ version: 1, members: [me()] }),
      connections: async () => [],
      drain: async () => {
        const clients = chat.edge.clients() + (chat.mqtt?.clients() ?? 0);
        void stop('draining');
        return { node: settings.node, state: 'draining', shards: 0, clients };
      },
      clients: () => chat.edge.clients() + (chat.mqtt?.clients() ?? 0),
      transportStats: () => ({}),
      storeStats: () => ({}),
      startedAtMs: startedAt,
    }),
    peers: () => [{ node: settings.node, admin: adminAddress }],
    ownerOf: () => settings.node,
  }).catch((err: unknown) => {
    log.warn(
      { err: err instanceof Error ? err.message : String(err) },
      `admin API not started on ${settings.adminHost}:${settings.adminPort} (set PARLEY_ADMIN_PORT to another port): serving without it`,
    );
    return undefined;
  });
  if (admin !== undefined) adminAddress = `${settings.adminHost}:${admin.port}`;
  return {
    node: settings.node,
    port: chat.port,
    mqttPort: chat.mqtt?.port,
    adminPort: admin?.port ?? 0,
    stop,
    finished,
  };
}
