/**
 * Smoke test of the Cassandra that the global setup provides: it answers CQL.
 */
import { Client } from 'cassandra-driver';
import { expect, inject, test } from 'vitest';

test('the provided Cassandra answers SELECT release_version FROM system.local', async () => {
  const { contactPoint, localDataCenter } = inject('cassandra');
  const client = new Client({ contactPoints: [contactPoint], localDataCenter });
  try {
    const result = await client.execute('SELECT release_version FROM system.local');
    const version = result.first()?.get('release_version') as string | undefined;
    expect(version).toMatch(/^\d+\.\d+/);
    // Cassandra 5.0 reports its own version; an external ScyllaDB reports a 3.0-compatible one.
    if (!process.env.PARLEY_TEST_CASSANDRA) expect(version).toMatch(/^5\.0\./);
  } finally {
    await client.shutdown();
  }
});
