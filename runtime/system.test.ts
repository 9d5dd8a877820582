import { describe, expect, it } from 'vitest';
import {
  ActorSystem,
  type Behavior,
  type ExitReason,
  FairScheduler,
  Ref,
  systemClock,
  systemRandom,
} from './index.ts';
import { captureLogger, Deterministic, probe } from './testing/index.ts';

function setup(seed = 1) {
  const d = new Deterministic(seed);
  return { d, sys: d.system({ node: 'n1' }) };
}

const idle: Behavior<unknown, undefined> = { receive: () => undefined };

describe('ActorSystem', () => {
  it('defaults to node local, the system clock and random, a fair scheduler and pino at PARLEY_LOG_LEVEL', async () => {
    const before = process.env.PARLEY_LOG_LEVEL;
    process.env.PARLEY_LOG_LEVEL = 'silent';
    try {
      const sys = new ActorSystem();
      expect(sys.node).toBe('local');
      expect(sys.clock).toBe(systemClock);
      expect(sys.random).toBe(systemRandom);
      expect(sys.scheduler).toBeInstanceOf(FairScheduler);
      expect(sys.log.level).toBe('silent');
      const p = probe<string>(sys);
      sys.send(p.ref, 'hi');
      await new Promise((r) => setImmediate(r));
      expect(p.messages).toEqual(['hi']);
      await sys.shutdown();
    } finally {
      if (before === undefined) delete process.env.PARLEY_LOG_LEVEL;
      else process.env.PARLEY_LOG_LEVEL = before;
    }
  });

  it('gives refs <node.id> with ids that grow and are never reused', async () => {
    const { d, sys } = setup();
    const a = sys.spawn(idle);
    const b = sys.spawn(idle);
    sys.exit(a, 'kill');
    await d.settle();
    const c = sys.spawn(idle);
    expect([a, b, c].map(String)).toEqual(['<n1.1>', '<n1.2>', '<n1.3>']);
    expect(sys.stats).toEqual({ spawned: 3, crashed: 0, exited: 1 });
  });

  it('knows which local actors are alive', async () => {
    const { d, sys } = setup();
    const a = sys.spawn(idle);
    const b = sys.spawn(idle);
    expect(sys.isAlive(a)).toBe(true);
    expect(sys.localCell(a)?.ref).toBe(a);
    expect(sys.actorCount).toBe(2);
    expect(sys.actors().map((c) => c.ref)).toEqual([a, b]);
    sys.exit(a, 'kill');
    await d.settle();
    expect(sys.isAlive(a)).toBe(false);
    expect(sys.localCell(a)).toBeUndefined();
    expect(sys.actorCount).toBe(1);
    expect(sys.isAlive(new Ref('n2', 2))).toBe(false);
    expect(sys.localCell(new Ref('n2', 2))).toBeUndefined();
    expect(sys.isAlive(new Ref('n1', 2, sys.creation))).toBe(true);
    expect(sys.isAlive(new Ref('n1', 2, sys.creation + 1))).toBe(false);
    expect(sys.isAlive(new Ref('n1', 2))).toBe(false);
  });

  it('does not count pending asks as actors', () => {
    const { sys } = setup();
    const a = sys.spawn(idle);
    void sys.ask(a, (replyTo) => ({ replyTo })).catch(() => {});
    expect(sys.actorCount).toBe(1);
    expect(sys.actors()).toHaveLength(1);
  });

  it('delivers to a ref without a cached cell (one that came off the wire) and caches it', async () => {
    const { d, sys } = setup();
    const p = probe<string>(sys);
    const bare = new Ref<string>('n1', p.ref.id, sys.creation);
    sys.send(bare, 'found');
    expect(bare._cell).toBeDefined();
    sys.send(bare, 'again');
    await d.settle();
    expect(p.messages).toEqual(['found', 'again']);
  });

  it('turns a send to a remote node without a transport into a noconnection dead letter', () => {
    const { sys } = setup();
    sys.send(new Ref('elsewhere', 1), 'x');
    sys.sendNamed('svc', 'y', 'elsewhere');
    expect(sys.deadLetters.counts.noconnection).toBe(2);
  });

  it('answers a monitor or link to a remote node without a transport with noconnection', async () => {
    const { d, sys } = setup();
    const p = probe(sys, { trapExit: true });
    const cell = sys.localCell(p.ref)!;
    cell.monitor(new Ref('elsewhere', 1));
    cell.link(new Ref('elsewhere', 2));
    await d.settle();
    expect(p.downs.map((x) => [String(x.ref), x.reason])).toEqual([
      ['<elsewhere.1>', 'noconnection'],
    ]);
    expect(p.exits.map((x) => [String(x.from), x.reason])).toEqual([
      ['<elsewhere.2>', 'noconnection'],
    ]);
  });

  it('sends exit signals as the system with exit', async () => {
    const { d, sys } = setup();
    const a = sys.spawn(idle);
    const exited = sys.awaitExit(a);
    sys.exit(a, { shutdown: 'operator' });
    await d.settle();
    expect(await exited).toEqual({ shutdown: 'operator' });
    sys.exit(a, 'kill');
    sys.exit(new Ref('n1', 999), 'kill');
  });

  it('calls death hooks with the cell and reason until unsubscribed', async () => {
    const { d, sys } = setup();
    const seen: [string, ExitReason][] = [];
    const off = sys.onDeath((cell, reason) => seen.push([String(cell.ref), reason]));
    const a = sys.spawn(idle);
    const b = sys.spawn(idle);
    sys.exit(a, 'shutdown');
    await d.settle();
    off();
    sys.exit(b, 'shutdown');
    expect(seen).toEqual([['<n1.1>', 'shutdown']]);
  });

  it('logs a death hook that throws and goes on with the other hooks and actors', async () => {
    const { d, sys } = setup();
    const seen: string[] = [];
    sys.onDeath(() => {
      throw new Error('hook broke');
    });
    sys.onDeath((cell) => seen.push(String(cell.ref)));
    const a = sys.spawn(idle);
    const b = sys.spawn(idle);
    sys.localCell(a)!.link(b);
    sys.exit(a, 'shutdown');
    await d.settle();
    expect(seen.sort()).toEqual(['<n1.1>', '<n1.2>']);
    const p = probe<string>(sys);
    sys.send(p.ref, 'still running');
    await d.settle();
    expect(p.messages).toEqual(['still running']);
    const failures = d.log.lines.filter((l) => l.msg === 'death hook failed');
    expect(failures.map((l) => l.actor).sort()).toEqual(['<n1.1>', '<n1.2>']);
    expect(failures[0]).toMatchObject({
      level: 50,
      err: { error: 'Error', message: 'hook broke' },
    });
  });

  it('awaitExit resolves with the reason, for every waiter, and with noproc for an actor not alive', async () => {
    const { d, sys } = setup();
    const a = sys.spawn<string, undefined>({
      receive() {
        throw new Error('bye');
      },
    });
    const w1 = sys.awaitExit(a);
    const w2 = sys.awaitExit(a);
    sys.send(a, 'x');
    await d.settle();
    expect(await w1).toMatchObject({ message: 'bye' });
    expect(await w2).toBe(await w1);
    expect(await sys.awaitExit(a)).toBe('noproc');
    expect(await sys.awaitExit(new Ref('n2', 1))).toBe('noproc');
  });

  it('shutdown kills every actor without running terminate and forgets names', async () => {
    const { d, sys } = setup();
    let terminated = false;
    const deaths: ExitReason[] = [];
    sys.onDeath((_c, r) => deaths.push(r));
    sys.spawn<unknown, undefined>(
      {
        receive: () => undefined,
        terminate() {
          terminated = true;
        },
      },
      { name: 'svc', trapExit: true },
    );
    sys.spawn(idle);
    await sys.shutdown();
    await d.settle();
    expect(deaths).toEqual(['killed', 'killed']);
    expect(terminated).toBe(false);
    expect(sys.actorCount).toBe(0);
    expect(sys.whereis('svc')).toBeUndefined();
  });

  it('writes crash reports to the logger it was given', async () => {
    const log = captureLogger('info');
    const d = new Deterministic(1);
    const sys = d.system({ node: 'n1', logger: log.logger });
    const a = sys.spawn<string, undefined>({
      name: 'failing',
      receive() {
        throw new Error('oops');
      },
    });
    sys.send(a, 'boom');
    await d.settle();
    expect(log.lines.find((l) => l.msg === 'crash report')).toMatchObject({
      actor: '<n1.1>',
      behavior: 'failing',
      message: '"boom"',
      reason: 'Error: oops',
    });
    expect(d.log.lines).toEqual([]);
  });
});
