import { describe, expect, it } from 'vitest';
import { VirtualClock } from './index.ts';

describe('VirtualClock', () => {
  it('starts at the given time (default 1,700,000,000,000) and moves only when told', () => {
    expect(new VirtualClock().now()).toBe(1_700_000_000_000);
    const c = new VirtualClock(10);
    expect(c.now()).toBe(10);
    c.setNow(50);
    expect(c.now()).toBe(50);
  });

  it('never moves backwards', () => {
    const c = new VirtualClock(100);
    c.setNow(40);
    expect(c.now()).toBe(100);
  });

  it('fires due timers in (due time, creation order) order and leaves later ones', () => {
    const c = new VirtualClock(0);
    const fired: string[] = [];
    c.setTimer(30, () => fired.push('c30'));
    c.setTimer(10, () => fired.push('a10'));
    c.setTimer(20, () => fired.push('b20'));
    c.setTimer(10, () => fired.push('a10-second'));
    c.setTimer(-5, () => fired.push('now'));
    c.setTimer(40, () => fired.push('d40'));
    expect(c.nextTimerAt()).toBe(0);
    c.setNow(30);
    expect(c.fireDue()).toBe(5);
    expect(fired).toEqual(['now', 'a10', 'a10-second', 'b20', 'c30']);
    expect(c.nextTimerAt()).toBe(40);
  });

  it('fires timers set by a firing timer when they are already due', () => {
    const c = new VirtualClock(0);
    const fired: number[] = [];
    c.setTimer(5, () => {
      fired.push(c.now());
      c.setTimer(0, () => fired.push(-1));
    });
    c.setNow(5);
    expect(c.fireDue()).toBe(2);
    expect(fired).toEqual([5, -1]);
  });

  it('skips cancelled timers, even at the head of the heap', () => {
    const c = new VirtualClock(0);
    const fired: string[] = [];
    const a = c.setTimer(1, () => fired.push('a'));
    c.setTimer(2, () => fired.push('b'));
    c.clearTimer(a);
    expect(c.nextTimerAt()).toBe(2);
    c.setNow(10);
    expect(c.fireDue()).toBe(1);
    expect(fired).toEqual(['b']);
    expect(c.nextTimerAt()).toBeUndefined();
  });

  it('keeps heap order over many random timers', () => {
    const c = new VirtualClock(0);
    const fired: number[] = [];
    let x = 12345;
    for (let i = 0; i < 500; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const at = x % 1000;
      c.setTimer(at, () => fired.push(at));
    }
    c.setNow(1000);
    c.fireDue();
    expect(fired).toHaveLength(500);
    expect(fired).toEqual([...fired].sort((a, b) => a - b));
  });

  it('runs deferred tasks, including ones they defer, only when drained', () => {
    const c = new VirtualClock(0);
    const ran: string[] = [];
    c.defer(() => {
      ran.push('one');
      c.defer(() => ran.push('three'));
    });
    c.defer(() => ran.push('two'));
    expect(c.hasDeferred).toBe(true);
    expect(ran).toEqual([]);
    expect(c.runDeferred()).toBe(3);
    expect(ran).toEqual(['one', 'two', 'three']);
    expect(c.hasDeferred).toBe(false);
    expect(c.runDeferred()).toBe(0);
  });
});
