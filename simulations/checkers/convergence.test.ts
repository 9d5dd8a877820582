import { describe, expect, it } from 'vitest';
import { checkConvergence } from './convergence.ts';
import { factsOf } from './facts.ts';
import { defaultChecks, HistoryBuilder } from './test-history.ts';

const users = { alice: ['phone'], bob: ['phone', 'laptop'] };
const converge = (b: HistoryBuilder, convergenceS = 30) =>
  checkConvergence(factsOf(b.build()), { ...defaultChecks, convergenceS });

/** A cut from 1000 to 2000 ms and a later one from 1500 to 3000 ms; m1 acked at 500. */
function faulted(): HistoryBuilder {
  const b = new HistoryBuilder(users).connectAll().fault(1000, 2000).fault(1500, 3000, 'cut n2');
  b.at(400).send('alice', 'phone', 'm1', 'user:bob').at(500).sent('alice', 'phone', 'm1');
  return b.at(600).deliver('bob', 'phone', 'alice', 'm1', 1);
}

describe('convergence', () => {
  it('passes with no faults, at 0 ms', () => {
    const b = new HistoryBuilder(users).connectAll();
    b.at(1).send('alice', 'phone', 'm1', 'user:bob').sent('alice', 'phone', 'm1');
    expect(converge(b)).toEqual({ ok: true, faults: 0, convergenceMs: 0, limitMs: 30_000 });
  });

  it('fails, with a reason, when a fault never ended', () => {
    const b = new HistoryBuilder(users).fault(1000, 2000).fault(1500, undefined, 'crash n3');
    expect(converge(b)).toEqual({
      ok: false,
      reason: 'fault "crash n3" (partition) from 1500 ms never ended',
      faults: 2,
      limitMs: 30_000,
    });
  });

  it('measures from the last fault end to the latest owed delivery', () => {
    const b = faulted().at(3700).deliver('bob', 'laptop', 'alice', 'm1', 1);
    // Acked after the last fault: not judged, however late it arrives.
    b.at(3800).send('alice', 'phone', 'm2', 'user:bob').sent('alice', 'phone', 'm2');
    b.at(9000).deliver('bob', 'phone', 'alice', 'm2', 2);
    expect(converge(b)).toEqual({
      ok: true,
      faults: 2,
      lastFaultEndMs: 3000,
      messages: 1,
      required: 2,
      missing: 0,
      convergenceMs: 700,
      limitMs: 30_000,
    });
    expect(converge(b, 0.7).ok).toBe(true);
    expect(converge(b, 0.699)).toMatchObject({ ok: false, convergenceMs: 700, missing: 0 });
  });

  it('fails a message acked before the last fault end that never reached a connected device', () => {
    expect(converge(faulted())).toEqual({
      ok: false,
      faults: 2,
      lastFaultEndMs: 3000,
      messages: 1,
      required: 2,
      missing: 1,
      convergenceMs: 0,
      limitMs: 30_000,
      examples: [{ from: 'alice', id: 'm1', user: 'bob', device: 'laptop', sentT: 500 }],
    });
    // The laptop gone for good owes nothing.
    expect(converge(faulted().at(4000).disconnect('bob', 'laptop'))).toMatchObject({
      ok: true,
      required: 1,
      missing: 0,
    });
  });
});
