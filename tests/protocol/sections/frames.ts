/**
 * PROTOCOL.md "Frames" and guarantee 7 (bad input is answered, never
 * fatal): one frame per WebSocket frame (JSON text, or MessagePack binary
 * on `parley.v1.msgpack`: `transports.ts`); `too_large` over 64 KiB with the
 * connection kept; `bad_frame` and `unknown_type` with the connection still
 * usable; unknown fields ignored; `ping` → `pong` with `ts`; the rate limit's
 * room for ordinary use and its `rate_limited` answer.
 */
import { describe, expect, it } from 'vitest';
import type { WsClient } from '../../support/ws-client.ts';
import { type Harness, isType, type ProtocolClient, text } from '../harness.ts';

const KIB_64 = 64 * 1024;

/** The connection still works: a ping is answered. */
async function stillUsable(c: ProtocolClient): Promise<void> {
  await c.barrier();
  expect(c.isOpen).toBe(true);
}

export function framesTests(h: Harness): void {
  describe('frames', () => {
    const paddedPing = (bytes: number) => h.transport.wire.paddedPing(bytes);
    const byteLength = (payload: string | Uint8Array) =>
      typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
    it('answers ping with pong carrying the server time', async () => {
      const c = await h.connect(h.uid('alice'));
      const from = c.mark();
      const before = Date.now();
      c.send({ type: 'ping' });
      const pong = await c.waitFor(isType('pong'), 5000, from);
      expect(pong.ts).toEqual(expect.any(Number));
      expect(Math.abs((pong.ts as number) - before)).toBeLessThan(5000);
    });

    it('refuses a frame over 64 KiB with too_large and keeps the connection', async () => {
      const c = await h.connect(h.uid('alice'));
      const from = c.mark();
      c.sendRaw(paddedPing(KIB_64 + 1));
      const error = await c.waitFor(isType('error'), 5000, from);
      expect(error).toMatchObject({ code: 'too_large', message: expect.any(String) });
      expect(c.all('pong')).toEqual([]);
      await stillUsable(c);
    });

    it('does not store or deliver a message frame over 64 KiB', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const a = await h.connect(alice);
      const b = await h.connect(bob, { node: 1 });
      const big = { type: 'message', id: 'big', to: bob, content: text('é'.repeat(33_000)) };
      expect(Buffer.byteLength(JSON.stringify(big))).toBeGreaterThan(KIB_64);
      a.send(big);
      expect(await a.waitFor(isType('error'))).toMatchObject({ code: 'too_large' });
      await h.send(a, { to: bob }, 'after');
      const [first] = await h.messages(b, 1);
      expect(first).toMatchObject({ id: 'after' });
      expect(a.all('ack', (f) => f.id === 'big')).toEqual([]);
    });

    it('accepts a frame of exactly 64 KiB', async () => {
      const c = await h.connect(h.uid('alice'));
      const frame = paddedPing(KIB_64);
      expect(byteLength(frame)).toBe(KIB_64);
      const from = c.mark();
      c.sendRaw(frame);
      await c.waitFor(isType('pong'), 5000, from);
      expect(c.all('error')).toEqual([]);
    });

    it.each(h.transport.wire.malformed.map(([name, payload]) => [name, payload] as const))(
      'answers %s with bad_frame and stays usable',
      async (_, frame) => {
        const c = await h.connect(h.uid('alice'));
        const from = c.mark();
        c.sendRaw(frame);
        expect(await c.waitFor(isType('error'), 5000, from)).toMatchObject({
          code: 'bad_frame',
          message: expect.any(String),
        });
        await stillUsable(c);
      },
    );

    it('answers an unknown type with unknown_type, echoing ref, and stays usable', async () => {
      const c = await h.connect(h.uid('alice'));
      const from = c.mark();
      c.send({ type: 'frobnicate', ref: 'x1' });
      expect(await c.waitFor(isType('error'), 5000, from)).toMatchObject({
        code: 'unknown_type',
        ref: 'x1',
      });
      await stillUsable(c);
    });

    it('answers missing fields and wrong types with bad_frame, echoing id and ref, and stays usable', async () => {
      const bob = h.uid('bob');
      const c = await h.connect(h.uid('alice'));
      const bad: Record<string, unknown>[] = [
        { type: 'message', to: bob, content: text('no id') },
        { type: 'message', id: '', to: bob, content: text('empty id') },
        { type: 'message', id: 'x'.repeat(65), to: bob, content: text('long id') },
        { type: 'message', id: 'b1', content: text('no target') },
        { type: 'message', id: 'b2', to: 42, content: text('numeric to') },
        { type: 'message', id: 'b3', to: 'bad user', content: text('bad to') },
        { type: 'message', id: 'b4', to: bob, group: 'g', content: text('both') },
        { type: 'message', id: 'b5', to: bob },
        { type: 'message', id: 'b6', to: bob, content: 'just a string' },
        { type: 'message', id: 'b7', to: bob, content: { type: 'sticker', body: 'x' } },
        { type: 'message', id: 'b8', to: bob, content: { type: 'text' } },
        { type: 'message', id: 'b9', to: bob, content: { type: 'text', body: 7 } },
        { type: 'message', id: 'b10', to: bob, content: { type: 'image' } },
        { type: 'ack', id: 'm1', from: bob, status: 'seen' },
        { type: 'ack', id: 'm1', status: 'read' },
        { type: 'typing', to: bob, status: 'paused' },
        { type: 'typing', status: 'started' },
        { type: 'presence.subscribe', users: 'bob' },
        { type: 'presence.subscribe', users: ['not a user id'] },
        { type: 'settings', lastSeen: 'friends' },
        { type: 'history', ref: 'h1' },
        { type: 'history', with: bob, limit: 0, ref: 'h2' },
        { type: 'history', with: bob, limit: 201, ref: 'h3' },
        { type: 'history', with: bob, limit: 2.5, ref: 'h4' },
        { type: 'history', with: bob, limit: '10', ref: 'h5' },
        { type: 'group.create', name: 'no ref', members: [] },
        { type: 'group.create', ref: 'g1', members: [] },
        { type: 'group.create', ref: 'g2', name: 'n', members: 'all' },
        { type: 'group.add', ref: 'g3', group: 'g', members: [] },
        { type: 'group.remove', ref: 'g4', members: [bob] },
        { type: 'group.leave', ref: 'g5' },
      ];
      for (const frame of bad) {
        const from = c.mark();
        c.send(frame);
        const error = await c.waitFor(isType('error'), 5000, from);
        expect(error, JSON.stringify(frame)).toMatchObject({
          code: 'bad_frame',
          message: expect.any(String),
        });
        const id = frame.id;
        if (typeof id === 'string' && id.length >= 1 && id.length <= 64) expect(error.id).toBe(id);
        if (typeof frame.ref === 'string') expect(error.ref).toBe(frame.ref);
      }
      await stillUsable(c);
      expect(c.all('ack')).toEqual([]);
    });

    it('ignores unknown fields, and relays none of them', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const a = await h.connect(alice);
      const b = await h.connect(bob, { node: 1 });
      const from = a.mark();
      a.send({ type: 'ping', colour: 'blue', nested: { deep: [1, 2] } });
      await a.waitFor(isType('pong'), 5000, from);
      a.send({
        type: 'message',
        id: 'm1',
        to: bob,
        content: { type: 'text', body: 'hi', font: 'serif' },
        priority: 'high',
        seq: 99,
      });
      await a.waitFor(isType('ack', { id: 'm1', status: 'sent' }));
      const [m] = await h.messages(b, 1);
      expect(m).toEqual({
        type: 'message',
        id: 'm1',
        from: alice,
        to: bob,
        seq: expect.any(Number),
        ts: expect.any(Number),
        content: { type: 'text', body: 'hi' },
      });
      expect(m!.seq).not.toBe(99);
      expect(a.all('error')).toEqual([]);
    });

    it('lets a connection send a burst of 200 frames, then 100 a second, without rate_limited', async () => {
      const c = await h.connect(h.uid('alice'));
      let from = c.mark();
      for (let i = 0; i < 200; i++) c.send({ type: 'ping', ref: `p${i}` });
      await c.waitForCount(isType('pong'), 200, 10_000, from);
      // A second later the rate has refilled 100 frames: the guarantee is about time.
      await new Promise((r) => setTimeout(r, 1050));
      from = c.mark();
      for (let i = 0; i < 100; i++) c.send({ type: 'ping', ref: `q${i}` });
      await c.waitForCount(isType('pong'), 100, 10_000, from);
      expect(c.all('error')).toEqual([]);
    });

    it('answers frames past the rate limit with rate_limited and keeps the connection', async () => {
      const c = await h.connect(h.uid('alice'));
      const from = c.mark();
      for (let i = 0; i < 700; i++) c.send({ type: 'ping', ref: `p${i}` });
      const limited = await c.waitFor(isType('error', { code: 'rate_limited' }), 10_000, from);
      expect(limited.message).toEqual(expect.any(String));
      await c.waitFor((f) => f.ref === 'p699', 10_000, from);
      // Refilled after a moment: ping until one is answered with pong again.
      for (let attempt = 0; ; attempt++) {
        const at = c.mark();
        c.send({ type: 'ping', ref: `again${attempt}` });
        const answer = await c.waitFor((f) => f.ref === `again${attempt}`, 5000, at);
        if (answer.type === 'pong') break;
        expect(answer).toMatchObject({ type: 'error', code: 'rate_limited' });
        expect(attempt).toBeLessThan(50);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(c.isOpen).toBe(true);
    });

    if (h.transport.websocket) webSocketFrameTests(h);
  });
}

