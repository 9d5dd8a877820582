import { describe, expect, it } from 'vitest';
import { ParleyError, Ref } from '../../runtime/index.ts';
import { LocalRoutes, type Route } from './local-routes.ts';

const route = (key: string, id = 1): Route => ({ key, ref: new Ref('n1', id, 1), forwarded: 0 });

function attached(): LocalRoutes {
  const r = new LocalRoutes();
  r.attach();
  return r;
}

describe('LocalRoutes', () => {
  it('arms nothing and is not attached before an activator attaches', () => {
    const r = new LocalRoutes();
    expect(r.attached).toBe(false);
    expect(r.armIfIdle(route('k'))).toBe(false);
    expect(r.direct('k')).toBeUndefined();
    expect(r.armedCount()).toBe(0);
  });

  it('arms an idle key and gives its route to direct senders', () => {
    const r = attached();
    const a = route('k');
    expect(r.armIfIdle(a)).toBe(true);
    expect(r.direct('k')).toBe(a);
    expect(r.direct('other')).toBeUndefined();
    expect(r.armedCount()).toBe(1);
  });

  it('does not arm a key while a local route of it is queued in the activator', () => {
    const r = attached();
    r.queue('k');
    r.queue('k');
    expect(r.queuedFor('k')).toBe(2);
    expect(r.armIfIdle(route('k'))).toBe(false);
    r.routed('k');
    expect(r.queuedFor('k')).toBe(1);
    expect(r.armIfIdle(route('k'))).toBe(false);
    r.routed('k');
    expect(r.queuedFor('k')).toBe(0);
    expect(r.armIfIdle(route('k'))).toBe(true);
  });

  it('counts queued routes per key', () => {
    const r = attached();
    r.queue('a');
    expect(r.queuedFor('b')).toBe(0);
    expect(r.armIfIdle(route('b'))).toBe(true);
    expect(r.armIfIdle(route('a'))).toBe(false);
  });

  it('fails loudly when the activator takes a local route that was never queued', () => {
    const r = attached();
    let err: unknown;
    try {
      r.routed('user:alice');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ParleyError);
    expect((err as ParleyError).code).toBe('internal');
    expect((err as ParleyError).message).toBe(
      'local route of "user:alice" taken by the activator but none was queued',
    );
  });

  it('disarms one key, leaving the others armed', () => {
    const r = attached();
    r.armIfIdle(route('a', 1));
    r.armIfIdle(route('b', 2));
    r.disarm('a');
    r.disarm('never-armed');
    expect(r.direct('a')).toBeUndefined();
    expect(r.direct('b')?.ref.id).toBe(2);
    expect(r.armedCount()).toBe(1);
  });

  it('re-arms a key with the route of its newer incarnation', () => {
    const r = attached();
    r.armIfIdle(route('k', 1));
    r.armIfIdle(route('k', 2));
    expect(r.direct('k')?.ref.id).toBe(2);
    expect(r.armedCount()).toBe(1);
  });

  it('clearQueued forgets every count and keeps what is armed', () => {
    const r = attached();
    r.armIfIdle(route('a'));
    r.queue('b');
    r.clearQueued();
    expect(r.queuedFor('b')).toBe(0);
    expect(r.direct('a')).toBeDefined();
    expect(r.armIfIdle(route('b'))).toBe(true);
  });

  it('reset forgets every armed key and every count', () => {
    const r = attached();
    r.armIfIdle(route('a'));
    r.queue('b');
    r.reset();
    expect(r.armedCount()).toBe(0);
    expect(r.queuedFor('b')).toBe(0);
    expect(r.attached).toBe(true);
  });

  it('attach starts from nothing, as the mailbox of a restarted activator does', () => {
    const r = attached();
    r.armIfIdle(route('a'));
    r.queue('a');
    r.attach();
    expect(r.armedCount()).toBe(0);
    expect(r.queuedFor('a')).toBe(0);
    expect(r.attached).toBe(true);
  });

  it('detach forgets everything and arms nothing more', () => {
    const r = attached();
    r.armIfIdle(route('a'));
    r.queue('b');
    r.detach();
    expect(r.attached).toBe(false);
    expect(r.armedCount()).toBe(0);
    expect(r.queuedFor('b')).toBe(0);
    expect(r.armIfIdle(route('a'))).toBe(false);
  });

  it('starts with no direct sends counted', () => {
    expect(new LocalRoutes().directSends).toBe(0);
  });
});
