import { describe, expect, it } from 'vitest';
import { type Behavior, type Down, type MonitorRef, Ref } from './index.ts';
import { Deterministic, probe } from './testing/index.ts';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

function setup(seed = 1) {
  const d = new Deterministic(seed);
  return { d, sys: d.system({ node: 'n1' }) };
}

const crasher: Behavior<string, undefined> = {
  receive(_s, m, ctx) {
    if (m === 'crash') throw new Error('target failed');
    if (m === 'stop') ctx.stop('normal');
    return undefined;
  },
};

describe('monitors', () => {
  it('deliver one down with the monitor, the target and the reason when the target crashes', async () => {
    const { d, sys } = setup();
    const target = sys.spawn(crasher);
    const watcher = probe(sys);
    const mon = sys.localCell(watcher.ref)!.monitor(target);
    sys.send(target, 'crash');
    await d.settle();
    expect(watcher.downs).toHaveLength(1);
    const down = watcher.downs[0]!;
    expect(down.type).toBe('down');
    expect(down.monitor).toBe(mon);
    expect(down.ref).toEqual(target);
    expect(down.reason).toMatchObject({ error: 'Error', message: 'target failed' });
    expect(sys.isAlive(watcher.ref)).toBe(true);
  });

  it('deliver a down normal when the target stops normally', async () => {
    const { d, sys } = setup();
    const target = sys.spawn(crasher);
    const watcher = probe(sys);
    sys.localCell(watcher.ref)!.monitor(target);
    sys.send(target, 'stop');
    await d.settle();
    expect(watcher.downs.map((x) => x.reason)).toEqual(['normal']);
  });

  it('deliver a down killed when the target is killed', async () => {
    const { d, sys } = setup();
    const target = sys.spawn(crasher, { trapExit: true });
    const watcher = probe(sys);
    sys.localCell(watcher.ref)!.monitor(target);
    sys.exit(target, 'kill');
    await d.settle();
    expect(watcher.downs.map((x) => x.reason)).toEqual(['killed']);
  });

  it('deliver only one down however often the target is told to die', async () => {
    const { d, sys } = setup();
    const target = sys.spawn(crasher);
    const watcher = probe(sys);
    sys.localCell(watcher.ref)!.monitor(target);
    sys.exit(target, 'kill');
    sys.exit(target, 'kill');
    sys.send(target, 'crash');
    await d.settle();
    expect(watcher.downs.map((x) => x.reason)).toEqual(['killed']);
  });

  it('deliver a down noproc for a target that is already dead', async () => {
    const { d, sys } = setup();
    const target = sys.spawn(crasher);
    sys.exit(target, 'kill');
    const watcher = probe(sys);
    const mon = sys.localCell(watcher.ref)!.monitor(target);
    await d.settle();
    expect(watcher.downs).toEqual([{ type: 'down', monitor: mon, ref: target, reason: 'noproc' }]);
  });

  it('deliver a down noproc for an id that never existed', async () => {
    const { d, sys } = setup();
    const watcher = probe(sys);
    sys.localCell(watcher.ref)!.monitor(new Ref('n1', 9999));
    await d.settle();
    expect(watcher.downs.map((x) => [String(x.ref), x.reason])).toEqual([['<n1.9999>', 'noproc']]);
  });

  it('deliver no down after demonitor', async () => {
    const { d, sys } = setup();
    const target = sys.spawn(crasher);
    const watcher = probe(sys);
    const cell = sys.localCell(watcher.ref)!;
    const mon = cell.monitor(target);
    cell.demonitor(mon);
    cell.demonitor(mon);
    sys.send(target, 'crash');
    await d.settle();
    expect(watcher.downs).toEqual([]);
  });

  it('deliver no down after demonitor even when the down was already waiting in the mailbox', async () => {
    const { d, sys } = setup();
    const gate = deferred();
    const target = sys.spawn(crasher);
    const downs: Down[] = [];
    let mon: MonitorRef | undefined;
    const watcher = sys.spawn<string, undefined>({
      init(ctx) {
        mon = ctx.monitor(target);
        return undefined;
      },
      async receive(_s, _m, ctx) {
        await gate.promise;
        ctx.demonitor(mon!);
        return undefined;
      },
      down(_s, down) {
        downs.push(down);
        return undefined;
      },
    });
    sys.send(watcher, 'block');
    await d.settle();
    sys.send(target, 'crash');
    await d.settle();
    expect(sys.isAlive(target)).toBe(false);
    gate.resolve();
    await d.settle();
    expect(downs).toEqual([]);
  });

  it('deliver one down per monitor when a target is monitored twice', async () => {
    const { d, sys } = setup();
    const target = sys.spawn(crasher);
    const watcher = probe(sys);
    const cell = sys.localCell(watcher.ref)!;
    const m1 = cell.monitor(target);
    const m2 = cell.monitor(target);
    expect(m1).not.toBe(m2);
    sys.send(target, 'crash');
    await d.settle();
    expect(watcher.downs.map((x) => x.monitor).sort()).toEqual([m1, m2].sort());
  });

  it('are one-way: a watcher that dies does not affect its target', async () => {
    const { d, sys } = setup();
    const target = sys.spawn(crasher);
    const watcher = sys.spawn(crasher);
    sys.localCell(watcher)!.monitor(target);
    sys.send(watcher, 'crash');
    await d.settle();
    expect(sys.isAlive(target)).toBe(true);
    sys.send(target, 'crash');
    await d.settle();
    expect(sys.isAlive(target)).toBe(false);
  });

  it('are named by cluster-unique refs node#n', () => {
    const { sys } = setup();
    const target = sys.spawn(crasher);
    const cell = sys.localCell(sys.spawn(crasher))!;
    expect([cell.monitor(target), cell.monitor(target)]).toEqual(['n1#1', 'n1#2']);
  });

  it('a down for a watcher with no down handler is logged and ignored', async () => {
    const { d, sys } = setup();
    const target = sys.spawn(crasher);
    const watcher = sys.spawn<string, undefined>({ name: 'deaf', receive: () => undefined });
    const mon = sys.localCell(watcher)!.monitor(target);
    sys.send(target, 'crash');
    await d.settle();
    expect(sys.isAlive(watcher)).toBe(true);
    expect(
      d.log.lines.find((l) => l.msg === 'down message with no down handler: ignored'),
    ).toMatchObject({
      level: 40,
      actor: '<n1.2>',
      behavior: 'deaf',
      monitor: mon,
    });
  });

  it('an async down handler serialises with user messages', async () => {
    const { d, sys } = setup();
    const gate = deferred();
    const log: string[] = [];
    const target = sys.spawn(crasher);
    const watcher = sys.spawn<string, undefined>({
      init(ctx) {
        ctx.monitor(target);
        return undefined;
      },
      receive(_s, m) {
        log.push(m);
        return undefined;
      },
      async down() {
        log.push('down start');
        await gate.promise;
        log.push('down end');
        return undefined;
      },
    });
    sys.send(target, 'crash');
    await d.settle();
    sys.send(watcher, 'after');
    await d.settle();
    expect(log).toEqual(['down start']);
    gate.resolve();
    await d.settle();
    expect(log).toEqual(['down start', 'down end', 'after']);
  });
});
