import { describe, expect, it } from 'vitest';
import type { TimerRef } from '../../runtime/index.ts';
import { VirtualClock } from '../../runtime/testing/index.ts';
import {
  type LifecycleContext,
  onRouted,
  passivateIfIdle,
  startLifecycle,
  type Tick,
  takeTick,
  tickAgain,
  UNROUTED,
} from './actor-lifecycle.ts';

const timing = { tickMs: 1000, idlePassivateMs: 60_000 };

/** A context that records timers and sends instead of running them. */
function fakeContext() {
  const clock = new VirtualClock(0);
  const timers = new Map<TimerRef, { atMs: number; msg: Tick }>();
  const sent: unknown[] = [];
  const ctx = {
    clock,
    self: {},
    sendAfter: (ms: number, msg: Tick) => {
      const ref = {} as TimerRef;
      timers.set(ref, { atMs: clock.now() + ms, msg });
      return ref;
    },
    cancelTimer: (ref: TimerRef) => {
      timers.delete(ref);
    },
    send: (_to: unknown, msg: unknown) => sent.push(msg),
  } as unknown as LifecycleContext;
  return { ctx, clock, timers, sent };
}

describe('actor lifecycle', () => {
  it('schedules the first tick on start and takes only the tick it waits for', () => {
    const { ctx, timers } = fakeContext();
    const life = startLifecycle(ctx, timing);
    const [first] = [...timers.values()];
    expect(first!.atMs).toBe(timing.tickMs);
    expect(takeTick(life, { t: 'tick' })).toBe(false);
    expect(takeTick(life, first!.msg)).toBe(true);
    expect(takeTick(life, first!.msg)).toBe(false);
  });

  it('an idle actor gets one wake-up for its passivation, replaced by the regular tick on the next routed message', () => {
    const { ctx, clock, timers } = fakeContext();
    const life = startLifecycle(ctx, timing);
    const first = [...timers.values()][0]!.msg;
    timers.clear();
    clock.setNow(10_000);
    takeTick(life, first);
    tickAgain(life, ctx, timing, false, true);
    const wake = [...timers.values()];
    expect(wake.map((t) => t.atMs)).toEqual([timing.idlePassivateMs]);
    onRouted(life, 'post', UNROUTED, ctx, timing);
    const now = [...timers.values()];
    expect(now.map((t) => t.atMs)).toEqual([10_000 + timing.tickMs]);
    // The wake-up, had it fired before it was cancelled, is dropped: one chain of ticks.
    expect(takeTick(life, wake[0]!.msg)).toBe(false);
    expect(takeTick(life, now[0]!.msg)).toBe(true);
  });

  it('keeps no timer when idle and held (or passivating), and a routed message starts the tick again', () => {
    const { ctx, timers } = fakeContext();
    const life = startLifecycle(ctx, timing);
    takeTick(life, [...timers.values()][0]!.msg);
    timers.clear();
    tickAgain(life, ctx, timing, false, false);
    expect(timers.size).toBe(0);
    onRouted(life, 'tick', UNROUTED, ctx, timing);
    expect(timers.size).toBe(0);
    expect(life.routed).toBe(0);
    onRouted(life, 'attach', UNROUTED, ctx, timing);
    expect(timers.size).toBe(1);
    expect(life.routed).toBe(1);
  });

  it('asks to passivate once, idle long enough and not held, with the routed count', () => {
    const { ctx, clock, sent } = fakeContext();
    const life = startLifecycle(ctx, timing);
    onRouted(life, 'post', UNROUTED, ctx, timing);
    const activator = {} as Parameters<typeof passivateIfIdle>[3];
    clock.setNow(timing.idlePassivateMs - 1);
    passivateIfIdle(life, ctx, timing, activator, 'group:g', true);
    expect(sent).toEqual([]);
    clock.setNow(timing.idlePassivateMs);
    passivateIfIdle(life, ctx, timing, activator, 'group:g', false);
    expect(sent).toEqual([]);
    passivateIfIdle(life, ctx, timing, activator, 'group:g', true);
    passivateIfIdle(life, ctx, timing, activator, 'group:g', true);
    expect(sent).toEqual([{ t: 'passivate', key: 'group:g', ref: ctx.self, received: 1 }]);
    expect(life.passivating).toBe(true);
  });
});
