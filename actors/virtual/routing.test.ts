import { describe, expect, it } from 'vitest';
import { probe } from '../../runtime/testing/index.ts';
import type { ListReply } from './index.ts';
import { recorder, type Seen, virtualCluster } from './testing.ts';

const seed = Number(process.env.FC_SEED);
const hit = (n: number, from = 't') => ({ t: 'hit', from, n }) as const;

function cluster(seen: Seen[], options: Parameters<typeof virtualCluster>[3] = {}) {
  return virtualCluster(seed, ['n1', 'n2', 'n3'], { rec: recorder(seen) }, options);
}

describe('activator: placement-aware routing', () => {
  it('forwards a message for a key it does not own to the owner it knows, in order', async () => {
    const seen: Seen[] = [];
    const c = cluster(seen);
    // n1 believes n2 owns everything, n2 believes n3 does, n3 agrees: one extra hop.
    c.node('n1').placement.set(() => 'n2');
    c.node('n2').placement.set(() => 'n3');
    c.node('n3').placement.set(() => 'n3');
    await c.det.advance(2000); // past the activation grace of those view changes
    for (let i = 1; i <= 20; i++) c.node('n1').directory.send('rec:a', hit(i));
    await c.det.settle();
    expect(seen.map((s) => `${s.node}:${s.n}`)).toEqual(
      Array.from({ length: 20 }, (_, i) => `n3:${i + 1}`),
    );
    const n2 = await c.answer(c.node('n1').directory.list('n2'));
    expect(n2).toMatchObject({ actors: [], held: 0, forwarded: 20 });
    expect((await c.answer(c.node('n1').directory.list('n3'))).actors.map((a) => a.key)).toEqual([
      'rec:a',
    ]);
  });

  it('holds messages while no owner is known and delivers them in order once the view settles', async () => {
    const seen: Seen[] = [];
    const c = cluster(seen, { graceMs: 0 });
    for (let i = 1; i <= 5; i++) c.node('n1').directory.send('rec:a', hit(i));
    await c.det.settle();
    expect(seen).toEqual([]);
    expect((await c.answer(c.node('n1').directory.list())).held).toBe(5);
    c.view(() => 'n2');
    await c.det.settle();
    expect(seen.map((s) => `${s.node}:${s.n}`)).toEqual(['n2:1', 'n2:2', 'n2:3', 'n2:4', 'n2:5']);
    expect((await c.answer(c.node('n1').directory.list())).held).toBe(0);
  });

  it('holds a message at the hop limit instead of looping, and delivers it once the views agree', async () => {
    const seen: Seen[] = [];
    const c = cluster(seen, { graceMs: 0, retryMs: 60_000 });
    // Disagreeing views: n1 thinks n2 owns the key, n2 thinks n1 does.
    c.node('n1').placement.set(() => 'n2');
    c.node('n2').placement.set(() => 'n1');
    await c.det.settle();
    c.node('n1').directory.send('rec:a', hit(1));
    await c.det.settle();
    const lists = await c.answer(
      Promise.all(['n1', 'n2'].map((n) => c.node('n1').directory.list(n))),
    );
    // n1 → n2 (hops 0) → n1 (1) → n2 (2) → n1 (3): held there.
    expect(lists.map((l) => [l.held, l.forwarded])).toEqual([
      [1, 1],
      [0, 2],
    ]);
    expect(seen).toEqual([]);
    c.node('n1').placement.set(() => 'n1');
    await c.det.settle();
    expect(seen.map((s) => `${s.node}:${s.n}`)).toEqual(['n1:1']);
  });

  it('counts a message over the held bounds (per key, in total) as a dead letter', async () => {
    const seen: Seen[] = [];
    const c = cluster(seen, { heldPerKeyMax: 3, heldTotalMax: 5 });
    const n1 = c.node('n1');
    for (let i = 1; i <= 5; i++) n1.directory.send('rec:a', hit(i));
    for (let i = 1; i <= 3; i++) n1.directory.send('rec:b', hit(i));
    await c.det.settle();
    expect(n1.system.deadLetters.counts.held_overflow).toBe(3);
    expect((await c.answer(n1.directory.list())).held).toBe(5);
    expect(
      c.det.log.lines.filter((l) => l.msg === 'dead letter' && l.reason === 'held_overflow'),
    ).toHaveLength(3);
  });

  it('counts a message for an unknown kind as a dead letter', async () => {
    const c = cluster([]);
    c.view(() => 'n1');
    await c.det.advance(2000);
    c.node('n1').directory.send('nope:a', hit(1));
    await c.det.settle();
    expect(c.node('n1').system.deadLetters.counts.unknown_kind).toBe(1);
  });

  it('waits out the activation grace after a view change before activating a key', async () => {
    const seen: Seen[] = [];
    const c = cluster(seen, { graceMs: 500 });
    c.view(() => 'n2');
    c.node('n1').directory.send('rec:a', hit(1));
    await c.det.settle();
    expect(seen).toEqual([]);
    await c.det.advance(500);
    expect(seen.map((s) => `${s.node}:${s.n}`)).toEqual(['n2:1']);
  });

  it('activates at once, within the grace, a key whose old owner can hand nothing off (it left the view)', async () => {
    const seen: Seen[] = [];
    const c = cluster(seen, { graceMs: 60_000 });
    let expected = false;
    for (const n of ['n1', 'n2', 'n3']) c.node(n).placement.handoffExpected = () => expected;
    c.view(() => 'n2');
    c.node('n1').directory.send('rec:a', hit(1));
    await c.det.settle();
    expect(seen.map((s) => `${s.node}:${s.n}`)).toEqual(['n2:1']);
    // The same placement saying a handoff may come: the next gained key waits.
    expected = true;
    c.view(() => 'n3');
    c.node('n1').directory.send('rec:b', hit(2));
    await c.det.advance(1000);
    expect(seen.map((s) => `${s.node}:${s.n}`)).toEqual(['n2:1']);
  });
});

