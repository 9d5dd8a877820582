import { describe, expect, it } from 'vitest';
import type { ActorContext, AnyRef, Behavior, Down, ExitReason } from './index.ts';
import { Deterministic, probe } from './testing/index.ts';

function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
} {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function setup(seed = 1) {
  const d = new Deterministic(seed);
  return { d, sys: d.system({ node: 'n1' }) };
}

const crashReports = (d: Deterministic) => d.log.lines.filter((l) => l.msg === 'crash report');

describe('an actor', () => {
  it('starts with the state init makes and threads the state through receive', async () => {
    const { d, sys } = setup();
    const seen: number[] = [];
    const ref = sys.spawn<number, number>({
      init: () => 100,
      receive(state, n) {
        seen.push(state);
        return state + n;
      },
    });
    sys.send(ref, 1);
    sys.send(ref, 2);
    sys.send(ref, 3);
    await d.settle();
    expect(seen).toEqual([100, 101, 103]);
  });

  it('starts with undefined state when it has no init', async () => {
    const { d, sys } = setup();
    const seen: unknown[] = [];
    const ref = sys.spawn<string, undefined>({
      receive(state) {
        seen.push(state);
        return undefined;
      },
    });
    sys.send(ref, 'x');
    await d.settle();
    expect(seen).toEqual([undefined]);
  });

  it('sees itself, its node, the clock, the random and the message being handled on its context', async () => {
    const { d, sys } = setup();
    let ctxSeen: ActorContext<string> | undefined;
    let current: unknown;
    const ref = sys.spawn<string, undefined>({
      receive(_s, _m, ctx) {
        ctxSeen = ctx;
        current = ctx.current;
        return undefined;
      },
    });
    sys.send(ref, 'hello');
    await d.settle();
    expect(ctxSeen?.self).toBe(ref);
    expect(ctxSeen?.node).toBe('n1');
    expect(ctxSeen?.clock).toBe(d.clock);
    expect(ctxSeen?.random).toBe(d.random);
    expect(current).toBe('hello');
  });

  it('handles one message at a time: the next waits until an async handler settles', async () => {
    const { d, sys } = setup();
    const gates = [deferred(), deferred(), deferred()];
    const log: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const ref = sys.spawn<number, undefined>({
      async receive(_s, i) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        log.push(`start ${i}`);
        await gates[i]!.promise;
        log.push(`end ${i}`);
        inFlight--;
        return undefined;
      },
    });
    sys.send(ref, 0);
    sys.send(ref, 1);
    sys.send(ref, 2);
    await d.settle();
    expect(log).toEqual(['start 0']);
    gates[1]!.resolve();
    await d.settle();
    expect(log).toEqual(['start 0']);
    gates[0]!.resolve();
    await d.settle();
    expect(log).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2']);
    gates[2]!.resolve();
    await d.settle();
    expect(log.at(-1)).toBe('end 2');
    expect(maxInFlight).toBe(1);
  });

  it('holds messages until an async init settles', async () => {
    const { d, sys } = setup();
    const gate = deferred<string>();
    const seen: string[] = [];
    const ref = sys.spawn<string, string>({
      init: () => gate.promise,
      receive(state, m) {
        seen.push(`${state}:${m}`);
        return state;
      },
    });
    sys.send(ref, 'a');
    await d.settle();
    expect(seen).toEqual([]);
    gate.resolve('ready');
    await d.settle();
    expect(seen).toEqual(['ready:a']);
  });

  it('handles messages it sends itself during a synchronous init', async () => {
    const { d, sys } = setup();
    const seen: string[] = [];
    sys.spawn<string, undefined>({
      init(ctx) {
        ctx.send(ctx.self, 'from init');
        return undefined;
      },
      receive(_s, m) {
        seen.push(m);
        return undefined;
      },
    });
    await d.settle();
    expect(seen).toEqual(['from init']);
  });

  it('handles system messages ahead of user messages that wait at the same time', async () => {
    const { d, sys } = setup();
    const gate = deferred();
    const log: string[] = [];
    const target = sys.spawn<string, undefined>({ receive: () => undefined });
    const ref = sys.spawn<string, undefined>({
      async receive(_s, m) {
        log.push(m);
        if (m === 'block') await gate.promise;
        return undefined;
      },
      down(_s, down) {
        log.push(`down ${down.reason}`);
        return undefined;
      },
    });
    sys.send(ref, 'block');
    await d.settle();
    sys.send(ref, 'after 1');
    sys.send(ref, 'after 2');
    sys.localCell(ref)!.monitor(target);
    sys.exit(target, 'kill');
    await d.settle();
    gate.resolve();
    await d.settle();
    expect(log).toEqual(['block', 'down killed', 'after 1', 'after 2']);
  });

  it('reports its mailbox depth, name and behavior through its cell', async () => {
    const { d, sys } = setup();
    const ref = sys.spawn<string, undefined>(
      { name: 'worker', receive: () => undefined },
      { name: 'w1', trapExit: true },
    );
    sys.send(ref, 'a');
    sys.send(ref, 'b');
    const cell = sys.localCell(ref)!;
    expect(cell.depth).toBe(2);
    expect(cell.describe()).toEqual({
      ref: '<n1.1>',
      name: 'w1',
      behavior: 'worker',
      depth: 2,
      trapExit: true,
    });
    expect(String(cell)).toBe('<n1.1>(w1) "worker"');
    await d.settle();
    expect(cell.depth).toBe(0);
    const anon = sys.localCell(sys.spawn({ receive: () => undefined }))!;
    expect(String(anon)).toBe('<n1.2> "anonymous"');
    expect(anon.describe().behavior).toBe('anonymous');
  });
});

