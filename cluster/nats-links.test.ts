import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  encodeBye,
  encodeData,
  encodeReset,
  KIND_BYE,
  KIND_DATA,
  KIND_RESET,
} from './nats-frame.ts';
import { ACCEPT, DISCARD, DOWN, GAP, Links, NEW_CREATION, RESET_PEER } from './nats-links.ts';

describe('Links', () => {
  const BROKEN = DOWN | GAP | RESET_PEER | DISCARD;

  it('numbers each receiver from 1 and renumbers every link in a new epoch after breakAll', () => {
    const l = new Links();
    expect([l.nextSeq('b'), l.nextSeq('b'), l.nextSeq('c')]).toEqual([1, 2, 1]);
    expect([l.epochTo('b'), l.epochTo('c'), l.epochTo('d')]).toEqual([1, 1, undefined]);
    l.breakAll();
    expect(l.epoch).toBe(2);
    expect([l.nextSeq('b'), l.nextSeq('c')]).toEqual([1, 1]);
    expect(l.epochTo('b')).toBe(2);
    l.restartTo('b');
    expect(l.nextSeq('b')).toBe(1);
  });

  it('on a RESET of its current epoch towards a node starts a new epoch for that link only', () => {
    const l = new Links();
    l.nextSeq('b');
    l.nextSeq('b');
    l.nextSeq('c');
    expect(l.onReset('b', 1)).toBe(true);
    expect(l.epochTo('b')).toBe(2);
    expect(l.nextSeq('b')).toBe(1);
    expect([l.epochTo('c'), l.nextSeq('c')]).toEqual([1, 2]);
  });

  it('ignores a stale RESET (an older epoch, or a link it does not hold)', () => {
    const l = new Links();
    l.nextSeq('b');
    expect(l.onReset('b', 1)).toBe(true);
    l.nextSeq('b');
    // The receiver sent the RESET again while our old epoch's frames kept coming.
    expect(l.onReset('b', 1)).toBe(false);
    expect([l.epochTo('b'), l.nextSeq('b')]).toEqual([2, 2]);
    l.breakAll();
    l.nextSeq('b');
    expect(l.onReset('b', 2)).toBe(false);
    expect(l.onReset('nobody', 1)).toBe(false);
  });

  it('reports a gap or a repeat as DOWN asking the sender to reset, drops the broken epoch, and takes the next epoch at seq 1 as the fresh link', () => {
    const l = new Links();
    expect(l.accept('a', 7, 1, 1)).toBe(ACCEPT);
    expect(l.accept('a', 7, 1, 2)).toBe(ACCEPT);
    expect(l.accept('a', 7, 1, 5)).toBe(BROKEN);
    expect(l.accept('a', 7, 1, 6)).toBe(DISCARD);
    expect(l.accept('a', 7, 1, 7)).toBe(DISCARD);
    expect(l.accept('a', 7, 2, 1)).toBe(ACCEPT); // the sender honoured our RESET
    expect(l.accept('a', 7, 2, 2)).toBe(ACCEPT);
    expect(l.accept('a', 7, 2, 2)).toBe(BROKEN);
    expect(l.accept('a', 7, 3, 1)).toBe(ACCEPT);
  });

  it('reports a new epoch at seq 1 (the sender broke the link itself) and a new creation as DOWN without a RESET', () => {
    const l = new Links();
    expect(l.accept('a', 7, 1, 1)).toBe(ACCEPT);
    expect(l.accept('a', 7, 2, 1)).toBe(DOWN);
    expect(l.accept('a', 8, 2, 1)).toBe(DOWN | NEW_CREATION);
    expect(l.accept('a', 8, 2, 2)).toBe(ACCEPT);
    // A new creation while a RESET is outstanding: the old incarnation is gone, a down of its own.
    expect(l.accept('a', 8, 2, 9)).toBe(BROKEN);
    expect(l.accept('a', 9, 1, 1)).toBe(DOWN | NEW_CREATION);
    expect(l.accept('a', 9, 1, 2)).toBe(ACCEPT);
  });

  it('reports a new epoch that does not start at seq 1 as a loss of its own', () => {
    const l = new Links();
    l.accept('a', 7, 1, 1);
    expect(l.accept('a', 7, 2, 3)).toBe(BROKEN);
    expect(l.accept('a', 7, 2, 4)).toBe(DISCARD);
    expect(l.accept('a', 7, 3, 2)).toBe(BROKEN); // the fresh link lost its first message too
    expect(l.accept('a', 7, 4, 1)).toBe(ACCEPT);
  });

  it('reports a first message that is not seq 1 as a gap: frames were lost before we heard of the sender', () => {
    const l = new Links();
    expect(l.accept('a', 7, 1, 3)).toBe(BROKEN);
    expect(l.accept('a', 7, 1, 4)).toBe(DISCARD);
    expect(l.accept('a', 7, 2, 1)).toBe(ACCEPT);
  });

  it('after markAllFresh takes the next message of each sender as a baseline without another DOWN', () => {
    const l = new Links();
    l.accept('a', 7, 1, 1);
    l.accept('b', 9, 1, 1);
    l.accept('c', 5, 1, 3); // broken, RESET outstanding: our own disconnect supersedes it
    l.markAllFresh();
    expect(l.accept('a', 7, 1, 40)).toBe(ACCEPT);
    expect(l.accept('b', 10, 1, 1)).toBe(NEW_CREATION);
    expect(l.accept('c', 5, 1, 9)).toBe(ACCEPT);
    expect(l.accept('a', 7, 1, 42)).toBe(BROKEN);
  });

  it('forgets a sender: its next message starts a new link, and ours to it a new epoch', () => {
    const l = new Links();
    l.accept('a', 7, 1, 1);
    l.nextSeq('a');
    l.forget('a');
    expect(l.senders()).toEqual([]);
    expect(l.accept('a', 7, 1, 1)).toBe(ACCEPT);
    expect(l.nextSeq('a')).toBe(1);
    // Its inbound state for us was not forgotten: a new epoch tells it we broke the link.
    expect(l.epochTo('a')).toBe(2);
  });
});

