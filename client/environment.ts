/**
 * What the SDK needs from its host: a WebSocket, timers, randomness, ids.
 *
 * All injectable, so the same code runs in browsers (global `WebSocket`), in
 * Node (the `ws` package, imported only when needed and no global exists) and
 * in tests (fake timers, seeded random). The WebSocket shape is the WHATWG
 * one, which both the browser and `ws` implement.
 */

export interface WebSocketLike {
  readonly readyState: number;
  /** The subprotocol the server selected ('' for none). */
  readonly protocol?: string;
  /** Set to `arraybuffer` for binary frames (browsers default to Blob). */
  binaryType?: string;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: (event: unknown) => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(
    type: 'close',
    listener: (event: { code: number; reason: string }) => void,
  ): void;
  addEventListener(type: 'error', listener: (event: unknown) => void): void;
}

export type WebSocketConstructor = new (
  url: string,
  protocols?: string | string[],
) => WebSocketLike;

/** `readyState` of an open socket (the same in every implementation). */
export const WEBSOCKET_OPEN = 1;

export interface Timers {
  /** Milliseconds on any monotonic-enough scale; only differences are used. */
  now(): number;
  set(fn: () => void, delayMs: number): unknown;
  clear(handle: unknown): void;
}

export const systemTimers: Timers = {
  now: () => Date.now(),
  set: (fn, delayMs) => setTimeout(fn, delayMs),
  clear: (handle) => clearTimeout(handle as Parameters<typeof clearTimeout>[0]),
};

/** A random message id: a UUID where `crypto.randomUUID` exists, else 32 hex digits from `random`. */
export function randomId(random: () => number): string {
  const uuid = globalThis.crypto?.randomUUID;
  if (typeof uuid === 'function') return uuid.call(globalThis.crypto);
  let id = '';
  for (let i = 0; i < 32; i++) id += Math.floor(random() * 16).toString(16);
  return id;
}

/** The global WebSocket when there is one, else the `ws` package's. */
export async function defaultWebSocket(): Promise<WebSocketConstructor> {
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (global !== undefined) return global;
  // A variable specifier keeps browser bundlers from trying to resolve `ws`.
  const specifier = 'ws';
  const module = (await import(specifier)) as {
    WebSocket?: WebSocketConstructor;
    default?: WebSocketConstructor;
  };
  const found = module.WebSocket ?? module.default;
  if (found === undefined) throw new Error('no global WebSocket and the "ws" package has none');
  return found;
}
