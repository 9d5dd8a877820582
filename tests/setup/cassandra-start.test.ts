/**
 * Cassandra start-up end to end with a staged lost port: the native port
 * picked for the first attempt is taken before the JVM binds it (as by a
 * concurrent run), and the start must notice from Cassandra's own log, retry
 * on fresh ports outside the ephemeral range, and answer CQL from the node
 * it started. Two JVM starts: about a minute on a loaded 2-core machine.
 */
import { createServer, type Server } from 'node:net';
import { Client } from 'cassandra-driver';
import { afterAll, expect, test, vi } from 'vitest';
import { type OwnedCassandra, startOwnedCassandra } from './cassandra.ts';
import { ephemeralRange } from './free-port.ts';

let node: OwnedCassandra | undefined;
const blockers: Server[] = [];
afterAll(async () => {
  await node?.stop();
  for (const b of blockers) b.close();
});

test('a native port lost between pick and bind is detected and the start retried on fresh ports', async () => {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  const picked: Array<{ native: number; storage: number }> = [];
  node = await startOwnedCassandra({
    heap: '512m',
    async onPortsPicked(ports, attempt) {
      picked.push(ports);
      if (attempt !== 1) return;
      const blocker = createServer();
      await new Promise<void>((done) => blocker.listen(ports.native, '127.0.0.1', done));
      blockers.push(blocker);
    },
  });
  expect(picked).toHaveLength(2);
  const [first, second] = picked as [{ native: number }, { native: number; storage: number }];
  expect(node.contactPoint).toBe(`127.0.0.1:${second.native}`);
  expect(second.native).not.toBe(first.native);
  const [low, high] = ephemeralRange();
  for (const p of [second.native, second.storage, second.storage + 1])
    expect(p < low || p > high).toBe(true);
  expect(warn).toHaveBeenCalledWith(
    expect.stringMatching(
      new RegExp(
        `^\\[cassandra\\] started on attempt 2 \\(127\\.0\\.0\\.1:${second.native}\\) after:\\n  attempt 1 on native port ${first.native}, storage ports \\d+-\\d+: it could not bind a port: .*${first.native}`,
      ),
    ),
  );
  const client = new Client({
    contactPoints: [node.contactPoint],
    localDataCenter: node.localDataCenter,
  });
  try {
    const result = await client.execute('SELECT release_version FROM system.local');
    expect(String(result.first()?.get('release_version'))).toMatch(/^5\.0\./);
  } finally {
    await client.shutdown();
  }
}, 300_000);