/** WebSocket only: the close code past the ceiling, and which kind of frame each wire uses. */
function webSocketFrameTests(h: Harness): void {
  const asWs = (c: ProtocolClient) => c as WsClient;
  const msgpack = h.transport.wire.encoding === 'msgpack';

  it('closes with 1009 on a frame over the 1 MiB ceiling [ours]', async () => {
    const c = await h.connect(h.uid('alice'));
    c.sendRaw(h.transport.wire.paddedPing(1024 * 1024 + 10));
    expect((await c.closed).code).toBe(1009);
  });

  if (!msgpack)
    it('refuses a binary frame with bad_frame, even one holding a valid JSON frame [ours]', async () => {
      const c = await h.connect(h.uid('alice'));
      const from = c.mark();
      asWs(c).sendBinary(Buffer.from('{"type":"ping","ref":"bin"}'));
      const answer = await c.waitFor((f) => f.type === 'error' || f.type === 'pong', 5000, from);
      expect(answer).toMatchObject({ type: 'error', code: 'bad_frame' });
      await stillUsable(c);
    });
  else
    it('refuses a text frame with bad_frame on parley.v1.msgpack, even one holding a valid JSON frame [ours]', async () => {
      const c = await h.connect(h.uid('alice'));
      const from = c.mark();
      asWs(c).sendText('{"type":"ping","ref":"text"}');
      const answer = await c.waitFor((f) => f.type === 'error' || f.type === 'pong', 5000, from);
      expect(answer).toMatchObject({ type: 'error', code: 'bad_frame' });
      await stillUsable(c);
    });

  it(`sends only ${msgpack ? 'binary MessagePack' : 'text'} frames`, async () => {
    const c = await h.connect(h.uid('alice'));
    await c.barrier();
    expect(c.strayFrames).toEqual([]);
    expect(c.all('<unparsed>')).toEqual([]);
  });
}
