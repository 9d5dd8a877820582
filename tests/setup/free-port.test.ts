/**
 * Port picking outside the ephemeral range: the result is bindable, never in
 * the range, honours span, preferred and avoid, and a busy preferred port is
 * replaced.
 */
import { createServer, type Server } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { canListen, ephemeralRange, pickPort } from './free-port.ts';

const held: Server[] = [];
afterEach(() => {
  for (const s of held.splice(0)) s.close();
});

async function hold(port: number): Promise<void> {
  const server = createServer();
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', done);
  });
  held.push(server);
}

test('ephemeralRange reads the kernel range', () => {
  const [low, high] = ephemeralRange();
  expect(low).toBeGreaterThan(1023);
  expect(high).toBeGreaterThanOrEqual(low);
});

test('picks bindable ports outside the ephemeral range, spans included', async () => {
  const [low, high] = ephemeralRange();
  for (let i = 0; i < 30; i++) {
    const port = await pickPort({ span: 2 });
    for (const p of [port, port + 1]) {
      expect(p < low || p > high, `port ${p} in ${low}-${high}`).toBe(true);
      expect(await canListen(p)).toBe(true);
    }
  }
});

test('a free preferred port is taken; a busy one (or a busy second port of its span) is replaced', async () => {
  const free = await pickPort({ span: 2 });
  expect(await pickPort({ preferred: free, span: 2 })).toBe(free);
  await hold(free + 1);
  expect(await pickPort({ preferred: free })).toBe(free);
  const other = await pickPort({ preferred: free, span: 2 });
  expect(other).not.toBe(free);
});

test('never returns an avoided port', async () => {
  const first = await pickPort();
  const avoid = new Set([first]);
  for (let i = 0; i < 30; i++) avoid.add(await pickPort({ avoid }));
  expect(avoid.size).toBe(31);
});

test('canListen is false for a held port and for impossible ones', async () => {
  const port = await pickPort();
  await hold(port);
  expect(await canListen(port)).toBe(false);
  expect(await canListen(0)).toBe(false);
  expect(await canListen(70000)).toBe(false);
});
