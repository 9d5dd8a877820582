import { describe, expect, it } from 'vitest';
import { readServerFrame } from './read-frame.ts';

describe('readServerFrame', () => {
  it('reads well-formed frames and skips unknown types', () => {
    const welcome = { type: 'welcome', user: 'a', device: 'd', ts: 1 };
    expect(readServerFrame(JSON.stringify(welcome))).toEqual({ ok: true, frame: welcome });
    expect(readServerFrame('{"type":"future.thing"}')).toEqual({ ok: true, frame: undefined });
  });

  it('reports frames that lack what the SDK relies on', () => {
    expect(readServerFrame('{"type":"message","id":"m"}')).toEqual({
      ok: false,
      reason: 'malformed message frame: {"type":"message","id":"m"}',
    });
    expect(readServerFrame('{"type":"ack","id":"m","status":"read","ts":1}')).toMatchObject({
      ok: false,
    });
    expect(readServerFrame('[]')).toEqual({ ok: false, reason: 'not an object with a type: []' });
    expect(readServerFrame(new Uint8Array(1))).toEqual({
      ok: false,
      reason: 'a binary frame; this connection uses JSON text frames',
    });
  });
});
