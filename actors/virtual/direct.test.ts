import { describe, expect, it } from 'vitest';
import { startSupervisor, terminateChild } from '../../runtime/index.ts';
import { Deterministic, flushMicrotasks } from '../../runtime/testing/index.ts';
import { ACTIVATOR_NAME, activator, staticPlacement, VirtualDirectory } from './index.ts';
import { type Got, tracker, virtualCluster } from './testing.ts';

const seed = Number(process.env.FC_SEED);

const hit = (n: number, from = 's') => ({ t: 'hit', from, n }) as const;
const ns = (got: Got[], key = 't:a') => got.filter((g) => g.key === key).map((g) => g.n);
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function oneNode(workTurns = 0) {
  const got: Got[] = [];
  const c = virtualCluster(seed, ['n1', 'n2'], { t: tracker(got, workTurns) });
  c.view(() => 'n1');
  await c.det.advance(2000); // past the activation grace
  const n1 = c.node('n1');
  const activatorCell = () => n1.system.localCell(n1.system.whereis(ACTIVATOR_NAME)!)!;
  return { got, c, d: n1.directory, n1, activatorCell };
}

describe('directory: the direct path to an armed local actor', () => {
  it('sends to an armed key straight to its actor, in order, without an activator turn', async () => {
    const { got, c, d, activatorCell } = await oneNode();
    d.send('t:a', hit(1));
    await c.det.settle();
    expect(d.routes.direct('t:a')).toBeDefined();
    for (let i = 2; i <= 50; i++) d.send('t:a', hit(i));
    expect(activatorCell().depth).toBe(0);
    expect(d.routes.directSends).toBe(49);
    await c.det.settle();
    expect(ns(got)).toEqual(range(1, 50));
    expect(new Set(got.map((g) => g.incarnation))).toEqual(new Set([1]));
  });

  it('never overtakes a local route still queued in the activator', async () => {
    const { got, c, d } = await oneNode();
    for (let i = 1; i <= 5; i++) d.send('t:a', hit(i));
    expect(d.routes.queuedFor('t:a')).toBe(5);
    // Only the activator is ready: one step routes hit 1 (activating the key); four wait.
    c.det.scheduler.step();
    expect(d.routes.queuedFor('t:a')).toBe(4);
    expect(d.routes.direct('t:a')).toBeUndefined();
    d.send('t:a', hit(6));
    expect(d.routes.directSends).toBe(0);
    await c.det.settle();
    // The activator took the last queued route with nothing behind it: armed now.
    expect(d.routes.direct('t:a')).toBeDefined();
    d.send('t:a', hit(7));
    expect(d.routes.directSends).toBe(1);
    await c.det.settle();
    expect(ns(got)).toEqual(range(1, 7));
  });

  it('asks an armed actor directly and gets its answer', async () => {
    const { c, d } = await oneNode();
    const first = d.ask<string>('t:a', (replyTo) => ({ t: 'ping', replyTo }));
    expect(await c.answer(first)).toBe('n1#1');
    const second = d.ask<string>('t:a', (replyTo) => ({ t: 'ping', replyTo }));
    expect(d.routes.directSends).toBe(1);
    expect(await c.answer(second)).toBe('n1#1');
  });

  it('fans out direct to armed local keys and through the activators to the others', async () => {
    const { got, c, d } = await oneNode();
    c.view((key) => (key === 't:c' ? 'n2' : 'n1'));
    await c.det.advance(2000);
    d.send('t:a', hit(1));
    await c.det.settle();
    d.sendMany(['t:a', 't:b', 't:c'], hit(2));
    expect(d.routes.directSends).toBe(1);
    await c.det.settle();
    d.sendMany(['t:a', 't:b', 't:c'], hit(3));
    expect(d.routes.directSends).toBe(3);
    await c.det.settle();
    expect(ns(got, 't:a')).toEqual([1, 2, 3]);
    expect(ns(got, 't:b')).toEqual([2, 3]);
    expect(got.filter((g) => g.key === 't:c').map((g) => `${g.node}:${g.n}`)).toEqual([
      'n2:2',
      'n2:3',
    ]);
  });

  it('stops going direct at a handoff: what is sent meanwhile reaches the new owner, in order, none lost', async () => {
    const { got, c, d } = await oneNode(3);
    d.send('t:a', hit(1));
    await c.det.settle();
    // The actor is busy with a mailbox of direct sends when the key moves.
    for (let i = 2; i <= 10; i++) d.send('t:a', hit(i));
    c.det.scheduler.step();
    c.view(() => 'n2');
    for (let i = 11; i <= 15; i++) d.send('t:a', hit(i));
    c.node('n2').directory.send('t:a', hit(1, 'r'));
    c.det.scheduler.step();
    for (let i = 16; i <= 20; i++) d.send('t:a', hit(i));
    await c.det.advance(5000);
    expect(got.filter((g) => g.from === 's').map((g) => `${g.node}:${g.n}`)).toEqual([
      ...range(1, 10).map((n) => `n1:${n}`),
      ...range(11, 20).map((n) => `n2:${n}`),
    ]);
    expect(got.filter((g) => g.from === 'r').map((g) => `${g.node}:${g.n}`)).toEqual(['n2:1']);
    expect(d.routes.directSends).toBe(9);
    expect(d.routes.armedCount()).toBe(0);
    expect(c.node('n2').directory.routes.direct('t:a')).toBeDefined();
  });

  it('stops going direct to an actor restarted by a handed_off from another owner (a healed split brain)', async () => {
    const { got, c, d, n1 } = await oneNode(2);
    d.send('t:a', hit(1));
    await c.det.settle();
    for (let i = 2; i <= 5; i++) d.send('t:a', hit(i));
    // n2 ran the key too and hands it to n1, which still owns it: n1's actor must reload.
    // Nothing was held on n2, so nothing is held here: only the handoff disarms.
    c.node('n2').system.sendNamed(ACTIVATOR_NAME, { t: 'handed_off', key: 't:a', msgs: [] }, 'n1');
    c.det.clock.runDeferred();
    const activatorRef = n1.system.whereis(ACTIVATOR_NAME)!;
    while (n1.system.localCell(activatorRef)!.depth > 0) c.det.scheduler.step();
    expect(d.routes.direct('t:a')).toBeUndefined();
    for (let i = 6; i <= 10; i++) d.send('t:a', hit(i));
    await c.det.settle();
    expect(got.map((g) => `${g.incarnation}:${g.from}${g.n}`)).toEqual([
      ...range(1, 5).map((n) => `1:s${n}`),
      ...range(6, 10).map((n) => `2:s${n}`),
    ]);
  });

  it('sends what follows a crash through the activator, which activates the key again', async () => {
    const { got, c, d, n1 } = await oneNode();
    d.send('t:a', hit(1));
    await c.det.settle();
    d.send('t:a', { t: 'crash' });
    c.det.scheduler.runReady();
    await flushMicrotasks(); // the actor crashed; its exit waits in the activator's queue
    expect(n1.system.isAlive(d.routes.direct('t:a')!.ref)).toBe(false);
    expect(d.routes.direct('t:a')).toBeDefined();
    d.send('t:a', hit(2));
    d.send('t:a', hit(3));
    expect(d.routes.directSends).toBe(1);
    await c.det.settle();
    expect(got.map((g) => `${g.incarnation}:${g.n}`)).toEqual(['1:1', '2:2', '2:3']);
    d.send('t:a', hit(4));
    expect(d.routes.directSends).toBe(2);
  });

  it('refuses a passivation that a direct send raced, and accepts one that none did', async () => {
    const { got, c, d, n1 } = await oneNode();
    d.send('t:a', hit(1));
    await c.det.settle();
    d.send('t:a', { t: 'idle' });
    // The actor asks to passivate; a direct send lands before the activator answers.
    while (n1.system.localCell(d.routes.direct('t:a')!.ref)!.depth > 0) c.det.scheduler.step();
    d.send('t:a', hit(2));
    await c.det.settle();
    expect(d.routes.direct('t:a')).toBeDefined();
    expect(got.map((g) => `${g.incarnation}:${g.n}`)).toEqual(['1:1', '1:2']);
    d.send('t:a', { t: 'idle' });
    await c.det.settle();
    expect(d.routes.armedCount()).toBe(0);
    d.send('t:a', hit(3));
    await c.det.settle();
    expect(got.map((g) => `${g.incarnation}:${g.n}`)).toEqual(['1:1', '1:2', '2:3']);
  });

  it('arms a key whose count kept a local route that the full activator mailbox dropped', async () => {
    const det = new Deterministic(seed);
    const system = det.system();
    const got: Got[] = [];
    const d = new VirtualDirectory(system, staticPlacement(system.node));
    system.spawn(activator({ t: tracker(got) }, d), {
      name: ACTIVATOR_NAME,
      mailbox: { capacity: 4 },
    });
    for (let i = 1; i <= 5; i++) d.send('t:a', hit(i));
    expect(system.deadLetters.counts.mailbox_full).toBe(1);
    expect(d.routes.queuedFor('t:a')).toBe(5);
    await det.settle();
    expect(ns(got)).toEqual([1, 2, 3, 4]);
    expect(d.routes.queuedFor('t:a')).toBe(0);
    d.send('t:a', hit(6));
    expect(d.routes.directSends).toBe(1);
  });

  it('goes the activator path from a directory that is not its activator host', async () => {
    const { got, c, n1 } = await oneNode();
    const other = new VirtualDirectory(n1.system, n1.placement);
    for (let i = 1; i <= 3; i++) other.send('t:a', hit(i));
    other.sendMany(['t:a'], hit(4));
    expect(await c.answer(other.ask<string>('t:a', (replyTo) => ({ t: 'ping', replyTo })))).toBe(
      'n1#1',
    );
    expect(ns(got)).toEqual([1, 2, 3, 4]);
    expect(other.routes.attached).toBe(false);
    expect(other.routes.directSends).toBe(0);
    expect(other.routes.queuedFor('t:a')).toBe(0);
  });

  it('starts a restarted activator with nothing armed and detaches a stopped one', async () => {
    const { got, c, d, n1 } = await oneNode();
    const kind = tracker(got);
    n1.system.exit(n1.system.whereis(ACTIVATOR_NAME)!, 'kill');
    const sup = startSupervisor(n1.system, {
      flags: { strategy: 'one_for_one', intensity: 10, period: 10 },
      children: [
        {
          id: 'activator',
          start: () => ({ behavior: activator({ t: kind }, d), options: { name: ACTIVATOR_NAME } }),
        },
      ],
    });
    await c.det.settle();
    d.send('t:a', hit(1));
    await c.det.settle();
    expect(d.routes.armedCount()).toBe(1);
    // Killed: no terminate runs; its actors die with it. The supervisor starts another.
    n1.system.exit(n1.system.whereis(ACTIVATOR_NAME)!, 'kill');
    await c.det.settle();
    expect(d.routes.armedCount()).toBe(0);
    expect(d.routes.attached).toBe(true);
    d.send('t:a', hit(2));
    await c.det.settle();
    expect(got.map((g) => `${g.incarnation}:${g.n}`)).toEqual(['1:1', '2:2']);
    expect(d.routes.armedCount()).toBe(1);
    const stopped = terminateChild(n1.system, sup, 'activator');
    await c.answer(stopped);
    expect(d.routes.attached).toBe(false);
    expect(d.routes.armedCount()).toBe(0);
  });
});
