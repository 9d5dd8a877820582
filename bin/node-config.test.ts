import { describe, expect, it } from 'vitest';
import { ConfigError, readNodeSettings } from './node-config.ts';

const cluster = {
  PARLEY_NATS_URL: 'nats://127.0.0.1:4222',
  PARLEY_REDIS_URL: 'redis://127.0.0.1:6379',
  PARLEY_CASSANDRA: '127.0.0.1:9042',
  PARLEY_JWT_SECRET: 'shared-secret-of-the-cluster',
};

function fails(env: Record<string, string>): string {
  try {
    readNodeSettings(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('readNodeSettings', () => {
  it('reads PARLEY_MQTT_PORT: unset or empty is no MQTT listener, 0 any free port, else the port', () => {
    expect(readNodeSettings({}).mqttPort).toBeUndefined();
    expect(readNodeSettings({ PARLEY_MQTT_PORT: '' }).mqttPort).toBeUndefined();
    expect(readNodeSettings({ PARLEY_MQTT_PORT: '0' }).mqttPort).toBe(0);
    expect(readNodeSettings({ PARLEY_MQTT_PORT: '1883' }).mqttPort).toBe(1883);
    expect(fails({ PARLEY_MQTT_PORT: '70000' })).toBe(
      'PARLEY_MQTT_PORT must be an integer 0..65535, got "70000"',
    );
    expect(fails({ PARLEY_MQTT_PORT: 'mqtt' })).toContain('PARLEY_MQTT_PORT');
  });

  it('gives the single node on embedded defaults when no cluster variable is set', () => {
    const s = readNodeSettings({});
    expect(s).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      dataDir: './data',
      node: 'local',
      adminHost: '127.0.0.1',
      adminPort: 7070,
      cluster: undefined,
      jwtSecret: undefined,
      devTokens: undefined,
    });
  });

  it('joins a cluster when NATS, Redis and Cassandra are all set', () => {
    const s = readNodeSettings({ ...cluster, PORT: '8081', PARLEY_NODE_ID: 'n1' });
    expect(s.node).toBe('n1');
    expect(s.cluster).toEqual({
      natsServers: ['nats://127.0.0.1:4222'],
      redisUrl: 'redis://127.0.0.1:6379',
      cassandraContactPoints: ['127.0.0.1:9042'],
      cassandraDataCenter: 'datacenter1',
      cassandraKeyspace: 'parley',
      downAfterMs: 2000,
    });
  });

  it('names the node after its port in a cluster when PARLEY_NODE_ID is unset', () => {
    expect(readNodeSettings({ ...cluster, PORT: '9001' }).node).toBe('node-9001');
  });

  it('refuses a partial cluster setting, naming what is missing', () => {
    expect(fails({ PARLEY_NATS_URL: 'nats://127.0.0.1:4222' })).toBe(
      'a cluster node needs PARLEY_NATS_URL, PARLEY_REDIS_URL, PARLEY_CASSANDRA; PARLEY_NATS_URL set but PARLEY_REDIS_URL, PARLEY_CASSANDRA missing',
    );
  });

  it('requires a shared JWT secret in a cluster', () => {
    const { PARLEY_JWT_SECRET: _, ...rest } = cluster;
    expect(fails(rest)).toMatch(/^PARLEY_JWT_SECRET must be set on every node of a cluster/);
  });

  it('refuses bad values, quoting them', () => {
    expect(fails({ PORT: '80a' })).toBe('PORT must be an integer 0..65535, got "80a"');
    expect(fails({ PORT: '70000' })).toBe('PORT must be an integer 0..65535, got "70000"');
    expect(fails({ PARLEY_ADMIN_PORT: '-1' })).toBe(
      'PARLEY_ADMIN_PORT must be an integer 0..65535, got "-1"',
    );
    expect(fails({ PARLEY_NODE_ID: 'a.b' })).toBe(
      'PARLEY_NODE_ID must be 1..64 characters of [A-Za-z0-9_-], got "a.b"',
    );
    expect(fails({ PARLEY_DEV_TOKENS: 'yes' })).toBe(
      'PARLEY_DEV_TOKENS must be 1, true, 0 or false, got "yes"',
    );
    expect(fails({ ...cluster, PARLEY_REDIS_URL: 'localhost:6379' })).toBe(
      'PARLEY_REDIS_URL must be redis://host:port, got "localhost:6379"',
    );
    expect(fails({ ...cluster, PARLEY_NATS_URL: 'http://x' })).toBe(
      'PARLEY_NATS_URL must be nats://host:port (comma-separated for several), got "http://x"',
    );
    expect(fails({ ...cluster, PARLEY_CASSANDRA_KEYSPACE: 'Bad-Name' })).toBe(
      'PARLEY_CASSANDRA_KEYSPACE must be a lowercase identifier, got "Bad-Name"',
    );
    expect(fails({ ...cluster, PARLEY_DOWN_AFTER_MS: '10' })).toBe(
      'PARLEY_DOWN_AFTER_MS must be an integer 300..60000, got "10"',
    );
  });

  it('reads several NATS servers and contact points', () => {
    const s = readNodeSettings({
      ...cluster,
      PARLEY_NATS_URL: 'nats://127.0.0.1:4222, nats://127.0.0.1:4223',
      PARLEY_CASSANDRA: '127.0.0.1:9042,127.0.0.2:9042',
    });
    expect(s.cluster?.natsServers).toEqual(['nats://127.0.0.1:4222', 'nats://127.0.0.1:4223']);
    expect(s.cluster?.cassandraContactPoints).toEqual(['127.0.0.1:9042', '127.0.0.2:9042']);
  });
});
