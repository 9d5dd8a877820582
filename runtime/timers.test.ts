import { describe, expect, it } from 'vitest';
import { ActorSystem, type Behavior, systemClock, type TimerRef } from './index.ts';
import { captureLogger, Deterministic } from './testing/index.ts';

function setup(seed = 1) {
  const d = new Deterministic(seed, { startMs: 0 });
  return { d, sys: d.system({ node: 'n1' }) };
}

type Msg =
  | { readonly k: 'after'; readonly ms: number; readonly tag: string }
  | { readonly k: 'cancel'; readonly tag: string }
  | { readonly k: 'tick'; readonly tag: string };

function timed(log: string[], clockNow: () => number): Behavior<Msg, Map<string, TimerRef>> {
  return {
    init: () => new Map(),
    receive(timers, m, ctx) {
      if (m.k === 'after') timers.set(m.tag, ctx.sendAfter(m.ms, { k: 'tick', tag: m.tag }));
      else if (m.k === 'cancel') {
        const t = timers.get(m.tag);
        if (t !== undefined) ctx.cancelTimer(t);
      } else log.push(`${m.tag}@${clockNow()}`);
      return timers;
    },
  };
}

describe('timers', () => {
  it('sendAfter delivers the message to self after the delay, not before', async () => {
    const { d, sys } = setup();
    const log: string[] = [];
    const ref = sys.spawn(timed(log, () => d.clock.now()));
    sys.send(ref, { k: 'after', ms: 100, tag: 'a' });
    await d.advance(99);
    expect(log).toEqual([]);
    await d.advance(1);
    expect(log).toEqual(['a@100']);
  });

  it('fire in due order, and in creation order for the same due time; a negative delay fires at once', async () => {
    const { d, sys } = setup();
    const log: string[] = [];
    const ref = sys.spawn(timed(log, () => d.clock.now()));
    sys.send(ref, { k: 'after', ms: 30, tag: 'c' });
    sys.send(ref, { k: 'after', ms: 10, tag: 'a' });
    sys.send(ref, { k: 'after', ms: 10, tag: 'b' });
    sys.send(ref, { k: 'after', ms: -5, tag: 'now' });
    await d.advance(50);
    expect(log).toEqual(['now@0', 'a@10', 'b@10', 'c@30']);
  });

  it('cancelTimer stops a pending timer; cancelling a fired or cancelled timer is harmless', async () => {
    const { d, sys } = setup();
    const log: string[] = [];
    const ref = sys.spawn(timed(log, () => d.clock.now()));
    sys.send(ref, { k: 'after', ms: 10, tag: 'keep' });
    sys.send(ref, { k: 'after', ms: 20, tag: 'drop' });
    sys.send(ref, { k: 'cancel', tag: 'drop' });
    sys.send(ref, { k: 'cancel', tag: 'drop' });
    await d.advance(10);
    sys.send(ref, { k: 'cancel', tag: 'keep' });
    await d.advance(100);
    expect(log).toEqual(['keep@10']);
    expect(d.clock.nextTimerAt()).toBeUndefined();
  });

  it('die with the actor: nothing fires and nothing becomes a dead letter', async () => {
    const { d, sys } = setup();
    const log: string[] = [];
    const ref = sys.spawn(timed(log, () => d.clock.now()));
    sys.send(ref, { k: 'after', ms: 10, tag: 'a' });
    sys.send(ref, { k: 'after', ms: 20, tag: 'b' });
    await d.settle();
    sys.exit(ref, 'kill');
    expect(d.clock.nextTimerAt()).toBeUndefined();
    await d.advance(100);
    expect(log).toEqual([]);
    expect(sys.deadLetters.total).toBe(0);
  });

  it('die with an actor that stops normally or crashes', async () => {
    const { d, sys } = setup();
    for (const end of ['stop', 'crash'] as const) {
      const ref = sys.spawn<string, undefined>({
        receive(_s, m, ctx) {
          if (m === 'arm') ctx.sendAfter(10, 'fired');
          else if (m === 'fired') throw new Error('should not fire');
          else if (end === 'stop') ctx.stop();
          else throw new Error('crash');
          return undefined;
        },
      });
      sys.send(ref, 'arm');
      sys.send(ref, 'end');
      await d.settle();
      expect(sys.isAlive(ref)).toBe(false);
    }
    expect(d.clock.nextTimerAt()).toBeUndefined();
    await d.advance(50);
    expect(sys.stats.crashed).toBe(1);
  });

  it('are not armed by an actor that was killed while its async handler was still running', async () => {
    const { d, sys } = setup();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const ref = sys.spawn<string, undefined>({
      async receive(_s, _m, ctx) {
        await gate;
        ctx.sendAfter(10, 'from a dead actor');
        return undefined;
      },
    });
    sys.send(ref, 'go');
    await d.settle();
    sys.exit(ref, 'kill');
    release();
    await d.settle();
    expect(d.clock.nextTimerAt()).toBeUndefined();
    await d.advance(20);
    expect(sys.deadLetters.total).toBe(0);
  });

  it('can be armed in init and rearm themselves', async () => {
    const { d, sys } = setup();
    const ticks: number[] = [];
    sys.spawn<string, number>({
      init(ctx) {
        ctx.sendAfter(100, 'tick');
        return 0;
      },
      receive(n, _m, ctx) {
        ticks.push(d.clock.now());
        if (n < 2) ctx.sendAfter(100, 'tick');
        return n + 1;
      },
    });
    await d.advance(1000);
    expect(ticks).toEqual([100, 200, 300]);
  });

  it('fire on the real clock', async () => {
    const log = captureLogger();
    const sys = new ActorSystem({ node: 'real', logger: log.logger, clock: systemClock });
    const got = await new Promise<number>((resolve) => {
      const start = Date.now();
      sys.spawn<string, undefined>({
        init(ctx) {
          ctx.sendAfter(20, 'tick');
          return undefined;
        },
        receive() {
          resolve(Date.now() - start);
          return undefined;
        },
      });
    });
    expect(got).toBeGreaterThanOrEqual(19);
    await sys.shutdown();
  });
});
