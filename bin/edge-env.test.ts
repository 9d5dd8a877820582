import { describe, expect, it } from 'vitest';
import { readEdgeSettings } from './edge-env.ts';

describe('readEdgeSettings', () => {
  it('defaults to the server defaults and metrics for loopback only', () => {
    expect(readEdgeSettings({})).toEqual({ serverLimits: {}, metricsPublic: false });
  });

  it('reads the per-address cap and opening /metrics', () => {
    expect(
      readEdgeSettings({ PARLEY_MAX_CONNS_PER_IP: '1000', PARLEY_METRICS_PUBLIC: '1' }),
    ).toEqual({
      serverLimits: { connectionsPerAddressMax: 1000 },
      metricsPublic: true,
    });
  });

  it('refuses a bad value naming the variable', () => {
    expect(() => readEdgeSettings({ PARLEY_MAX_CONNS_PER_IP: '0' })).toThrow(
      'PARLEY_MAX_CONNS_PER_IP must be a positive integer, got "0"',
    );
    expect(() => readEdgeSettings({ PARLEY_MAX_CONNS_PER_IP: '1e3' })).toThrow(
      'PARLEY_MAX_CONNS_PER_IP must be a positive integer, got "1e3"',
    );
    expect(() => readEdgeSettings({ PARLEY_METRICS_PUBLIC: 'yes' })).toThrow(
      'PARLEY_METRICS_PUBLIC must be 1, true, 0 or false, got "yes"',
    );
  });
});
