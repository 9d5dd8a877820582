import { describe, expect, it } from 'vitest';
import { ManualPlacement } from '../actors/virtual/index.ts';
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
