import process from 'node:process';
import { describe, expect, test } from 'vitest';
import { EdgeWebSocket } from './ws-socket.ts';

/**
 * An `EdgeWebSocket` as the server makes it, over a raw socket stand-in that
 * records corks and a sender stand-in that records writes.
 */
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
  // A null address is how `WebSocketServer` makes its sockets (the typings name only the client's).
  const ws = new EdgeWebSocket(null as unknown as string, undefined, {});
  Object.assign(ws, {
    _readyState: 1,
    _socket: raw,
    _sender: {
      send(data: unknown) {
        raw.written.push(String(data));
      },
      ping() {
        raw.written.push('<ping>');
      },
    },
  });
  return { raw, ws };
}

const tick = () => new Promise<void>((resolve) => process.nextTick(resolve));

describe('ws edge socket: outbound batching', () => {
  test('frames written in one turn leave in one uncork, after the turn', async () => {
    const { raw, ws: socket } = fakeWs();
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
    const { raw, ws: socket } = fakeWs();
    Object.assign(socket, { _readyState: 3 });
    socket.send('a');
    socket.ping();
    await tick();
    expect(raw.corks).toBe(0);
    expect(raw.written).toEqual([]);
  });
});
