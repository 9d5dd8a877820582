import { describe, expect, it } from 'vitest';
import type { Behavior, Ref } from '../../runtime/index.ts';
import { Deterministic } from '../../runtime/testing/index.ts';
import {
  ACTIVATOR_NAME,
  type ActivatorMsg,
  activator,
  PASSIVATED,
  staticPlacement,
  VirtualDirectory,
} from './index.ts';

type Msg = { t: 'hit' } | { t: 'idle' } | { t: 'crash' } | { t: 'passivated' };

/** A virtual actor that logs what it sees and asks to passivate on `idle`. */
function counter(log: string[]) {
  return (id: string, act: Ref<ActivatorMsg>): Behavior<Msg, { received: number }> => ({
    name: 'counter',
    init() {
      log.push(`start:${id}`);
      return { received: 0 };
    },
    receive(s, msg, ctx) {
      if (msg.t === 'passivated') {
        log.push(`stop:${id}`);
        ctx.stop('normal');
        return s;
      }
      s.received++;
      if (msg.t === 'crash') throw new Error('boom');
      if (msg.t === 'idle')
        ctx.send(act, { t: 'passivate', key: `c:${id}`, ref: ctx.self, received: s.received });
      else log.push(`hit:${id}:${s.received}`);
      return s;
    },
  });
}

function setup() {
  const d = new Deterministic(Number(process.env.FC_SEED));
  const system = d.system();
  const log: string[] = [];
  const directory = new VirtualDirectory(system, staticPlacement(system.node));
  system.spawn(activator({ c: counter(log) }, directory), { name: ACTIVATOR_NAME });
  return { d, system, log, directory };
}

describe('activator', () => {
  it('activates a virtual actor on its first message and forwards in order to the same incarnation', async () => {
    const { d, log, directory } = setup();
    for (let i = 0; i < 3; i++) directory.send('c:a', { t: 'hit' });
    await d.settle();
    expect(log).toEqual(['start:a', 'hit:a:1', 'hit:a:2', 'hit:a:3']);
  });

  it('accepts passivation only when nothing was forwarded after the request, then activates anew', async () => {
    const { d, log, directory, system } = setup();
    directory.send('c:a', { t: 'hit' });
    directory.send('c:a', { t: 'idle' });
    await d.settle();
    expect(log).toEqual(['start:a', 'hit:a:1', 'stop:a']);
    directory.send('c:a', { t: 'hit' });
    await d.settle();
    expect(log.slice(3)).toEqual(['start:a', 'hit:a:1']);
    expect(system.actorCount).toBe(2); // the activator and the new incarnation
  });

  it('refuses a passivation that raced with a forwarded message', async () => {
    const { d, log, directory, system } = setup();
    directory.send('c:a', { t: 'hit' });
    await d.settle();
    const activatorRef = system.whereis<ActivatorMsg>(ACTIVATOR_NAME)!;
    const actor = system.actors().find((c) => c.behavior.name === 'counter')!.ref;
    // The actor believes it received 1; the activator has forwarded 2 by the time the request lands.
    directory.send('c:a', { t: 'hit' });
    system.send(activatorRef, { t: 'passivate', key: 'c:a', ref: actor, received: 1 });
    await d.settle();
    expect(log).toEqual(['start:a', 'hit:a:1', 'hit:a:2']);
    expect(system.isAlive(actor)).toBe(true);
  });

  it('forgets a crashed actor and activates it again on the next message', async () => {
    const { d, log, directory } = setup();
    directory.send('c:a', { t: 'crash' });
    await d.settle();
    directory.send('c:a', { t: 'hit' });
    await d.settle();
    expect(log).toEqual(['start:a', 'start:a', 'hit:a:1']);
  });

  it('drops a message for an unknown kind with a warning', async () => {
    const { d, directory } = setup();
    directory.send('nope:a', { t: 'hit' });
    await d.settle();
    expect(
      d.log.lines.some((l) => String(l.msg).includes('no virtual actor kind for key "nope:a"')),
    ).toBe(true);
  });

  it('tells a passivated actor with PASSIVATED', () => {
    expect(PASSIVATED).toEqual({ t: 'passivated' });
  });
});