describe('activator: introspection', () => {
  it('lists live actors, inspects one (with what it says of itself), and kills it', async () => {
    const seen: Seen[] = [];
    const c = cluster(seen, { graceMs: 0 });
    c.view(() => 'n2');
    await c.det.settle();
    const d = c.node('n1').directory;
    d.send('rec:a', hit(1));
    d.send('rec:b', hit(1));
    await c.det.settle();
    const list: ListReply = await c.answer(d.list('n2'));
    expect(list.actors.map((a) => [a.key, a.state, a.mailbox])).toEqual([
      ['rec:a', 'active', 0],
      ['rec:b', 'active', 0],
    ]);
    expect(list.actors[0]!.ref).toMatch(/^<n2\./);
    const inspected = d.inspect('rec:a');
    await c.det.settle();
    expect(await inspected).toEqual({
      key: 'rec:a',
      node: 'n2',
      owner: 'n2',
      active: true,
      state: 'active',
      ref: list.actors[0]!.ref,
      mailbox: 0,
      epoch: 1,
      devices: [],
    });
    const watcher = probe(c.node('n2').system);
    expect(await c.answer(d.kill('rec:a'))).toEqual({ killed: true });
    await c.det.settle();
    expect(await c.answer(d.kill('rec:a'))).toEqual({ killed: false });
    const after = d.inspect('rec:a');
    await c.det.settle();
    expect(await after).toEqual({ key: 'rec:a', node: 'n2', owner: 'n2', active: false });
    expect((await c.answer(d.list('n2'))).actors.map((a) => a.key)).toEqual(['rec:b']);
    expect(watcher.messages).toEqual([]);
  });

  it('reports the mailbox depth of a busy actor', async () => {
    const seen: Seen[] = [];
    const c = virtualCluster(seed, ['n1'], { rec: recorder(seen, { workTurns: 50 }) });
    c.view(() => 'n1');
    await c.det.advance(2000);
    const d = c.node('n1').directory;
    for (let i = 1; i <= 10; i++) d.send('rec:a', hit(i));
    // Run only the scheduler: the first message is being worked on, the others wait.
    c.det.scheduler.runReady();
    c.det.scheduler.runReady();
    const reply = d.list();
    c.det.scheduler.runReady();
    const depth = (await reply).actors[0]!.mailbox;
    expect(depth).toBeGreaterThan(0);
    expect(depth).toBeLessThanOrEqual(9);
    await c.det.settle();
    expect(seen).toHaveLength(10);
  });

  it('unsubscribes from the placement when it stops', async () => {
    const c = cluster([]);
    const n1 = c.node('n1');
    expect(n1.placement.listenerCount).toBe(1);
    await n1.system.shutdown(); // kills: no terminate runs; the listener removes itself
    n1.placement.set(() => 'n1');
    expect(n1.placement.listenerCount).toBe(0);
  });
});

describe('directory: one payload per node for a fan-out', () => {
  it('sends one route_many per owner node and delivers to every key once, in order per key', async () => {
    const seen: Seen[] = [];
    const c = cluster(seen, { graceMs: 0 });
    const owners: Record<string, string> = { 'rec:a': 'n2', 'rec:b': 'n2', 'rec:c': 'n3' };
    c.view((key) => owners[key] ?? 'n1');
    await c.det.settle();
    for (let i = 1; i <= 3; i++)
      c.node('n1').directory.sendMany(['rec:a', 'rec:b', 'rec:c', 'rec:d'], hit(i));
    await c.det.settle();
    const byKey = (key: string) => seen.filter((s) => s.key === key).map((s) => `${s.node}:${s.n}`);
    expect(byKey('rec:a')).toEqual(['n2:1', 'n2:2', 'n2:3']);
    expect(byKey('rec:b')).toEqual(['n2:1', 'n2:2', 'n2:3']);
    expect(byKey('rec:c')).toEqual(['n3:1', 'n3:2', 'n3:3']);
    expect(byKey('rec:d')).toEqual(['n1:1', 'n1:2', 'n1:3']);
    // Nothing was forwarded between activators: each node got its keys' payload directly.
    for (const node of ['n1', 'n2', 'n3'])
      expect((await c.answer(c.node('n1').directory.list(node))).forwarded).toBe(0);
  });
});