describe('stopping', () => {
  it('stop ends the actor after the current message, runs terminate once with the reason, and drops the rest', async () => {
    const { d, sys } = setup();
    const terminated: ExitReason[] = [];
    const handled: string[] = [];
    const ref = sys.spawn<string, undefined>({
      receive(_s, m, ctx) {
        handled.push(m);
        if (m === 'stop') ctx.stop({ shutdown: 'asked' });
        return undefined;
      },
      terminate(_s, reason) {
        terminated.push(reason);
      },
    });
    const exited = sys.awaitExit(ref);
    sys.send(ref, 'a');
    sys.send(ref, 'stop');
    sys.send(ref, 'b');
    await d.settle();
    expect(handled).toEqual(['a', 'stop']);
    expect(terminated).toEqual([{ shutdown: 'asked' }]);
    expect(await exited).toEqual({ shutdown: 'asked' });
    expect(sys.isAlive(ref)).toBe(false);
    expect(sys.deadLetters.counts.exited_with_mailbox).toBe(1);
  });

  it('stop without a reason stops with normal', async () => {
    const { d, sys } = setup();
    const ref = sys.spawn<string, undefined>({
      receive(_s, _m, ctx) {
        ctx.stop();
        return undefined;
      },
    });
    const exited = sys.awaitExit(ref);
    sys.send(ref, 'x');
    await d.settle();
    expect(await exited).toBe('normal');
  });

  it('stop inside an async handler takes effect when the handler settles', async () => {
    const { d, sys } = setup();
    const gate = deferred();
    const handled: string[] = [];
    const ref = sys.spawn<string, undefined>({
      async receive(_s, m, ctx) {
        handled.push(m);
        ctx.stop('shutdown');
        await gate.promise;
        return undefined;
      },
    });
    sys.send(ref, 'a');
    sys.send(ref, 'b');
    await d.settle();
    expect(sys.isAlive(ref)).toBe(true);
    gate.resolve();
    await d.settle();
    expect(sys.isAlive(ref)).toBe(false);
    expect(handled).toEqual(['a']);
  });

  it('stop called in init stops the actor once init returns', async () => {
    const { d, sys } = setup();
    const handled: string[] = [];
    const deaths: ExitReason[] = [];
    sys.onDeath((_cell, reason) => deaths.push(reason));
    const ref = sys.spawn<string, undefined>({
      init(ctx) {
        ctx.stop({ shutdown: 'nothing to do' });
        return undefined;
      },
      receive(_s, m) {
        handled.push(m);
        return undefined;
      },
    });
    expect(sys.isAlive(ref)).toBe(false);
    expect(deaths).toEqual([{ shutdown: 'nothing to do' }]);
    sys.send(ref, 'x');
    await d.settle();
    expect(handled).toEqual([]);
  });

  it('stop called in a down handler stops the actor', async () => {
    const { d, sys } = setup();
    const target = sys.spawn({ receive: () => undefined });
    const watcher = sys.spawn<string, undefined>({
      init(ctx) {
        ctx.monitor(target);
        return undefined;
      },
      receive: () => undefined,
      down(_s, _down, ctx) {
        ctx.stop({ shutdown: 'target gone' });
        return undefined;
      },
    });
    const exited = sys.awaitExit(watcher);
    sys.exit(target, 'kill');
    await d.settle();
    expect(await exited).toEqual({ shutdown: 'target gone' });
  });

  it('an async terminate is awaited before the actor dies and its watchers hear of it', async () => {
    const { d, sys } = setup();
    const gate = deferred();
    const ref = sys.spawn<string, undefined>({
      receive(_s, _m, ctx) {
        ctx.stop('shutdown');
        return undefined;
      },
      terminate: () => gate.promise,
    });
    const watcher = probe(sys);
    sys.localCell(watcher.ref)!.monitor(ref);
    sys.send(ref, 'x');
    await d.settle();
    expect(sys.isAlive(ref)).toBe(true);
    expect(watcher.downs).toEqual([]);
    gate.resolve();
    await d.settle();
    expect(sys.isAlive(ref)).toBe(false);
    expect(watcher.downs.map((x: Down) => x.reason)).toEqual(['shutdown']);
  });

  it('logs a terminate that throws or rejects, and dies with the original reason anyway', async () => {
    const { d, sys } = setup();
    const sync = sys.spawn<string, undefined>({
      receive(_s, _m, ctx) {
        ctx.stop('shutdown');
        return undefined;
      },
      terminate() {
        throw new Error('cleanup failed');
      },
    });
    const async = sys.spawn<string, undefined>({
      receive(_s, _m, ctx) {
        ctx.stop('normal');
        return undefined;
      },
      terminate: async () => {
        throw new Error('async cleanup failed');
      },
    });
    const e1 = sys.awaitExit(sync);
    const e2 = sys.awaitExit(async);
    sys.send(sync, 'x');
    sys.send(async, 'x');
    await d.settle();
    expect(await e1).toBe('shutdown');
    expect(await e2).toBe('normal');
    const failures = d.log.lines.filter((l) => l.msg === 'terminate failed');
    expect(failures.map((l) => [l.actor, (l.err as { message: string }).message]).sort()).toEqual([
      ['<n1.1>', 'cleanup failed'],
      ['<n1.2>', 'async cleanup failed'],
    ]);
  });

  it('does not run terminate when killed', async () => {
    const { d, sys } = setup();
    let terminated = false;
    const ref = sys.spawn<string, undefined>(
      {
        receive: () => undefined,
        terminate() {
          terminated = true;
        },
      },
      { trapExit: true },
    );
    const exited = sys.awaitExit(ref);
    sys.exit(ref, 'kill');
    await d.settle();
    expect(await exited).toBe('killed');
    expect(terminated).toBe(false);
  });
});

