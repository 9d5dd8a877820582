/**
 * The protocol suite over MQTT against two in-process nodes (as
 * `two-nodes.test.ts`: one `InProcessNetwork`, one store, blob store and
 * presence, actors spread by a hash of their key), each node serving its own
 * MQTT port: senders and recipients on different nodes, so messages,
 * receipts and group fan-out cross between them under MQTT clients.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { type ChatNode, startNode } from '../../actors/node.ts';
import { MemoryPresence } from '../../actors/presence/index.ts';
import { functionPlacement } from '../../actors/virtual/index.ts';
import { InProcessNetwork, systemClock } from '../../runtime/index.ts';
import { openFsBlobStore, openLmdbStore } from '../../store/index.ts';
import { TEST_JWT_SECRET } from '../support/server-process.ts';
import { runProtocolSuite } from './guarantees.ts';
import { tokensFor } from './harness.ts';
import { mqttJson } from './mqtt-transport.ts';

const NODES = ['m1', 'm2'];

/**
 * Owner of a virtual actor key: a stable string hash over the nodes, as in
 * `two-nodes.test.ts` (not imported: importing a test file registers its suite).
 */
function hashPlacement(nodes: readonly string[]): (key: string) => string {
  return (key) => {
    let hash = 0;
    for (let i = 0; i < key.length; i++) hash = (Math.imul(hash, 31) + key.charCodeAt(i)) | 0;
    return nodes[Math.abs(hash) % nodes.length]!;
  };
}

runProtocolSuite(
  'protocol v1 over MQTT against two in-process nodes',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parley-mqtt-two-nodes-'));
    const store = await openLmdbStore({ path: join(dir, 'lmdb') });
    const blobs = await openFsBlobStore({ dir: join(dir, 'media') });
    const presence = new MemoryPresence({ clock: systemClock });
    const network = new InProcessNetwork();
    const placement = functionPlacement(hashPlacement(NODES));
    const logger = pino({ level: 'warn' });
    const nodes: ChatNode[] = [];
    for (const name of NODES)
      nodes.push(
        await startNode({
          node: name,
          host: '127.0.0.1',
          port: 0,
          mqttPort: 0,
          dataDir: dir,
          jwtSecret: TEST_JWT_SECRET,
          devTokens: true,
          store,
          blobs,
          presence,
          transport: network.join(name),
          placement,
          logger,
        }),
      );
    return {
      urls: nodes.map((n) => `ws://127.0.0.1:${n.port}/ws`),
      httpUrls: nodes.map((n) => `http://127.0.0.1:${n.port}`),
      mqttUrls: nodes.map((n) => `mqtt://127.0.0.1:${n.mqtt!.port}`),
      secret: TEST_JWT_SECRET,
      token: tokensFor(TEST_JWT_SECRET),
      async close() {
        for (const n of nodes) await n.close();
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
  mqttJson,
);
