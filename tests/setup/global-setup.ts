/**
 * Global test setup: installs the service binaries the test files start on
 * their own (nats-server, redis-server: each test file starts the instances
 * it needs with `tests/support/{nats,redis}-server.ts`), starts the services
 * shared by the whole run (Cassandra, on loopback), provides their addresses
 * to the tests (`inject('cassandra')`), and stops them afterwards (in reverse
 * order).
 *
 * Installing once here means parallel test files never wait on apt-get
 * mid-test. A binary or service that cannot be had fails the whole run with
 * its reason: there is no skip. To add a shared service, write
 * `tests/setup/<name>.ts`, add its key to `ProvidedContext` below and a
 * `Service` entry to `services`; a binary, an entry in `binaries`.
 */
import type { TestProject } from 'vitest/node';
import { ensureNatsServer } from '../support/nats-server.ts';
import { ensureRedisServer } from '../support/redis-server.ts';
import { startCassandra } from './cassandra.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Cassandra/ScyllaDB the store tests use. */
    cassandra: { contactPoint: string; localDataCenter: string };
  }
}

interface Service {
  readonly name: string;
  /** Starts the service, provides its address, returns how to stop it. */
  start(project: TestProject): Promise<() => Promise<void>>;
}

/** Binaries the tests start instances of; each resolves with its path, installing it if missing. */
const binaries: ReadonlyArray<{ readonly name: string; ensure(): Promise<string> }> = [
  { name: 'nats-server', ensure: ensureNatsServer },
  { name: 'redis-server', ensure: ensureRedisServer },
];

const services: readonly Service[] = [
  {
    name: 'cassandra',
    async start(project) {
      const startedMs = Date.now();
      const node = await startCassandra();
      project.provide('cassandra', {
        contactPoint: node.contactPoint,
        localDataCenter: node.localDataCenter,
      });
      console.log(
        `[global-setup] cassandra at ${node.contactPoint} (dc ${node.localDataCenter}) ready in ${((Date.now() - startedMs) / 1000).toFixed(1)} s`,
      );
      return () => node.stop();
    },
  },
];

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  for (const binary of binaries) {
    try {
      await binary.ensure();
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(
        `[global-setup] required test binary ${binary.name} is unavailable: ${reason}`,
        {
          cause: err,
        },
      );
    }
  }
  const stops: Array<() => Promise<void>> = [];
  const teardown = async () => {
    for (const stop of stops.reverse()) await stop().catch((err) => console.error(err));
  };
  for (const service of services) {
    try {
      stops.push(await service.start(project));
    } catch (err) {
      await teardown();
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(
        `[global-setup] required test service ${service.name} is unavailable: ${reason}`,
        {
          cause: err,
        },
      );
    }
  }
  return teardown;
}
