/**
 * One chat node, composed: an actor system, the activator of virtual user
 * and group actors under a root supervisor, the store, presence, and the
 * HTTP/WebSocket edge, and the MQTT listener beside it when `mqttPort` is
 * given (`edge/mqtt/`). `bin/parley.ts` runs one with the embedded defaults;
 * tests run one (or several sharing a network) in-process.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ActorSystem, type Ref, type SupervisorMsg, type Transport } from '../runtime/index.ts';
import { type BlobStore, openFsBlobStore, openLmdbStore, type Store } from '../store/index.ts';
import { type ChatCore, composeChat } from './chat/compose.ts';
import type { ChatConfig } from './chat/env.ts';
import {
  type Availability,
  EdgeLoad,
  type EdgeServer,
  instrumentStore,
  Metrics,
  resolveServerLimits,
  type ServerLimits,
  startEdgeServer,
} from './edge/index.ts';
import { type MqttServer, startMqttServer } from './edge/mqtt/index.ts';
import { MemoryPresence, type Presence } from './presence/index.ts';
import { generateSecret, hs256Verifier } from './protocol/index.ts';
import {
  createPushService,
  type Fetch,
  type PushConfig,
  type PushService,
  type VapidKeys,
  type WebhookSettings,
} from './push/index.ts';
import { type Placement, staticPlacement } from './virtual/index.ts';

export interface NodeOptions {
  /** Node name; default `local` (or the transport's). */
  readonly node?: string;
  readonly host?: string;
  /** 0 picks a free port. Default 8080. */
  readonly port?: number;
  /** MQTT listener port (docs/mqtt.md); 0 picks a free port; absent: no MQTT listener. */
  readonly mqttPort?: number;
  /** Where LMDB and media live when no store/blobs are given. Default `./data`. */
  readonly dataDir?: string;
  /** HS256 secret; when absent a random one is made and only dev tokens work. */
  readonly jwtSecret?: string;
  /** Serve `POST /api/v1/dev/tokens`. Default: on when bound to loopback. */
  readonly devTokens?: boolean;
  readonly webRoot?: string;
  readonly store?: Store;
  readonly blobs?: BlobStore;
  readonly presence?: Presence;
  readonly transport?: Transport;
  /** Which node owns a virtual actor key; default: this node owns all. */
  readonly placement?: Placement;
  readonly chat?: Partial<ChatConfig>;
  readonly logger?: Logger;
  /** This start's incarnation (Erlang's `creation`); default: the runtime's. */
  readonly creation?: number;
  /** Whether the edge takes clients now, and what `/healthz` adds; default always. */
  readonly availability?: () => Availability;
  /** Bounds of the HTTP/WebSocket server (connections per address, timeouts, ...). */
  readonly serverLimits?: Partial<ServerLimits>;
  /** Serve `/metrics` to any caller, not only loopback ones. Default false. */
  readonly metricsPublic?: boolean;
  /**
   * A node composed already (a cluster member, `actors/member`): its system
   * and chat are served as they are; `store` is the one its actors use and
   * `metrics` the one that store reports to. `transport`, `placement`,
   * `node`, `creation` and `chat` are then not used.
   */
  readonly core?: NodeCore;
  /** Push notifications for offline users (`docs/push.md`); none: no pushes. Not used with `core` (give `core.push`). */
  readonly push?: NodePushOptions;
}

export interface NodePushOptions {
  readonly vapid: VapidKeys;
  /** The relay of native pushes; none: webhook subscriptions are refused. */
  readonly webhook?: WebhookSettings;
  readonly config?: Partial<PushConfig>;
  /** The senders' HTTP client; default the global `fetch`. */
  readonly fetch?: Fetch;
}

export interface NodeCore {
  readonly system: ActorSystem;
  readonly chat: ChatCore;
  readonly metrics: Metrics;
  readonly store: Store;
  /** The push service whose notifier `chat` was composed with. */
  readonly push?: PushService;
}

export interface ChatNode {
  readonly system: ActorSystem;
  readonly port: number;
  readonly store: Store;
  readonly jwtSecret: string;
  readonly root: Ref<SupervisorMsg>;
  readonly edge: EdgeServer;
  /** The MQTT listener, when `mqttPort` was given. */
  readonly mqtt: MqttServer | undefined;
  readonly presence: Presence;
  readonly metrics: Metrics;
  readonly push: PushService | undefined;
  close(): Promise<void>;
}

