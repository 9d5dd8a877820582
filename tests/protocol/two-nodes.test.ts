/**
 * The protocol suite against two in-process nodes: one `InProcessNetwork`,
 * the same store, blob store and presence, user and group actors spread over
 * both by a hash of their key, each node serving its own port. The suite
 * connects senders and recipients to different nodes, so messages, receipts
 * and group fan-out cross between them.
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

const NODES = ['n1', 'n2'];

/** Owner of a virtual actor key: a stable string hash over the nodes. */
export function hashPlacement(nodes: readonly string[]): (key: string) => string {
  return (key) => {
    let hash = 0;
    for (let i = 0; i < key.length; i++) hash = (Math.imul(hash, 31) + key.charCodeAt(i)) | 0;
    return nodes[Math.abs(hash) % nodes.length]!;
  };
}

runProtocolSuite('protocol v1 against two in-process nodes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-two-nodes-'));
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
    secret: TEST_JWT_SECRET,
    token: tokensFor(TEST_JWT_SECRET),
    async close() {
      for (const n of nodes) await n.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
