/**
 * The simulated devices: one production `ParleyClient` per device, on the
 * run's virtual clock and a seeded random (its reconnect jitter), speaking
 * protocol v1 over simulated sockets. What each device sees on the wire
 * (raw frames, before the SDK's dedupe) and does is recorded as the run's
 * history, for the checkers.
 */
import type { Random } from '../../runtime/index.ts';
import type { VirtualClock } from '../../runtime/testing/index.ts';
import type { HistoryEvent, Scenario } from '../types.ts';
import { ParleyClient } from './deps.ts';
import type { SimWebSocket } from './sim-socket.ts';

export interface Device {
  readonly user: string;
  readonly device: string;
  readonly index: number;
  readonly client: ParleyClient;
  /** Ids sent so far by this device. */
  sent: number;
}

/** Identity carried in the simulated socket URL's token: `user:device`. */
export function tokenOf(user: string, device: string): string {
  return `${user}:${device}`;
}

export function identityOf(url: string): { node: string; user: string; device: string } {
  const m = /^ws:\/\/([^/.]+)\.sim\/ws\?token=([^:&]+)(?::|%3A)([^&]+)$/.exec(url);
  if (m === null) throw new Error(`simulated socket: bad url ${url}`);
  return { node: m[1]!, user: decodeURIComponent(m[2]!), device: decodeURIComponent(m[3]!) };
}

export interface DeviceEnv {
  readonly clock: VirtualClock;
  readonly random: Random;
  readonly t0: number;
  readonly scenario: Scenario;
  readonly urls: readonly string[];
  readonly WebSocket: new (url: string) => SimWebSocket;
  /** Reconnect jitter on (the SDK's) or off (every client waits the backoff's ceiling). */
  jitter: () => boolean;
}

export function makeDevice(env: DeviceEnv, user: string, device: string, index: number): Device {
  const { clock, random, scenario } = env;
  // Each device starts on a node of its own and moves on to the next one at each reconnect.
  const first = index % env.urls.length;
  const urls = [...env.urls.slice(first), ...env.urls.slice(0, first)];
  const r = scenario.clients.reconnect;
  let counter = 0;
  const client = new ParleyClient({
    url: urls,
    token: tokenOf(user, device),
    WebSocket: env.WebSocket as never,
    timers: {
      now: () => clock.now(),
      set: (fn, ms) => clock.setTimer(ms, fn),
      clear: (h) => {
        if (h !== undefined) clock.clearTimer(h as never);
      },
    },
    random: () => (env.jitter() ? random.next() : 0.999_999),
    newId: () => `${device}.${++counter}`,
    reconnect: { initialDelayMs: r.initialDelayMs, maxDelayMs: r.maxDelayMs },
    ackTimeoutMs: scenario.clients.ackTimeoutMs,
  });
  client.on('error', () => {});
  client.on('protocolError', () => {});
  return { user, device, index, client, sent: 0 };
}

/** Turns the raw frames a device received into history events. */
export function recordFrame(
  events: HistoryEvent[],
  t: number,
  user: string,
  device: string,
  node: string,
  text: string,
): void {
  let f: Record<string, any>;
  try {
    f = JSON.parse(text) as Record<string, any>;
  } catch {
    return;
  }
  switch (f.type) {
    case 'welcome':
      events.push({ k: 'connect', t, user, device, node });
      return;
    case 'message': {
      const conv =
        typeof f.group === 'string'
          ? `group:${f.group}`
          : f.from === user
            ? `user:${String(f.to)}`
            : `user:${String(f.from)}`;
      events.push({
        k: 'deliver',
        t,
        user,
        device,
        from: String(f.from),
        id: String(f.id),
        seq: Number(f.seq),
        conv,
      });
      return;
    }
    case 'ack':
      if (f.status === 'sent') events.push({ k: 'sent', t, user, device, id: String(f.id) });
      else if (f.status === 'delivered' || f.status === 'read')
        events.push({
          k: 'receipt',
          t,
          user,
          device,
          id: String(f.id),
          by: String(f.by),
          status: f.status,
          ...(typeof f.group === 'string' ? { group: f.group } : {}),
        });
      return;
    case 'error':
      if (typeof f.id === 'string' && f.code !== 'unavailable' && f.code !== 'rate_limited')
        events.push({ k: 'refused', t, user, device, id: f.id, code: String(f.code) });
      return;
  }
}
