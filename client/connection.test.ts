import { describe, expect, it } from 'vitest';
import { Connection } from './connection.ts';
import type { Timers, WebSocketLike } from './environment.ts';

type Listener = (event: any) => void;

/** A socket the test opens and closes by hand. */
class FakeSocket implements WebSocketLike {
  static opened: FakeSocket[] = [];
  readyState = 0;
  private readonly listeners = new Map<string, Listener[]>();
  constructor(readonly url: string) {
    FakeSocket.opened.push(this);
  }
  send(): void {}
  close(): void {}
  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  emit(type: string, event: unknown): void {
    for (const l of this.listeners.get(type) ?? []) l(event);
  }
}

/** Timers that run at once when the test calls `runAll`. */
function manualTimers(): Timers & { runAll(): void } {
  let due: (() => void)[] = [];
  return {
    now: () => 0,
    set: (fn) => {
      due.push(fn);
      return fn;
    },
    clear: (handle) => {
      due = due.filter((f) => f !== handle);
    },
    runAll() {
      const run = due;
      due = [];
      for (const f of run) f();
    },
  };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('Connection over several urls', () => {
  it('moves on to the next url after every lost socket, and wraps around', async () => {
    FakeSocket.opened = [];
    const timers = manualTimers();
    const conn = new Connection(
      {
        url: ['ws://a/ws', 'ws://b/ws', 'ws://c/ws'],
        token: 't',
        WebSocket: FakeSocket,
        backoff: { initialDelayMs: 1, maxDelayMs: 1, factor: 1, attemptsMax: 10 },
        handshakeTimeoutMs: 1000,
        timers,
        random: () => 0,
      },
      { open() {}, data() {}, lost() {}, reconnecting() {} },
    );
    conn.start();
    for (let i = 0; i < 4; i++) {
      await settle();
      FakeSocket.opened.at(-1)!.emit('close', { code: 1013, reason: 'draining' });
      timers.runAll();
    }
    await settle();
    expect(FakeSocket.opened.map((s) => s.url)).toEqual([
      'ws://a/ws?token=t',
      'ws://b/ws?token=t',
      'ws://c/ws?token=t',
      'ws://a/ws?token=t',
      'ws://b/ws?token=t',
    ]);
    conn.close();
  });

  it('keeps one url when given a string', async () => {
    FakeSocket.opened = [];
    const timers = manualTimers();
    const conn = new Connection(
      {
        url: 'ws://only/ws',
        token: 't',
        WebSocket: FakeSocket,
        backoff: { initialDelayMs: 1, maxDelayMs: 1, factor: 1, attemptsMax: 10 },
        handshakeTimeoutMs: 1000,
        timers,
        random: () => 0,
      },
      { open() {}, data() {}, lost() {}, reconnecting() {} },
    );
    conn.start();
    await settle();
    FakeSocket.opened[0]!.emit('close', { code: 1006, reason: '' });
    timers.runAll();
    await settle();
    expect(FakeSocket.opened.map((s) => s.url)).toEqual([
      'ws://only/ws?token=t',
      'ws://only/ws?token=t',
    ]);
    conn.close();
  });
});
