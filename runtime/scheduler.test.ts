import { describe, expect, it } from 'vitest';
import {
  ActorSystem,
  type Clock,
  FairScheduler,
  type Ref,
  type Runnable,
  seededRandom,
  systemClock,
  type TimerHandle,
} from './index.ts';
import { captureLogger, Deterministic, DeterministicScheduler } from './testing/index.ts';

/** A runnable with `todo` messages; records the budget of each visit. */
function job(name: string, todo: number, log: string[]): Runnable & { done: number } {
  let left = todo;
  return {
    done: 0,
    run(budget: number) {
      const k = Math.min(budget, left);
      left -= k;
      this.done += k;
      log.push(`${name}${budget}:${k}`);
      return k;
    },
    get wantsMore() {
      return left > 0;
    },
  };
}

/** A clock whose deferred tasks run only when the test says so. */
function manualClock(): Clock & { deferred: (() => void)[] } {
  const deferred: (() => void)[] = [];
  return {
    deferred,
    now: () => 0,
    setTimer: () => ({}) as TimerHandle,
    clearTimer() {},
    defer(fn) {
      deferred.push(fn);
    },
  };
}

const microtask = () => new Promise<void>((r) => queueMicrotask(r));

describe('FairScheduler', () => {
  it('runs scheduled work in a microtask, not in the caller', async () => {
    const log: string[] = [];
    const s = new FairScheduler(manualClock());
    const a = job('a', 1, log);
    s.schedule(a);
    expect(a.done).toBe(0);
    await microtask();
    expect(a.done).toBe(1);
  });

  it('gives each ready actor at most 64 messages per visit, round robin', async () => {
    const log: string[] = [];
    const s = new FairScheduler(manualClock());
    s.schedule(job('a', 140, log));
    s.schedule(job('b', 70, log));
    await microtask();
    expect(log).toEqual(['a64:64', 'b64:64', 'a64:64', 'b64:6', 'a64:12']);
  });

  it('yields through clock.defer after 20,000 messages in a turn, and goes on in the next turn', async () => {
    const log: string[] = [];
    const clock = manualClock();
    const s = new FairScheduler(clock);
    const a = job('a', 50_000, log);
    s.schedule(a);
    await microtask();
    expect(a.done).toBe(20_000);
    expect(log.at(-1)).toBe('a32:32');
    expect(clock.deferred).toHaveLength(1);
    clock.deferred.shift()!();
    expect(a.done).toBe(40_000);
    expect(clock.deferred).toHaveLength(1);
    clock.deferred.shift()!();
    expect(a.done).toBe(50_000);
    expect(clock.deferred).toHaveLength(0);
  });

  it('takes its throughput and turn size as options', async () => {
    const log: string[] = [];
    const clock = manualClock();
    const s = new FairScheduler(clock, { throughput: 3, turnMax: 7 });
    s.schedule(job('a', 5, log));
    s.schedule(job('b', 5, log));
    await microtask();
    expect(log).toEqual(['a3:3', 'b3:3', 'a1:1']);
    expect(clock.deferred).toHaveLength(1);
    clock.deferred.shift()!();
    expect(log.slice(3)).toEqual(['b3:2', 'a3:1']);
    expect(clock.deferred).toHaveLength(0);
  });

  it('runs work scheduled during a turn in the same turn, with one microtask for many schedules', async () => {
    const log: string[] = [];
    const s = new FairScheduler(manualClock());
    const b = job('b', 1, log);
    const a: Runnable = {
      run() {
        log.push('a');
        s.schedule(b);
        return 1;
      },
      wantsMore: false,
    };
    s.schedule(a);
    await microtask();
    expect(log).toEqual(['a', 'b64:1']);
    s.schedule(job('c', 1, log));
    s.schedule(job('d', 1, log));
    await microtask();
    expect(log).toEqual(['a', 'b64:1', 'c64:1', 'd64:1']);
  });

  it('does not let one actor flooding itself starve timers and I/O callbacks (real clock)', async () => {
    const sys = new ActorSystem({ node: 'real', logger: captureLogger().logger });
    const total = 200_000;
    let handled = 0;
    const done = new Promise<void>((resolve) => {
      const ref = sys.spawn<number, undefined>({
        receive(_s, n, ctx) {
          handled++;
          if (n < total) ctx.send(ctx.self, n + 1);
          else resolve();
          return undefined;
        },
      });
      sys.send(ref, 1);
    });
    const atImmediate = new Promise<number>((r) => setImmediate(() => r(handled)));
    const atTimer = new Promise<number>((r) => systemClock.setTimer(0, () => r(handled)));
    await done;
    expect(handled).toBe(total);
    expect(await atImmediate).toBeLessThan(total);
    expect(await atTimer).toBeLessThan(total);
    await sys.shutdown();
  });

  it('interleaves two busy actors in slices of at most 64 messages (real clock)', async () => {
    const sys = new ActorSystem({ node: 'real', logger: captureLogger().logger });
    const order: string[] = [];
    const n = 1000;
    let finished = 0;
    await new Promise<void>((resolve) => {
      for (const name of ['a', 'b']) {
        const ref = sys.spawn<number, undefined>({
          receive(_s, i, ctx) {
            order.push(name);
            if (i < n) ctx.send(ctx.self, i + 1);
            else if (++finished === 2) resolve();
            return undefined;
          },
        });
        sys.send(ref, 1);
      }
    });
    let longest = 0;
    let run = 0;
    for (let i = 0; i < order.length; i++) {
      run = i > 0 && order[i] === order[i - 1] ? run + 1 : 1;
      longest = Math.max(longest, run);
    }
    expect(order).toHaveLength(2 * n);
    expect(longest).toBe(64);
    await sys.shutdown();
  });

  it('runs a ping-pong of ask and reply to the end with the default scheduler and clock', async () => {
    const sys = new ActorSystem({ node: 'real', logger: captureLogger().logger });
    const pong = sys.spawn<{ n: number; replyTo: Ref<number> }, undefined>({
      receive(_s, m, ctx) {
        ctx.send(m.replyTo, m.n + 1);
        return undefined;
      },
    });
    let n = 0;
    for (let i = 0; i < 1000; i++) n = await sys.ask(pong, (replyTo) => ({ n, replyTo }));
    expect(n).toBe(1000);
    await sys.shutdown();
  });
});

