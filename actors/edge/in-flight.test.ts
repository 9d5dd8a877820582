import { describe, expect, it } from 'vitest';
import type { ClientFrame } from '../protocol/index.ts';
import { InFlight } from './in-flight.ts';

const msg = (id: string): ClientFrame => ({
  type: 'message',
  id,
  to: 'bob',
  content: { type: 'text', body: id },
});
const history = (ref: string): ClientFrame => ({ type: 'history', with: 'bob', limit: 50, ref });
const resubmitted = (f: InFlight) =>
  f.afterCrash().map((n) => ('resubmit' in n ? n.resubmit : { refused: n.refuse }));

describe('InFlight', () => {
  it('settles a request by any pushed frame carrying its ref, and a message by sent or an error naming it', () => {
    const f = new InFlight(10);
    f.track(history('r1'));
    f.track(history('r"2'));
    f.track(msg('m1'));
    f.release(
      JSON.stringify({ type: 'history', with: 'bob', ref: 'r1', messages: [], next: null }),
    );
    f.release(JSON.stringify({ type: 'error', code: 'forbidden', message: '"ref":"r\\"2"' }));
    f.release(JSON.stringify({ type: 'ack', id: 'm1', status: 'read', by: 'bob', ts: 1 }));
    expect(resubmitted(f)).toEqual([history('r"2'), msg('m1')]);
    f.release(JSON.stringify({ type: 'error', code: 'forbidden', message: 'no', ref: 'r"2' }));
    f.release(JSON.stringify({ type: 'ack', id: 'm1', status: 'sent', ts: 1 }));
    expect(f.size).toBe(0);
  });

  it('counts nothing when the user actor went away without crashing, so a stored message is never refused', () => {
    const f = new InFlight(10);
    f.track(msg('m1'));
    f.track(msg('m2'));
    for (let i = 0; i < 5; i++) {
      expect(f.afterCrash(false).map((n) => ('resubmit' in n ? n.resubmit : 'refused'))).toEqual([
        msg('m1'),
        msg('m2'),
      ]);
    }
    // Real crashes still count: the oldest is refused after RESUBMITS_MAX + 1 of them.
    f.afterCrash(true);
    expect(f.afterCrash(true).map((n) => ('resubmit' in n ? n.resubmit.type : 'refused'))).toEqual([
      'refused',
      'message',
    ]);
  });

  it('keeps no frame that gets no answer (acks, typing)', () => {
    const f = new InFlight(10);
    f.track({ type: 'ack', id: 'm', from: 'bob', status: 'read', ref: 'a' });
    f.track({ type: 'typing', to: 'bob', status: 'started', ref: 't' });
    expect(f.size).toBe(0);
  });

  it('answers a group.create after a crash instead of creating the group twice', () => {
    const f = new InFlight(10);
    f.track({ type: 'group.create', ref: 'g', name: 'n', members: [] });
    expect(resubmitted(f)).toEqual([
      {
        refused: {
          message:
            'the server failed while creating this group; it may exist already: look before creating it again',
          ref: 'g',
        },
      },
    ]);
    expect(f.size).toBe(0);
  });

  it('forgets the oldest request at the bound, and refuses a message only when messages fill it', () => {
    const f = new InFlight(2);
    expect(f.track(history('r1'))).toBe(true);
    expect(f.track(msg('m1'))).toBe(true);
    expect(f.track(msg('m2'))).toBe(true);
    expect(f.track(msg('m3'))).toBe(false);
    expect(resubmitted(f)).toEqual([msg('m1'), msg('m2')]);
  });
});

describe('InFlight.release: sent acks in the order the messages were stored', () => {
  const msg = (id: string): ClientFrame => ({
    type: 'message',
    id,
    to: 'bob',
    content: { type: 'text', body: id },
  });
  const sent = (id: string) => JSON.stringify({ type: 'ack', id, status: 'sent', ts: 1 });

  it('holds an ack whose predecessor is unanswered, asks for the predecessor again, then lets both through', () => {
    const f = new InFlight(10);
    for (const id of ['m1', 'm2', 'm3']) f.track(msg(id));
    const held = f.release(sent('m2'), 'm1');
    expect(held.write).toEqual([]);
    expect(held.resubmit).toEqual(msg('m1'));
    expect(f.release(sent('m3'), 'm2').write).toEqual([]);
    expect(f.release(sent('m1')).write).toEqual([sent('m1'), sent('m2'), sent('m3')]);
    expect(f.size).toBe(0);
  });

  it('passes an ack at once when its predecessor was answered or is unknown', () => {
    const f = new InFlight(10);
    f.track(msg('m1'));
    f.track(msg('m2'));
    expect(f.release(sent('m1')).write).toEqual([sent('m1')]);
    expect(f.release(sent('m2'), 'm1').write).toEqual([sent('m2')]);
    f.track(msg('m3'));
    expect(f.release(sent('m3'), 'gone').write).toEqual([sent('m3')]);
  });

  it('lets a held ack through when its predecessor is refused', () => {
    const f = new InFlight(10);
    f.track(msg('m1'));
    f.track(msg('m2'));
    f.release(sent('m2'), 'm1');
    const refused = JSON.stringify({ type: 'error', code: 'forbidden', message: 'no', id: 'm1' });
    expect(f.release(refused).write).toEqual([refused, sent('m2')]);
  });
});
