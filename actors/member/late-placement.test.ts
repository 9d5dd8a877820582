import { describe, expect, it } from 'vitest';
import { ManualPlacement } from '../virtual/index.ts';
import { LatePlacement } from './late-placement.ts';

describe('LatePlacement', () => {
  it('places nothing until bound, then delegates and relays every change', () => {
    const late = new LatePlacement();
    let changes = 0;
    late.onChange(() => changes++);
    expect(late.owner('user:a')).toBeUndefined();
    const manual = new ManualPlacement(() => 'n1');
    late.bind(manual);
    expect(changes).toBe(1);
    expect(late.owner('user:a')).toBe('n1');
    manual.set(() => 'n2');
    expect(changes).toBe(2);
    expect(late.owner('user:a')).toBe('n2');
  });

  it('stops relaying the old placement after a rebind', () => {
    const late = new LatePlacement();
    let changes = 0;
    late.onChange(() => changes++);
    const first = new ManualPlacement(() => 'n1');
    late.bind(first);
    late.bind(new ManualPlacement(() => 'n3'));
    first.set(() => 'n9');
    expect(changes).toBe(2);
    expect(late.owner('k')).toBe('n3');
  });
});

describe('LatePlacement.handoffExpected', () => {
  it("answers the bound placement's verdict (a key gained from a crashed node activates at once)", () => {
    const late = new LatePlacement();
    expect(late.handoffExpected('user:a')).toBe(true);
    late.bind(
      new ManualPlacement(
        () => 'n1',
        (key) => key === 'user:moving',
      ),
    );
    expect(late.handoffExpected('user:a')).toBe(false);
    expect(late.handoffExpected('user:moving')).toBe(true);
  });

  it('defaults to waiting for a handoff when the bound placement cannot tell', () => {
    const late = new LatePlacement();
    late.bind(new ManualPlacement(() => 'n1'));
    expect(late.handoffExpected('user:a')).toBe(true);
  });
});
