import { describe, expect, it } from 'vitest';
import { HistoryBuilder } from './test-history.ts';
import { busiestUser, timelineOf } from './timeline.ts';

function chat() {
  const b = new HistoryBuilder(
    { alice: ['phone', 'tablet'], bob: ['phone'], carol: ['phone'] },
    { g: ['alice', 'bob', 'carol'] },
  );
  b.at(1).connect('alice', 'phone', 'n2').connect('bob', 'phone');
  b.at(10).send('alice', 'phone', 'm12', 'user:bob').at(12).sent('alice', 'phone', 'm12');
  b.at(15)
    .deliver('bob', 'phone', 'alice', 'm12', 3)
    .deliver('alice', 'tablet', 'alice', 'm12', 8, 'user:bob');
  b.at(20).send('bob', 'phone', 'm7', 'user:alice').sent('bob', 'phone', 'm7');
  b.at(21).deliver('alice', 'phone', 'bob', 'm7', 14).read('alice', 'phone', 'bob', 'm7');
  b.at(22)
    .receipt('bob', 'phone', 'm7', 'alice', 'read')
    .receipt('alice', 'phone', 'm12', 'bob', 'delivered');
  b.at(30)
    .send('carol', 'phone', 'g1', 'group:g')
    .deliver('alice', 'phone', 'carol', 'g1', 15, 'group:g');
  b.at(31).send('alice', 'phone', 'x', 'group:g').refused('alice', 'phone', 'x', 'rate_limited');
  b.at(40).disconnect('alice', 'phone', 1001);
  return b.build(50);
}

describe('timelineOf', () => {
  it("tells a user's story: its own events, deliveries of what it sent, receipts of its reads", () => {
    expect(timelineOf(chat(), 'alice')).toEqual({
      user: 'alice',
      events: [
        { t: 1, kind: 'connect', text: 'phone connected to n2' },
        { t: 10, kind: 'send', text: '→ bob "m12" from phone' },
        { t: 12, kind: 'sent', text: '→ bob "m12" sent' },
        { t: 15, kind: 'deliver', text: 'bob got m12 seq 3 on phone' },
        { t: 15, kind: 'deliver', text: '← own copy m12 seq 8 on tablet' },
        { t: 21, kind: 'deliver', text: '← bob m7 seq 14 on phone' },
        { t: 21, kind: 'read', text: 'read bob m7 on phone' },
        { t: 22, kind: 'receipt', text: 'bob got my read of m7' },
        { t: 22, kind: 'receipt', text: 'bob delivered m12 (on phone)' },
        { t: 30, kind: 'deliver', text: '← carol g1 seq 15 on phone in group g' },
        { t: 31, kind: 'send', text: '→ group g "x" from phone' },
        { t: 31, kind: 'refused', text: '→ group g "x" refused (rate_limited)' },
        { t: 40, kind: 'disconnect', text: 'phone disconnected (1001)' },
      ],
    });
  });

  it('stops at max events', () => {
    const { events } = timelineOf(chat(), 'alice', 3);
    expect(events.map((e) => e.t)).toEqual([1, 10, 12]);
  });
});

describe('busiestUser', () => {
  it('picks the actor of the most events, the smallest id on a tie', () => {
    expect(busiestUser(chat())).toBe('alice');
    const b = new HistoryBuilder({ zed: ['p'], amy: ['p'] })
      .connect('zed', 'p')
      .connect('amy', 'p');
    expect(busiestUser(b.build())).toBe('amy');
    expect(busiestUser(new HistoryBuilder({ zed: ['p'] }).build())).toBe('zed');
    expect(busiestUser(new HistoryBuilder({}).build())).toBe('');
  });
});