describe('crashing', () => {
  it('a handler that throws crashes the actor, runs terminate with the error reason and reports it', async () => {
    const { d, sys } = setup();
    const reasons: ExitReason[] = [];
    const ref = sys.spawn<{ op: string }, undefined>(
      {
        name: 'counter',
        receive(_s, m) {
          if (m.op === 'boom') throw new TypeError('cannot count');
          return undefined;
        },
        terminate(_s, reason) {
          reasons.push(reason);
        },
      },
      { name: 'the-counter' },
    );
    const exited = sys.awaitExit(ref);
    sys.send(ref, { op: 'boom' });
    await d.settle();
    const reason = await exited;
    expect(reason).toMatchObject({ error: 'TypeError', message: 'cannot count' });
    expect(reasons).toEqual([reason]);
    const [report, ...more] = crashReports(d);
    expect(more).toEqual([]);
    expect(report).toMatchObject({
      level: 50,
      msg: 'crash report',
      actor: '<n1.1>',
      name: 'the-counter',
      behavior: 'counter',
      message: '{"op":"boom"}',
      reason: 'TypeError: cannot count',
    });
    expect(String(report?.stack)).toContain('cannot count');
    expect(sys.stats.crashed).toBe(1);
  });

  it('an async handler that rejects crashes the actor with the rejection', async () => {
    const { d, sys } = setup();
    const ref = sys.spawn<string, undefined>({
      name: 'asyncer',
      async receive(_s, m) {
        await Promise.resolve();
        throw new RangeError(`bad ${m}`);
      },
    });
    const exited = sys.awaitExit(ref);
    sys.send(ref, 'input');
    await d.settle();
    expect(await exited).toMatchObject({ error: 'RangeError', message: 'bad input' });
    expect(crashReports(d)[0]).toMatchObject({
      actor: '<n1.1>',
      behavior: 'asyncer',
      message: '"input"',
      reason: 'RangeError: bad input',
    });
  });

  it('an init that throws crashes the actor and reports (init) as the message', async () => {
    const { d, sys } = setup();
    const ref = sys.spawn<string, undefined>({
      name: 'bad-init',
      init() {
        throw new Error('no config');
      },
      receive: () => undefined,
    });
    expect(sys.isAlive(ref)).toBe(false);
    await d.settle();
    expect(crashReports(d)[0]).toMatchObject({
      actor: '<n1.1>',
      behavior: 'bad-init',
      message: '"(init)"',
      reason: 'Error: no config',
    });
  });

  it('an async init that rejects crashes the actor', async () => {
    const { d, sys } = setup();
    const ref = sys.spawn<string, undefined>({
      init: async () => {
        throw new Error('late failure');
      },
      receive: () => undefined,
    });
    const exited = sys.awaitExit(ref);
    await d.settle();
    expect(await exited).toMatchObject({ error: 'Error', message: 'late failure' });
  });

  it('a thrown non-Error crashes with a NonError reason', async () => {
    const { d, sys } = setup();
    const ref = sys.spawn<string, undefined>({
      receive() {
        throw 'just a string';
      },
    });
    const exited = sys.awaitExit(ref);
    sys.send(ref, 'x');
    await d.settle();
    expect(await exited).toEqual({
      error: 'NonError',
      message: 'threw a non-Error value: "just a string"',
    });
    expect(crashReports(d)[0]).toMatchObject({
      behavior: 'anonymous',
      reason: 'NonError: threw a non-Error value: "just a string"',
    });
  });

  it('a down handler that throws crashes the actor, reporting the down as the message', async () => {
    const { d, sys } = setup();
    const target = sys.spawn({ receive: () => undefined });
    const ref = sys.spawn<string, undefined>({
      name: 'watcher',
      init(ctx) {
        ctx.monitor(target);
        return undefined;
      },
      receive: () => undefined,
      down() {
        throw new Error('could not handle down');
      },
    });
    const exited = sys.awaitExit(ref);
    sys.exit(target, 'kill');
    await d.settle();
    expect(await exited).toMatchObject({ message: 'could not handle down' });
    const report = crashReports(d)[0]!;
    expect(report.behavior).toBe('watcher');
    expect(String(report.message)).toContain('"type":"down"');
    expect(String(report.message)).toContain('"reason":"killed"');
  });

  it('names the parent in the crash report of a linked child', async () => {
    const { d, sys } = setup();
    const parent = sys.spawn<string, undefined>(
      {
        receive(_s, _m, ctx) {
          const child = ctx.spawnLink<string, undefined>({
            name: 'child',
            receive() {
              throw new Error('child failed');
            },
          });
          ctx.send(child, 'go');
          return undefined;
        },
      },
      { trapExit: true },
    );
    sys.send(parent, 'spawn');
    await d.settle();
    expect(crashReports(d)[0]).toMatchObject({
      actor: '<n1.2>',
      parent: '<n1.1>',
      behavior: 'child',
      message: '"go"',
      reason: 'Error: child failed',
    });
  });

  it('turns later messages into dead letters and counts what was left in the mailbox', async () => {
    const { d, sys } = setup();
    const gate = deferred();
    const ref = sys.spawn<string, undefined>({
      async receive() {
        await gate.promise;
        throw new Error('x');
      },
    });
    sys.send(ref, 'first');
    sys.send(ref, 'second');
    sys.send(ref, 'third');
    await d.settle();
    gate.resolve();
    await d.settle();
    expect(sys.deadLetters.counts.exited_with_mailbox).toBe(2);
    sys.send(ref, 'late');
    expect(sys.deadLetters.counts.dead).toBe(1);
    const lines = d.log.lines.filter((l) => l.msg === 'dead letter');
    expect(lines.map((l) => [l.to, l.reason, l.count, l.message])).toEqual([
      ['<n1.1>', 'exited_with_mailbox', 2, '"second"'],
      ['<n1.1>', 'dead', 1, '"late"'],
    ]);
  });
});

