import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { History, HistoryEvent } from '../types.ts';
import { factsOf } from './facts.ts';
import { runCheckers } from './index.ts';
import { defaultChecks } from './test-history.ts';
import { type ModelPlan, modelHistory } from './test-model.ts';

const seed = Number(process.env.FC_SEED);
const fcOptions = { seed, numRuns: 150, verbose: true };
const checks = { ...defaultChecks, availabilityMin: 1, convergenceS: 1 };

const planArb: fc.Arbitrary<ModelPlan> = fc.record({
  devices: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 5 }),
  groups: fc.array(fc.array(fc.nat(9), { minLength: 1, maxLength: 4 }), { maxLength: 2 }),
  sends: fc.array(
    fc.record({
      from: fc.nat(9),
      device: fc.nat(2),
      to: fc.nat(9),
      group: fc.boolean(),
      read: fc.boolean(),
    }),
    { minLength: 3, maxLength: 25 },
  ),
  repeats: fc.array(fc.record({ after: fc.nat(24), device: fc.nat(14), pick: fc.nat(30) }), {
    maxLength: 10,
  }),
  leaves: fc.array(fc.record({ after: fc.nat(24), device: fc.nat(14) }), { maxLength: 2 }),
});

const withEvents = (h: History, events: HistoryEvent[]): History => ({ ...h, events });
const failing = (h: History) =>
  Object.entries(runCheckers(h, checks))
    .filter(([, r]) => !r.ok)
    .map(([name]) => name);

/** Drops every delivery of one acked message to one device connected at the end. */
function dropDelivery(h: History, pick: number): History | undefined {
  const f = factsOf(h);
  const owed = f.devices.flatMap((d) =>
    f.connectedAtEnd[d.index] === 1
      ? [...f.firstAt[d.index]!.values()].filter((e) => f.message(e.from, e.id)?.sent)
      : [],
  );
  const victim = owed[pick % Math.max(1, owed.length)];
  if (victim === undefined) return undefined;
  const same = (e: HistoryEvent) =>
    e.k === 'deliver' &&
    e.user === victim.user &&
    e.device === victim.device &&
    e.from === victim.from &&
    e.id === victim.id;
  return withEvents(
    h,
    h.events.filter((e) => !same(e)),
  );
}

/** Swaps two successive first deliveries at one device (each keeps its slot's time). */
function swapFirstDeliveries(h: History, pick: number): History | undefined {
  const f = factsOf(h);
  const lists = f.devices
    .map((d) => f.firstOrderAt[d.index]!.map((m) => f.firstAt[d.index]!.get(m)!))
    .filter((l) => l.length >= 2);
  const l = lists[pick % Math.max(1, lists.length)];
  if (l === undefined) return undefined;
  const k = pick % (l.length - 1);
  const [a, b] = [l[k]!, l[k + 1]!];
  const events = h.events.map((e) => (e === a ? { ...b, t: a.t } : e === b ? { ...a, t: b.t } : e));
  return withEvents(h, events);
}

/** Gives a second message delivered to a user the seq of a first one (on all its devices). */
function reuseSeq(h: History, pick: number): History | undefined {
  const byUser = new Map<string, { from: string; id: string; seq: number }[]>();
  for (const e of factsOf(h).deliveries) {
    const l = byUser.get(e.user) ?? [];
    if (!l.some((m) => m.from === e.from && m.id === e.id)) l.push(e);
    byUser.set(e.user, l);
  }
  const users = [...byUser.values()].filter((l) => l.length >= 2);
  const l = users[pick % Math.max(1, users.length)];
  if (l === undefined) return undefined;
  const [a, b] = [l[0]!, l[1 + (pick % (l.length - 1))]!];
  const user = [...byUser].find(([, v]) => v === l)![0];
  const events = h.events.map((e) =>
    e.k === 'deliver' && e.user === user && e.from === b.from && e.id === b.id
      ? { ...e, seq: a.seq }
      : e,
  );
  return withEvents(h, events);
}

describe('checkers on a correct model', () => {
  it('pass every history of the model, and each mutation fails its checker', () => {
    const applied = { drop: 0, swap: 0, reuse: 0 };
    try {
      fc.assert(
        fc.property(planArb, fc.nat(1000), (plan, pick) => {
          const h = modelHistory(plan);
          expect(failing(h)).toEqual([]);
          const dropped = dropDelivery(h, pick);
          if (dropped) {
            applied.drop++;
            expect(runCheckers(dropped, { ...checks, run: ['lost'] }).lost).toMatchObject({
              ok: false,
              missing: 1,
            });
          }
          const swapped = swapFirstDeliveries(h, pick);
          if (swapped) {
            applied.swap++;
            expect(failing(swapped)).toContain('reordered');
          }
          const reused = reuseSeq(h, pick);
          if (reused) {
            applied.reuse++;
            expect(runCheckers(reused, checks).duplicated).toMatchObject({ ok: false });
            expect(runCheckers(reused, checks).duplicated!.seqClashes).toBeGreaterThanOrEqual(1);
          }
        }),
        fcOptions,
      );
    } catch (err) {
      console.error(`checkers model property failed; reproduce with FC_SEED=${seed}`);
      throw err;
    }
    // The mutations were really tried, not skipped for want of a candidate.
    expect(applied.drop).toBeGreaterThan(100);
    expect(applied.swap).toBeGreaterThan(100);
    expect(applied.reuse).toBeGreaterThan(100);
  });
});