export async function startNode(options: NodeOptions = {}): Promise<ChatNode> {
  const host = options.host ?? '127.0.0.1';
  const dataDir = options.dataDir ?? './data';
  const core = options.core;
  const system =
    core?.system ??
    new ActorSystem({
      ...(options.node !== undefined ? { node: options.node } : {}),
      ...(options.transport !== undefined ? { transport: options.transport } : {}),
      ...(options.logger !== undefined ? { logger: options.logger } : {}),
      ...(options.creation !== undefined ? { creation: options.creation } : {}),
    });
  const ownsStore = options.store === undefined;
  if (ownsStore || options.blobs === undefined) mkdirSync(dataDir, { recursive: true });
  const rawStore =
    options.store ?? (await openLmdbStore({ path: join(dataDir, 'lmdb'), clock: system.clock }));
  const blobs = options.blobs ?? (await openFsBlobStore({ dir: join(dataDir, 'media') }));
  const metrics = core?.metrics ?? new Metrics({ system });
  const store = core?.store ?? instrumentStore(rawStore, metrics);
  const presence = options.presence ?? new MemoryPresence({ clock: system.clock });
  const jwtSecret = options.jwtSecret ?? generateSecret();
  if (options.jwtSecret === undefined) {
    system.log.warn(
      'PARLEY_JWT_SECRET is not set: using a random secret, so only dev tokens from this node work',
    );
  }
  const push =
    core !== undefined
      ? core.push
      : options.push === undefined
        ? undefined
        : createPushService({
            store,
            clock: system.clock,
            random: system.random,
            log: system.log,
            counters: metrics,
            ...options.push,
          });
  const placement = options.placement ?? staticPlacement(system.node);
  const chat =
    core?.chat ??
    composeChat({
      system,
      store,
      wakeStore: rawStore,
      placement,
      ...(options.chat !== undefined ? { config: options.chat } : {}),
      ...(push !== undefined ? { push: push.notifier } : {}),
    });
  const { directory, root } = chat;
  const devTokens =
    options.devTokens ?? (host === '127.0.0.1' || host === 'localhost' || host === '::1');
  let edge: EdgeServer | undefined;
  let mqtt: MqttServer | undefined;
  const verifier = hs256Verifier(jwtSecret, { clock: system.clock });
  try {
    // One bound on the node's messages in flight, whichever listener its clients came by.
    const load = new EdgeLoad(resolveServerLimits(options.serverLimits).nodeMessagesInFlightMax);
    edge = await startEdgeServer({
      system,
      directory,
      presence,
      store,
      blobs,
      verifier,
      load,
      jwtSecret,
      devTokens,
      metrics,
      ...(push !== undefined ? { push } : {}),
      ...(options.webRoot !== undefined ? { webRoot: options.webRoot } : {}),
      host,
      port: options.port ?? 8080,
      ...(options.availability !== undefined ? { availability: options.availability } : {}),
      ...(options.serverLimits !== undefined ? { limits: options.serverLimits } : {}),
      ...(options.metricsPublic !== undefined ? { metricsPublic: options.metricsPublic } : {}),
    });
    if (options.mqttPort !== undefined)
      mqtt = await startMqttServer({
        system,
        directory,
        presence,
        verifier,
        load,
        metrics,
        host,
        port: options.mqttPort,
        ...(options.availability !== undefined ? { availability: options.availability } : {}),
        ...(options.serverLimits !== undefined ? { limits: options.serverLimits } : {}),
      });
  } catch (err) {
    await edge?.close();
    chat.stop();
    push?.close();
    await system.shutdown();
    if (ownsStore) await rawStore.close();
    throw err;
  }
  system.log.info(
    { host, port: edge.port, mqttPort: mqtt?.port, node: system.node, devTokens },
    'parley node serving',
  );
  const served = edge;
  return {
    system,
    port: edge.port,
    store,
    jwtSecret,
    root,
    edge,
    mqtt,
    presence,
    metrics,
    push,
    async close() {
      chat.stop();
      push?.close();
      await Promise.all([served.close(), mqtt?.close()]);
      await system.shutdown();
      if (ownsStore) await rawStore.close();
    },
  };
}
