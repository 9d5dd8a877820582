/**
 * Guards of the edge's HTTP surface against requests from where they should
 * not come: who may mint dev tokens, who may read `/metrics`, how many
 * connections one address may hold, and the headers that keep browsers from
 * framing or sniffing what we serve.
 *
 * - `localHostError`: the `Host` header must name this server by an address
 *   (the bound one, a loopback one, or any IP literal when bound to a
 *   wildcard or non-loopback address) or `localhost`, with the server's port.
 *   A hostname is refused: a DNS-rebinding page reaches us under its own
 *   name, and a reverse proxy under the public one.
 * - `originError`: an absent `Origin` passes (curl, the SDK); a present one
 *   must be same-origin (`http(s)://<the Host header>`); `null` is refused.
 * - `proxiedError`: a request relayed by a proxy (`Forwarded`,
 *   `X-Forwarded-For`, `X-Forwarded-Host`, `X-Real-IP`) is refused where
 *   only local callers are meant.
 * - `jsonBodyError`: `Content-Type` must be `application/json` (415): a
 *   `text/plain` POST is the one a foreign page can send without a preflight.
 * - `ConnectionCap`: at most `max` open TCP connections per remote address
 *   (HTTP and WebSocket alike, as both are TCP connections first).
 *
 * Every refusal is an `HttpError` whose message names the bad value.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { quote } from '../../runtime/index.ts';
import { HttpError } from './http.ts';

/** Every API (non-web-app) answer: nothing in it is meant to run or be framed. */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'; sandbox",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/** The web app: never framed (clickjacking), no plugins, no `<base>` rewriting. */
export const WEB_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "frame-ancestors 'none'; object-src 'none'; base-uri 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/** A loopback address as a socket reports it (`127.0.0.0/8`, `::1`, IPv4-mapped). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || (isIP(a) === 4 && a.startsWith('127.'));
}

/** A bind address or host name that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return h === 'localhost' || isLoopbackAddress(h);
}

/** Splits a Host header into host and port (`[::1]:8080`, `localhost:80`, `localhost`). */
function parseHost(value: string): { host: string; port: number | undefined } | undefined {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(value);
  if (m === null) return undefined;
  const host = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!;
  return { host: host.toLowerCase(), port: m[2] === undefined ? undefined : Number(m[2]) };
}

/**
 * Why the `Host` of `req` does not name this server for a local-only route,
 * or undefined when it does. `bindHost` is the address the server listens
 * on, `port` the port it got.
 */
export function localHostError(
  req: IncomingMessage,
  bindHost: string,
  port: number,
): HttpError | undefined {
  const raw = req.headers.host;
  const parsed = raw === undefined ? undefined : parseHost(raw);
  const portOk = parsed !== undefined && (parsed.port ?? 80) === port;
  const bound = bindHost.replace(/^\[|\]$/g, '').toLowerCase();
  const nameOk =
    parsed !== undefined &&
    (parsed.host === 'localhost' ||
      parsed.host === bound ||
      isLoopbackAddress(parsed.host) ||
      (!isLoopbackHost(bindHost) && isIP(parsed.host) !== 0));
  if (portOk && nameOk) return undefined;
  return new HttpError(
    403,
    'forbidden',
    `Host ${raw === undefined ? 'is missing' : quote(raw)}: this route answers only requests to this server by address or as localhost, port ${port}`,
  );
}

/** Why the `Origin` of `req` is foreign, or undefined when absent or same-origin. */
export function originError(req: IncomingMessage): HttpError | undefined {
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  const host = req.headers.host;
  if (host !== undefined && (origin === `http://${host}` || origin === `https://${host}`))
    return undefined;
  return new HttpError(
    403,
    'forbidden',
    `Origin ${quote(origin)} is not this server (${quote(host ?? '')}): cross-site requests are refused`,
  );
}

const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-real-ip'] as const;

/** Why `req` looks relayed by a proxy, or undefined. */
export function proxiedError(req: IncomingMessage): HttpError | undefined {
  const header = PROXY_HEADERS.find((h) => req.headers[h] !== undefined);
  if (header === undefined) return undefined;
  return new HttpError(
    403,
    'forbidden',
    `the request came through a proxy (header ${quote(header)}): this route answers local callers only`,
  );
}

/** 415 unless the body is declared `application/json` (parameters such as charset allowed). */
export function jsonBodyError(req: IncomingMessage): HttpError | undefined {
  const type = req.headers['content-type'];
  const media = type === undefined ? undefined : (type.split(';')[0] ?? '').trim().toLowerCase();
  if (media === 'application/json') return undefined;
  return new HttpError(
    415,
    'unsupported_media_type',
    `Content-Type must be application/json, got ${type === undefined ? 'none' : quote(type)}`,
  );
}

/** Open connections per remote address, bounded. */
export class ConnectionCap {
  private readonly open = new Map<string, number>();

  constructor(readonly max: number) {}

  /** Counts a new connection from `address`; false (nothing counted) when it already holds `max`. */
  acquire(address: string): boolean {
    const n = this.open.get(address) ?? 0;
    if (n >= this.max) return false;
    this.open.set(address, n + 1);
    return true;
  }

  release(address: string): void {
    const n = this.open.get(address) ?? 0;
    if (n <= 1) this.open.delete(address);
    else this.open.set(address, n - 1);
  }

  /** Connections `address` holds now. */
  count(address: string): number {
    return this.open.get(address) ?? 0;
  }
}