describe('DeterministicScheduler', () => {
  it('runs one ready runnable per step in an order drawn from its random, and traces it', () => {
    const s = new DeterministicScheduler(seededRandom(1));
    const log: string[] = [];
    const mk = (name: string) => Object.assign(job(name, 2, log), { ref: name });
    s.schedule(mk('a'));
    s.schedule(mk('b'));
    expect(s.readyCount).toBe(2);
    expect(s.runReady()).toBe(4);
    expect(s.step()).toBe(false);
    expect(log.every((l) => l.endsWith('1:1'))).toBe(true);
    expect([...s.trace].sort()).toEqual(['a', 'a', 'b', 'b']);
  });

  it('traces ? for a runnable without a ref, and can run without a trace', () => {
    const traced = new DeterministicScheduler(seededRandom(1));
    traced.schedule(job('x', 1, []));
    traced.runReady();
    expect(traced.trace).toEqual(['?']);
    const untraced = new DeterministicScheduler(seededRandom(1), 1, false);
    untraced.schedule(job('x', 1, []));
    untraced.runReady();
    expect(untraced.trace).toEqual([]);
  });

  it('gives each step its throughput', () => {
    const s = new DeterministicScheduler(seededRandom(1), 5);
    const log: string[] = [];
    s.schedule(job('a', 12, log));
    s.runReady();
    expect(log).toEqual(['a5:5', 'a5:5', 'a5:2']);
  });

  it('reports a livelock when still busy after maxSteps', () => {
    const s = new DeterministicScheduler(seededRandom(1));
    s.schedule(job('forever', Number.POSITIVE_INFINITY, []));
    expect(() => s.runReady(10)).toThrow(
      new Error('deterministic scheduler: still busy after 10 steps (a livelock?)'),
    );
  });
});

describe('Deterministic', () => {
  it('settle runs actors, deferred tasks and promise callbacks until quiet, without moving time', async () => {
    const d = new Deterministic(3, { startMs: 500 });
    const sys = d.system();
    const got: string[] = [];
    const ref = sys.spawn<string, undefined>({
      async receive(_s, m, ctx) {
        await Promise.resolve();
        got.push(m);
        if (m === 'first') ctx.send(ctx.self, 'second');
        return undefined;
      },
    });
    d.clock.defer(() => sys.send(ref, 'first'));
    await d.settle();
    expect(got).toEqual(['first', 'second']);
    expect(d.clock.now()).toBe(500);
    expect(sys.node).toBe('local');
  });

  it('settle gives up with an error when an actor never goes quiet', async () => {
    const d = new Deterministic(3);
    const sys = d.system();
    const ref = sys.spawn<string, undefined>({
      async receive(_s, _m, ctx) {
        ctx.send(ctx.self, 'again');
        return undefined;
      },
    });
    sys.send(ref, 'go');
    await expect(d.settle(5)).rejects.toThrow(new Error('settle: not quiet after 5 rounds'));
  });

  it('advance fires timers at their due times in order and ends at the target time', async () => {
    const d = new Deterministic(3, { startMs: 0 });
    const seen: number[] = [];
    d.clock.setTimer(30, () => seen.push(d.clock.now()));
    d.clock.setTimer(10, () => {
      seen.push(d.clock.now());
      d.clock.setTimer(5, () => seen.push(d.clock.now()));
    });
    d.clock.setTimer(100, () => seen.push(d.clock.now()));
    await d.advance(50);
    expect(seen).toEqual([10, 15, 30]);
    expect(d.clock.now()).toBe(50);
  });

  it('gives every system the same clock, random, scheduler and captured log', () => {
    const d = new Deterministic(3);
    const a = d.system({ node: 'a' });
    const b = d.system({ node: 'b' });
    expect(a.clock).toBe(d.clock);
    expect(b.random).toBe(d.random);
    expect(a.scheduler).toBe(d.scheduler);
    expect(b.log).toBe(d.log.logger);
  });
});
