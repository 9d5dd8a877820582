import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recorder, type Seen, virtualCluster } from './testing.ts';

const seed = Number(process.env.FC_SEED);
const fcOptions = { seed, numRuns: 40 };
const hit = (n: number, from = 't') => ({ t: 'hit', from, n }) as const;
const where = (seen: Seen[]) => seen.map((s) => `${s.node}#${s.incarnation}:${s.from}${s.n}`);

describe('activator: handoff', () => {
  it('hands a key off under a stream of messages from several senders: none lost, none twice, per-sender order kept', async () => {
    await fc
      .assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 30 }),
          fc.integer({ min: 0, max: 40 }),
          fc.integer({ min: 0, max: 5 }),
          fc.integer({ min: 0, max: 2 ** 30 }),
          async (before, steps, workTurns, runSeed) => {
            const seen: Seen[] = [];
            const c = virtualCluster(runSeed, ['n1', 'n2', 'n3'], {
              rec: recorder(seen, { workTurns }),
            });
            c.view(() => 'n1');
            await c.det.advance(2000);
            const senders = ['n1', 'n2', 'n3'];
            const counts = new Map(senders.map((s) => [s, 0]));
            const sendRound = () => {
              for (const s of senders) {
                const n = counts.get(s)! + 1;
                counts.set(s, n);
                c.node(s).directory.send('rec:a', hit(n, s));
              }
            };
            for (let i = 0; i < before; i++) sendRound();
            // Part of the stream is in flight, part in the actor, part still queued.
            for (let i = 0; i < steps; i++) {
              c.det.scheduler.runReady();
              c.det.clock.runDeferred();
            }
            c.view(() => 'n2');
            for (let i = 0; i < 10; i++) sendRound();
            await c.det.advance(5000);
            for (const s of senders) {
              const got = seen.filter((x) => x.from === s).map((x) => x.n);
              expect(got).toEqual(Array.from({ length: before + 10 }, (_, i) => i + 1));
            }
            // After the handoff only n2 serves the key, and the old actor is gone.
            const tail = seen.slice(-3);
            expect(tail.every((x) => x.node === 'n2')).toBe(true);
            const lists = await c.answer(
              Promise.all(['n1', 'n2'].map((n) => c.node('n1').directory.list(n))),
            );
            expect(lists.map((l) => l.actors.map((a) => a.key))).toEqual([[], ['rec:a']]);
            expect(lists.map((l) => l.held)).toEqual([0, 0]);
            // One handoff if n1 had activated the key before the view changed, else none.
            expect(lists[0]!.handoffs).toBeLessThanOrEqual(1);
            if (seen.some((x) => x.node === 'n1')) expect(lists[0]!.handoffs).toBe(1);
          },
        ),
        fcOptions,
      )
      .catch((err) => {
        console.error(`handoff stream property failed; reproduce with FC_SEED=${seed}`);
        throw err;
      });
  });

  it('stops every actor and holds every message when the node owns nothing (isolated), then delivers them', async () => {
    const seen: Seen[] = [];
    const c = virtualCluster(seed, ['n1', 'n2'], { rec: recorder(seen) });
    c.view(() => 'n1');
    await c.det.advance(2000);
    const d = c.node('n1').directory;
    d.send('rec:a', hit(1));
    d.send('rec:b', hit(1));
    await c.det.settle();
    expect((await c.answer(d.list())).actors).toHaveLength(2);
    c.node('n1').placement.set(() => undefined);
    d.send('rec:a', hit(2));
    d.send('rec:b', hit(2));
    await c.det.advance(3000); // retries keep holding: no owner is known
    const isolated = await c.answer(d.list());
    expect(isolated).toMatchObject({ actors: [], held: 2, handoffs: 2 });
    c.view(() => 'n2');
    await c.det.advance(2000);
    for (const key of ['rec:a', 'rec:b']) {
      expect(seen.filter((x) => x.key === key).map((x) => `${x.node}:${x.n}`)).toEqual([
        'n1:1',
        'n2:2',
      ]);
    }
  });

  it('kills an actor that does not finish its handoff in time, then delivers what was held to the new owner', async () => {
    const seen: Seen[] = [];
    const c = virtualCluster(
      seed,
      ['n1', 'n2'],
      { rec: recorder(seen, { stubborn: true }) },
      { handoffTimeoutMs: 4000 },
    );
    c.view(() => 'n1');
    await c.det.advance(2000);
    const d = c.node('n1').directory;
    d.send('rec:a', hit(1));
    await c.det.settle();
    c.view(() => 'n2');
    c.node('n1').system.sendNamed('parley.activator', {
      t: 'route',
      key: 'rec:a',
      msg: hit(2, 'late'),
    });
    await c.det.advance(3000);
    expect(where(seen)).toEqual(['n1#1:t1']);
    expect((await c.answer(d.list('n1'))).actors[0]?.state).toBe('handing_off');
    await c.det.advance(2000);
    expect(where(seen)).toEqual(['n1#1:t1', 'n2#2:late2']);
    expect(
      c.det.log.lines.some((l) => String(l.msg).includes('did not finish its handoff in time')),
    ).toBe(true);
  });

  it('serves a key taken back before its handoff finished with a new incarnation, in order', async () => {
    const seen: Seen[] = [];
    const c = virtualCluster(seed, ['n1', 'n2'], { rec: recorder(seen, { workTurns: 3 }) });
    c.view(() => 'n1');
    await c.det.advance(2000);
    const d = c.node('n1').directory;
    for (let i = 1; i <= 3; i++) d.send('rec:a', hit(i));
    c.node('n1').placement.set(() => 'n2');
    c.node('n1').system.sendNamed('parley.activator', { t: 'route', key: 'rec:a', msg: hit(4) });
    c.node('n1').placement.set(() => 'n1');
    for (let i = 5; i <= 6; i++) d.send('rec:a', hit(i));
    await c.det.advance(2000);
    expect(seen.map((x) => x.n)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(new Set(seen.map((x) => x.node))).toEqual(new Set(['n1']));
  });
});