/**
 * Two nodes' link bookkeeping joined by a lossy FIFO wire, reacting as the
 * transport does: a RESET_PEER answer sends a RESET (which takes a seq),
 * DISCARD re-sends it, a RESET honoured by `onReset` is a down.
 */
function pairModel() {
  type Msg = { from: string; epoch: number; seq: number; reset?: number; n?: number };
  const nodes = { a: new Links(), b: new Links() };
  const creation = { a: 1, b: 2 };
  const downs = { a: [] as string[], b: [] as string[] };
  const got = { a: [] as number[], b: [] as number[] };
  const wire: { to: 'a' | 'b'; msg: Msg }[] = [];
  let dropNext = false;
  const post = (from: 'a' | 'b', to: 'a' | 'b', msg: Omit<Msg, 'from' | 'epoch' | 'seq'>) => {
    const seq = nodes[from].nextSeq(to);
    const m = { from, epoch: nodes[from].epochTo(to)!, seq, ...msg };
    if (dropNext) dropNext = false;
    else wire.push({ to, msg: m });
  };
  const deliver = () => {
    let steps = 0;
    while (wire.length > 0) {
      if (++steps > 1000) throw new Error('the links loop');
      const { to, msg } = wire.shift()!;
      const from = msg.from as 'a' | 'b';
      const r = nodes[to].accept(from, creation[from], msg.epoch, msg.seq);
      let down = (r & DOWN) !== 0;
      if (msg.reset !== undefined && nodes[to].onReset(from, msg.reset)) down = true;
      if (r & (RESET_PEER | DISCARD)) post(to, from, { reset: msg.epoch });
      if (down) downs[to].push(from);
      if (msg.n !== undefined && !(r & DISCARD)) got[to].push(msg.n);
    }
  };
  return {
    downs,
    got,
    send: (from: 'a' | 'b', to: 'a' | 'b', n: number) => post(from, to, { n }),
    drop: () => {
      dropNext = true;
    },
    deliver,
  };
}

describe('a broken link between two nodes', () => {
  it('fires exactly one down on each side for one lost message, cannot loop, and then carries both ways in order', () => {
    const m = pairModel();
    m.send('a', 'b', 1);
    m.send('b', 'a', 1);
    m.deliver();
    m.drop();
    m.send('a', 'b', 2); // lost
    m.send('a', 'b', 3); // shows the gap at b; dropped there (a does not know yet)
    m.send('a', 'b', 4);
    m.deliver();
    expect(m.downs).toEqual({ a: ['b'], b: ['a'] });
    for (let n = 5; n <= 8; n++) {
      m.send('a', 'b', n);
      m.send('b', 'a', n);
    }
    m.deliver();
    expect(m.downs).toEqual({ a: ['b'], b: ['a'] });
    expect(m.got.b).toEqual([1, 5, 6, 7, 8]);
    expect(m.got.a).toEqual([1, 5, 6, 7, 8]);
  });

  it('a lost RESET is a gap on the other link: a down for each loss, then the links settle', () => {
    const m = pairModel();
    m.send('a', 'b', 1);
    m.send('b', 'a', 1);
    m.deliver();
    m.drop();
    m.send('a', 'b', 2); // lost
    m.send('a', 'b', 3); // b: down, RESET...
    m.drop(); // ...which is lost
    m.deliver();
    expect(m.downs).toEqual({ a: [], b: ['a'] });
    // Still the broken epoch: b sends the RESET again; a sees the gap it left on b's link
    // and honours it (one down at a for both), and its RESET back makes b's second down,
    // for the loss on b's own link.
    m.send('a', 'b', 4);
    m.deliver();
    expect(m.downs).toEqual({ a: ['b'], b: ['a', 'a'] });
    for (let n = 5; n <= 7; n++) {
      m.send('a', 'b', n);
      m.send('b', 'a', n);
    }
    m.deliver();
    expect(m.downs).toEqual({ a: ['b'], b: ['a', 'a'] });
    expect(m.got.b).toEqual([1, 5, 6, 7]);
    expect(m.got.a).toEqual([1, 5, 6, 7]);
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

  it('round-trip RESET with its own link position and the broken link it names', () => {
    const reset = encodeReset({ node, creation: 9, epoch: 4 }, 12, {
      peerCreation: 0xffff_fffe,
      brokenEpoch: 3,
    });
    expect(decodeMessage(reset)).toEqual({
      kind: KIND_RESET,
      from: 'node-1',
      creation: 9,
      epoch: 4,
      seq: 12,
      peerCreation: 0xffff_fffe,
      brokenEpoch: 3,
    });
    expect(() => decodeMessage(reset.subarray(0, reset.length - 1))).toThrow(
      `malformed link message of ${reset.length - 1} bytes: shorter than its header`,
    );
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
