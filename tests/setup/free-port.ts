/**
 * Loopback ports for test services, chosen outside the kernel's ephemeral
 * range (`/proc/sys/net/ipv4/ip_local_port_range`, 32768-60999 by default).
 *
 * Why not let the OS pick (port 0)? The OS picks from the ephemeral range,
 * the same ports outgoing connections use. After a load test has opened and
 * closed thousands of loopback connections, those ports sit in TIME_WAIT, and
 * Linux refuses to bind a listener on a port held by a TIME_WAIT socket that
 * was not itself opened with SO_REUSEADDR (a client's socket never is). A
 * service that needs port P and P+1 (Cassandra's storage and SSL storage
 * ports) then finds no pair at all. Below the ephemeral range no outgoing
 * connection ever takes a port, so only listeners compete for it.
 *
 * `pickPort` only checks that the ports can be bound *now*: a concurrent run
 * may take one before the service binds it, so callers retry a start that
 * failed to bind with a fresh pick.
 */
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The lowest port handed out: below it sit well-known services (8080, 9042, 4222, 6379...). */
const FLOOR = 10_000;
const ATTEMPTS = 50;

export interface PickOptions {
  /** How many consecutive ports must be free (P..P+span-1); default 1. */
  readonly span?: number;
  /** Try this port first (with its span). */
  readonly preferred?: number;
  /** Never return these ports (e.g. one that just failed to bind). */
  readonly avoid?: ReadonlySet<number>;
}

/** The kernel's ephemeral port range `[low, high]` (Linux; the IANA range elsewhere). */
export function ephemeralRange(): readonly [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (low !== undefined && high !== undefined && low > 0 && high >= low) return [low, high];
  } catch {}
  return [49152, 65535];
}

/** A port P (with P+1..P+span-1) bindable on 127.0.0.1 now, outside the ephemeral range. */
export async function pickPort(options: PickOptions = {}): Promise<number> {
  const span = options.span ?? 1;
  const avoid = options.avoid ?? new Set<number>();
  if (options.preferred !== undefined && (await spanFree(options.preferred, span)))
    return options.preferred;
  const [low, high] = ephemeralRange();
  // The part of 10000..65535 outside [low, high]: below it, then above it.
  const ranges = [
    [FLOOR, low - span],
    [high + 1, 65536 - span],
  ].filter(([a, b]) => a !== undefined && b !== undefined && b > a) as Array<[number, number]>;
  if (ranges.length === 0)
    throw new Error(
      `no ports outside the ephemeral range ${low}-${high} above ${FLOOR} (see /proc/sys/net/ipv4/ip_local_port_range)`,
    );
  const size = ranges.reduce((n, [a, b]) => n + (b - a), 0);
  const busy: number[] = [];
  for (let i = 0; i < ATTEMPTS; i++) {
    let k = randomInt(size);
    let port = 0;
    for (const [a, b] of ranges) {
      if (k < b - a) {
        port = a + k;
        break;
      }
      k -= b - a;
    }
    if (avoid.has(port)) continue;
    if (await spanFree(port, span)) return port;
    busy.push(port);
  }
  throw new Error(
    `found no ${span} free consecutive loopback port(s) outside the ephemeral range ${low}-${high} in ${ATTEMPTS} tries (busy: ${busy.slice(0, 10).join(', ')}...)`,
  );
}

async function spanFree(port: number, span: number): Promise<boolean> {
  for (let p = port; p < port + span; p++) if (!(await canListen(p))) return false;
  return true;
}

/** Whether a listener can bind 127.0.0.1:port right now. */
export function canListen(port: number): Promise<boolean> {
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return Promise.resolve(false);
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () =>
      server.close(() => done(true)),
    );
  });
}
