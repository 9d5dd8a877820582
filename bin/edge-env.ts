/**
 * The edge's hardening settings from the environment, for the composition
 * roots (`bin/`): pure, refusing a bad value with one line naming it.
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | `PARLEY_MAX_CONNS_PER_IP` | `256` | open TCP connections (HTTP and WebSocket) per remote address; 503 past it |
 * | `PARLEY_METRICS_PUBLIC` | `0` | `1`: serve `/metrics` to any caller (default: loopback callers naming a local Host) |
 */
import type { ServerLimits } from '../actors/edge/index.ts';

export interface EdgeSettings {
  readonly serverLimits: Partial<ServerLimits>;
  readonly metricsPublic: boolean;
}

/** A bad hardening variable: its message is the operator's one line. */
export class EdgeEnvError extends Error {
  override readonly name = 'EdgeEnvError';
  readonly code = 'invalid_argument';
}

export function readEdgeSettings(env: Readonly<Record<string, string | undefined>>): EdgeSettings {
  const serverLimits: { connectionsPerAddressMax?: number } = {};
  const conns = env.PARLEY_MAX_CONNS_PER_IP;
  if (conns !== undefined && conns !== '') {
    const n = Number(conns);
    if (!/^\d+$/.test(conns) || !Number.isSafeInteger(n) || n < 1)
      throw new EdgeEnvError(
        `PARLEY_MAX_CONNS_PER_IP must be a positive integer, got ${JSON.stringify(conns)}`,
      );
    serverLimits.connectionsPerAddressMax = n;
  }
  const open = env.PARLEY_METRICS_PUBLIC;
  if (open !== undefined && !['', '0', '1', 'true', 'false'].includes(open))
    throw new EdgeEnvError(
      `PARLEY_METRICS_PUBLIC must be 1, true, 0 or false, got ${JSON.stringify(open)}`,
    );
  return { serverLimits, metricsPublic: open === '1' || open === 'true' };
}
