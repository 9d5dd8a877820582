import process from 'node:process';
import { describe, expect, test } from 'vitest';
import type { WebSocket } from 'ws';
import { DEFAULT_INBOUND_LIMITS, WsEdgeSocket } from './ws-socket.ts';

/** A `ws` stand-in over a raw socket that records corks and writes. */
function fakeWs() {
  const raw = {
    destroyed: false,
    corks: 0,
    uncorks: 0,
    written: [] as string[],
    flushed: [] as string[][],
    cork() {
      this.corks++;
    },
    uncork() {
      this.uncorks++;
      this.flushed.push(this.written.splice(0));
    },
  };
  const ws = {
    readyState: 1,
    bufferedAmount: 0,
    _socket: raw,
    send(text: string) {
      raw.written.push(text);
    },
    ping() {
      raw.written.push('<ping>');
    },
  };
  return { raw, ws: ws as unknown as WebSocket };
}

const tick = () => new Promise<void>((resolve) => process.nextTick(resolve));

describe('ws edge socket: outbound batching', () => {
  test('frames written in one turn leave in one uncork, after the turn', async () => {
    const { raw, ws } = fakeWs();
    const socket = new WsEdgeSocket(ws, DEFAULT_INBOUND_LIMITS);
    socket.send('a');
    socket.send('b');
    socket.ping();
    expect(raw.corks).toBe(1);
    expect(raw.uncorks).toBe(0);
    await tick();
    expect(raw.uncorks).toBe(1);
    expect(raw.flushed).toEqual([['a', 'b', '<ping>']]);
    socket.send('c');
    await tick();
    expect(raw.corks).toBe(2);
    expect(raw.flushed).toEqual([['a', 'b', '<ping>'], ['c']]);
  });

  test('writes nothing to a socket that is not open', async () => {
    const { raw, ws } = fakeWs();
    (ws as unknown as { readyState: number }).readyState = 3;
    const socket = new WsEdgeSocket(ws, DEFAULT_INBOUND_LIMITS);
    socket.send('a');
    await tick();
    expect(raw.corks).toBe(0);
    expect(raw.written).toEqual([]);
  });
});
