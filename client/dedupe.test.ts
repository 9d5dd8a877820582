import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conversationOf, Dedupe } from './dedupe.ts';
import type { IncomingMessage } from './frames.ts';

const params = { seed: Number(process.env.FC_SEED), verbose: true };
const msg = (from: string, id: string, seq: number, group?: string): IncomingMessage => ({
  type: 'message',
  id,
  from,
  seq,
  ts: 0,
  content: { type: 'text', body: '' },
  ...(group === undefined ? { to: 'me' } : { group }),
});

describe('conversationOf', () => {
  it('names the peer for direct messages, either way, and the group for group ones', () => {
    expect(conversationOf(msg('bob', 'x', 1), 'me')).toBe('u:bob');
    expect(conversationOf({ ...msg('me', 'x', 1), to: 'bob', group: undefined }, 'me')).toBe(
      'u:bob',
    );
    expect(conversationOf(msg('bob', 'x', 1, 'g1'), 'me')).toBe('g:g1');
  });
});

describe('Dedupe', () => {
  it('flags a repeat by (from, id) and remembers what was acked', () => {
    const d = new Dedupe(10);
    expect(d.admit(msg('bob', 'a', 1), 'u:bob')).toEqual({ repeat: false, acked: 'none' });
    d.acked('bob', 'a', 'read');
    d.acked('bob', 'a', 'delivered');
    expect(d.admit(msg('bob', 'a', 1), 'u:bob')).toEqual({ repeat: true, acked: 'read' });
  });

  it('flags a seq not above the conversation last, once the id is forgotten', () => {
    const d = new Dedupe(2);
    d.admit(msg('bob', 'a', 1), 'u:bob');
    d.admit(msg('bob', 'b', 2), 'u:bob');
    d.admit(msg('carol', 'c', 3), 'u:carol');
    expect(d.admit(msg('bob', 'a', 1), 'u:bob')).toEqual({ repeat: true, acked: undefined });
  });

  it('catches a repeat from a forgotten conversation by the floor of forgotten seqs', () => {
    const d = new Dedupe(1);
    d.admit(msg('bob', 'a', 1), 'u:bob');
    d.admit(msg('carol', 'c', 2), 'u:carol');
    expect(d.admit(msg('bob', 'a', 1), 'u:bob')).toEqual({ repeat: true, acked: undefined });
    expect(d.admit(msg('dan', 'd', 3), 'u:dan').repeat).toBe(false);
  });

  it('lets the same id from another sender through', () => {
    const d = new Dedupe(10);
    d.admit(msg('bob', 'a', 1), 'u:bob');
    expect(d.admit(msg('carol', 'a', 2), 'u:carol').repeat).toBe(false);
  });

  it('passes each message of a stream with repeats exactly once', () => {
    // The server's stream: increasing seq across conversations, with any message resent later.
    const stream = fc
      .array(fc.tuple(fc.constantFrom('bob', 'carol', 'dan'), fc.boolean()), {
        minLength: 1,
        maxLength: 60,
      })
      .chain((sends) => {
        const messages = sends.map(([from, inGroup], i) =>
          msg(from, `m${i}`, i + 1, inGroup ? 'g' : undefined),
        );
        return fc
          .array(fc.nat(messages.length - 1), { maxLength: 60 })
          .map((repeats) => [messages, repeats.map((r) => messages[r]!)] as const);
      });
    fc.assert(
      fc.property(stream, fc.integer({ min: 1, max: 100 }), ([messages, repeats], capacity) => {
        const d = new Dedupe(capacity);
        const shown: string[] = [];
        const feed = (m: IncomingMessage) => {
          if (!d.admit(m, conversationOf(m, 'me')).repeat) shown.push(m.id);
        };
        for (const m of messages) {
          feed(m);
          feed(m);
        }
        for (const m of repeats) feed(m);
        expect(shown).toEqual(messages.map((m) => m.id));
      }),
      params,
    );
  });
});
