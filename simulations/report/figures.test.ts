/**
 * How the report reads runs: params as `k=v;k=v`, a check's key figure
 * (the shipped checkers' own, a nested one, then the fallbacks), which
 * parameters vary, and checks failing first.
 */
import { describe, expect, it } from 'vitest';
import { checksFailingFirst, jsonText, keyFigure, paramsText, sweptParams } from './figures.ts';
import { fixtureRun } from './fixture.ts';

describe('figures', () => {
  it('takes the shipped checkers key figures, nested ones by path, then the usual names, then any number', () => {
    expect(keyFigure('availability', { ok: true, sends: 10, share: 0.9 })).toEqual({
      name: 'share',
      value: 0.9,
    });
    expect(keyFigure('latency', { ok: true, sentMs: { count: 3, p50: 1, p99: 40 } })).toEqual({
      name: 'sentMs.p99',
      value: 40,
    });
    // No sends: the latency summary has no p99, and nothing else is a number at the top.
    expect(keyFigure('latency', { ok: true, sentMs: { count: 0 } })).toBeUndefined();
    expect(keyFigure('new-check', { ok: false, total: 4, violations: 2 })).toEqual({
      name: 'violations',
      value: 2,
    });
    expect(keyFigure('new-check', { ok: true, note: 'x', total: 4 })).toEqual({
      name: 'total',
      value: 4,
    });
    expect(keyFigure('lost', { ok: true, missing: Number.NaN })).toBeUndefined();
  });

  it('lists params in their order, finds the swept ones, and sorts failing checks first', () => {
    const a = fixtureRun({ params: { 'network.dropRate': 0, 'users.count': 10 } });
    const b = fixtureRun({ seed: 2, params: { 'network.dropRate': 0.1, 'users.count': 10 } });
    expect(paramsText(a)).toBe('network.dropRate=0;users.count=10');
    expect(paramsText(fixtureRun())).toBe('');
    expect(sweptParams([a, b])).toEqual(['network.dropRate']);
    expect(sweptParams([a, fixtureRun()])).toEqual(['network.dropRate', 'users.count']);
    const names = checksFailingFirst(fixtureRun({ failing: true })).map(([n]) => n);
    expect(names.slice(0, 3)).toEqual(['availability', 'lost', 'convergence']);
  });

  it('writes JSON that never throws: bigints as strings, cycles as a note', () => {
    expect(jsonText({ n: 1n }, 0)).toBe('{"n":"1"}');
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(jsonText(cycle)).toMatch(/^\(not JSON: .*circular/i);
  });
});