describe('spawning from an actor', () => {
  it('spawn makes an unlinked actor: its crash does not touch the spawner', async () => {
    const { d, sys } = setup();
    let child: AnyRef | undefined;
    const parent = sys.spawn<string, undefined>({
      receive(_s, m, ctx) {
        if (m === 'spawn') {
          child = ctx.spawn<string, undefined>(
            {
              receive() {
                throw new Error('child failed');
              },
            },
            { name: 'kid' },
          );
        } else ctx.send(child!, 'crash');
        return undefined;
      },
    });
    sys.send(parent, 'spawn');
    await d.settle();
    expect(sys.whereis('kid')).toBe(child);
    expect(sys.localCell(child!)!.parent).toBeNull();
    sys.send(parent, 'crash child');
    await d.settle();
    expect(sys.isAlive(child!)).toBe(false);
    expect(sys.isAlive(parent)).toBe(true);
  });
});

describe('behaviors', () => {
  it('are called with the behavior as this', async () => {
    const { d, sys } = setup();
    const seen: unknown[] = [];
    const behavior: Behavior<string, undefined> & { tag: string } = {
      tag: 'me',
      receive(this: { tag: string }) {
        seen.push(this.tag);
        return undefined;
      },
    };
    const ref = sys.spawn(behavior);
    sys.send(ref, 'x');
    await d.settle();
    expect(seen).toEqual(['me']);
  });
});
