import { describe, expect, test } from 'vitest';
import type { ActorContext } from '../../runtime/index.ts';
import { Deterministic } from '../../runtime/testing/index.ts';
import { deadlines } from './deadlines.ts';

type Msg = { t: 'tick' };

/** An actor that records when each tick reached it. */
function ticker(d: Deterministic, at: number[]) {
  const system = d.system();
  let context: ActorContext<Msg> | undefined;
  system.spawn<Msg, undefined>({
    init(ctx) {
      context = ctx;
      return undefined;
    },
    receive(_s, _m, ctx) {
      at.push(ctx.clock.now());
      return undefined;
    },
  });
  return () => context!;
}

describe('shared deadlines', () => {
  test('posts each member its message delayMs after it was scheduled, in order, with one clock timer', async () => {
    const d = new Deterministic(1, { startMs: 0 });
    const queue = deadlines<Msg>(d.clock, 'tick', 100, { t: 'tick' });
    const a: number[] = [];
    const b: number[] = [];
    const ctxA = ticker(d, a);
    const ctxB = ticker(d, b);
    await d.settle();
    queue.schedule(ctxA());
    await d.advance(30);
    queue.schedule(ctxB());
    expect(queue.size).toBe(2);
    expect(d.clock.nextTimerAt()).toBe(100);
    await d.advance(70);
    expect(a).toEqual([100]);
    expect(b).toEqual([]);
    await d.advance(30);
    expect(b).toEqual([130]);
    expect(queue.size).toBe(0);
    expect(d.clock.nextTimerAt()).toBeUndefined();
  });

  test('a cancelled member gets nothing, and an empty queue holds no timer', async () => {
    const d = new Deterministic(1, { startMs: 0 });
    const queue = deadlines<Msg>(d.clock, 'tick', 100, { t: 'tick' });
    const a: number[] = [];
    const ctxA = ticker(d, a);
    await d.settle();
    queue.schedule(ctxA());
    queue.cancel(ctxA());
    expect(d.clock.nextTimerAt()).toBeUndefined();
    await d.advance(500);
    expect(a).toEqual([]);
  });

  test('scheduling again moves the deadline; one queue per clock, kind and delay', async () => {
    const d = new Deterministic(1, { startMs: 0 });
    const queue = deadlines<Msg>(d.clock, 'tick', 100, { t: 'tick' });
    expect(deadlines<Msg>(d.clock, 'tick', 100, { t: 'tick' })).toBe(queue);
    expect(deadlines<Msg>(d.clock, 'tick', 200, { t: 'tick' })).not.toBe(queue);
    expect(deadlines<Msg>(new Deterministic(1).clock, 'tick', 100, { t: 'tick' })).not.toBe(queue);
    const a: number[] = [];
    const ctxA = ticker(d, a);
    await d.settle();
    queue.schedule(ctxA());
    await d.advance(50);
    queue.schedule(ctxA());
    await d.advance(60);
    expect(a).toEqual([]);
    await d.advance(40);
    expect(a).toEqual([150]);
  });
});
