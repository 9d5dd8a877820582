import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeBye, encodeData, KIND_BYE, KIND_DATA } from './nats-frame.ts';
import { ACCEPT, DOWN, GAP, Links, NEW_CREATION } from './nats-links.ts';

describe('Links', () => {
  it('numbers each receiver from 1 and renumbers every link in a new epoch after breakAll', () => {
    const l = new Links();
    expect([l.nextSeq('b'), l.nextSeq('b'), l.nextSeq('c')]).toEqual([1, 2, 1]);
    l.breakAll();
    expect(l.epoch).toBe(2);
    expect([l.nextSeq('b'), l.nextSeq('c')]).toEqual([1, 1]);
    l.restartTo('b');
    expect(l.nextSeq('b')).toBe(1);
  });

  it('accepts seq last+1 and reports a gap, a repeat, a new epoch and a new creation as DOWN', () => {
    const l = new Links();
    expect(l.accept('a', 7, 1, 1)).toBe(ACCEPT);
    expect(l.accept('a', 7, 1, 2)).toBe(ACCEPT);
    expect(l.accept('a', 7, 1, 5)).toBe(DOWN | GAP);
    expect(l.accept('a', 7, 1, 6)).toBe(ACCEPT);
    expect(l.accept('a', 7, 1, 6)).toBe(DOWN | GAP);
    expect(l.accept('a', 7, 2, 1)).toBe(DOWN);
    expect(l.accept('a', 8, 2, 1)).toBe(DOWN | NEW_CREATION);
    expect(l.accept('a', 8, 2, 2)).toBe(ACCEPT);
  });

  it('reports a first message that is not seq 1 as a gap: frames were lost before we heard of the sender', () => {
    const l = new Links();
    expect(l.accept('a', 7, 1, 3)).toBe(DOWN | GAP);
    expect(l.accept('a', 7, 1, 4)).toBe(ACCEPT);
  });

  it('after markAllFresh takes the next message of each sender as a baseline without another DOWN', () => {
    const l = new Links();
    l.accept('a', 7, 1, 1);
    l.accept('b', 9, 1, 1);
    l.markAllFresh();
    expect(l.accept('a', 7, 1, 40)).toBe(ACCEPT);
    expect(l.accept('b', 10, 1, 1)).toBe(NEW_CREATION);
    expect(l.accept('a', 7, 1, 42)).toBe(DOWN | GAP);
  });

  it('forgets a sender: its next message starts a new link', () => {
    const l = new Links();
    l.accept('a', 7, 1, 1);
    l.nextSeq('a');
    l.forget('a');
    expect(l.senders()).toEqual([]);
    expect(l.accept('a', 7, 1, 1)).toBe(ACCEPT);
    expect(l.nextSeq('a')).toBe(1);
  });
});

describe('link messages', () => {
  const node = new TextEncoder().encode('node-1');

  it('round-trip DATA with its header and frames, and BYE', () => {
    const frames = [new Uint8Array([1, 2]), new Uint8Array([]), new Uint8Array([3])];
    const data = encodeData({ node, creation: 0xffff_fffe, epoch: 3 }, 2 ** 40, frames, 3);
    expect(decodeMessage(data)).toEqual({
      kind: KIND_DATA,
      from: 'node-1',
      creation: 0xffff_fffe,
      epoch: 3,
      seq: 2 ** 40,
      frames,
    });
    expect(decodeMessage(encodeBye(node, 5))).toEqual({
      kind: KIND_BYE,
      from: 'node-1',
      creation: 5,
    });
  });

  it('refuses malformed messages with an error naming the problem', () => {
    const data = encodeData({ node, creation: 1, epoch: 1 }, 1, [new Uint8Array([1, 2, 3])], 3);
    expect(() => decodeMessage(data.subarray(0, data.length - 1))).toThrow(
      `malformed link message of ${data.length - 1} bytes: a frame of 3 bytes past the end`,
    );
    expect(() => decodeMessage(new Uint8Array([9, 0]))).toThrow(
      'malformed link message of 2 bytes: unknown kind 9',
    );
    expect(() => decodeMessage(new Uint8Array([1]))).toThrow(
      'malformed link message of 1 bytes: shorter than its header',
    );
  });
});
