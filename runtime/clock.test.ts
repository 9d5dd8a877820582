import { describe, expect, it } from 'vitest';
import { monotonicMs, sleep, systemClock } from './index.ts';
import { VirtualClock } from './testing/index.ts';

describe('systemClock', () => {
  it('reads wall time in ms since the epoch', () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('fires a timer once after its delay, clamping a negative delay to 0', async () => {
    const fired: string[] = [];
    await new Promise<void>((resolve) => {
      systemClock.setTimer(-50, () => fired.push('negative'));
      systemClock.setTimer(5, () => {
        fired.push('five');
        resolve();
      });
    });
    expect(fired).toEqual(['negative', 'five']);
  });

  it('does not fire a cleared timer, and clearing twice is harmless', async () => {
    let fired = false;
    const t = systemClock.setTimer(1, () => {
      fired = true;
    });
    systemClock.clearTimer(t);
    systemClock.clearTimer(t);
    await new Promise((r) => setTimeout(r, 10));
    expect(fired).toBe(false);
  });

  it('defers to a macrotask: after promise callbacks, in order', async () => {
    const order: string[] = [];
    await new Promise<void>((resolve) => {
      systemClock.defer(() => order.push('defer 1'));
      systemClock.defer(() => {
        order.push('defer 2');
        resolve();
      });
      void Promise.resolve().then(() => order.push('microtask'));
      order.push('sync');
    });
    expect(order).toEqual(['sync', 'microtask', 'defer 1', 'defer 2']);
  });
});

describe('sleep', () => {
  it('resolves after the delay on the given clock', async () => {
    const clock = new VirtualClock(0);
    let done = false;
    void sleep(clock, 100).then(() => {
      done = true;
    });
    clock.setNow(99);
    clock.fireDue();
    await Promise.resolve();
    expect(done).toBe(false);
    clock.setNow(100);
    clock.fireDue();
    await Promise.resolve();
    expect(done).toBe(true);
  });

  it('resolves on the real clock too', async () => {
    const start = Date.now();
    await sleep(systemClock, 15);
    expect(Date.now() - start).toBeGreaterThanOrEqual(14);
  });
});

describe('monotonicMs', () => {
  it('never goes backwards and measures elapsed time in ms', async () => {
    const a = monotonicMs();
    await new Promise((r) => setTimeout(r, 20));
    const b = monotonicMs();
    expect(b).toBeGreaterThanOrEqual(a + 15);
    expect(monotonicMs()).toBeGreaterThanOrEqual(b);
  });
});
