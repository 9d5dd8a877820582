import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Behavior } from '../behavior.ts';
import type { AnyRef } from '../ref.ts';
import type { ActorSystem } from '../system.ts';
import { Deterministic, probe } from '../testing/index.ts';
import {
  countChildren,
  deleteChild,
  restartChild,
  startChild,
  startSupervisor,
  terminateChild,
  whichChildren,
} from './api.ts';
import { type ChildSpec, InvalidSupervisorSpecError, type Strategy } from './child-spec.ts';
import { recordRestart } from './restart-window.ts';
import { MAX_INTENSITY_REASON, supervisor } from './supervisor.ts';

const seed = Number(process.env.FC_SEED);

type WorkerMsg = 'crash' | 'stop' | 'ping';

/** A worker that logs `start:id` / `stop:id` and crashes or stops on request. */
function worker(
  id: string,
  log: string[],
  opts: { trap?: boolean; slowStopMs?: number } = {},
): Behavior<WorkerMsg, null> {
  return {
    name: `worker-${id}`,
    init(ctx) {
      if (opts.trap) ctx.trapExit(true);
      log.push(`start:${id}`);
      return null;
    },
    receive(state, msg, ctx) {
      if (msg === 'crash') throw new Error(`${id} crashed on purpose`);
      if (msg === 'stop') ctx.stop('normal');
      return state;
    },
    terminate(_s, _reason, ctx) {
      log.push(`stop:${id}`);
      if (opts.slowStopMs !== undefined) {
        return new Promise<void>((resolve) => ctx.clock.setTimer(opts.slowStopMs!, resolve));
      }
    },
  };
}

function specs(ids: string[], log: string[], extra: Partial<ChildSpec> = {}): ChildSpec[] {
  return ids.map((id) => ({ id, start: () => worker(id, log, { trap: true }), ...extra }));
}

async function refsOf(
  system: ActorSystem,
  sup: AnyRef,
  det: Deterministic,
): Promise<Map<string, AnyRef | null>> {
  const p = whichChildren(system, sup);
  await det.settle();
  const children = await p;
  return new Map(children.map((c) => [c.id, c.ref]));
}

async function crash(
  det: Deterministic,
  system: ActorSystem,
  ref: AnyRef | null | undefined,
): Promise<void> {
  if (!ref) throw new Error('no child ref');
  system.send(ref, 'crash');
  await det.settle();
}

describe('supervisor spec validation', () => {
  const ok = { id: 'a', start: () => ({ receive: () => undefined }) };
  const cases: [string, unknown, string][] = [
    [
      'strategy',
      { flags: { strategy: 'one_for_some' }, children: [] },
      'invalid supervisor flags: strategy must be one of one_for_one, one_for_all, rest_for_one, simple_one_for_one, got "one_for_some"',
    ],
    [
      'intensity',
      { flags: { intensity: -1 }, children: [] },
      'invalid supervisor flags: intensity must be a non-negative integer, got -1',
    ],
    [
      'period',
      { flags: { period: 0 }, children: [] },
      'invalid supervisor flags: period must be a positive number of seconds, got 0',
    ],
    [
      'id',
      { children: [{ ...ok, id: '' }] },
      'invalid child spec: id must be a non-empty string, got ""',
    ],
    [
      'start',
      { children: [{ id: 'a', start: 42 }] },
      'invalid child spec "a": start must be a function returning a behavior, got 42',
    ],
    [
      'restart',
      { children: [{ ...ok, restart: 'sometimes' }] },
      'invalid child spec "a": restart must be one of permanent, transient, temporary, got "sometimes"',
    ],
    [
      'shutdown',
      { children: [{ ...ok, shutdown: -5 }] },
      `invalid child spec "a": shutdown must be a non-negative integer of ms, 'brutal_kill' or 'infinity', got -5`,
    ],
    [
      'type',
      { children: [{ ...ok, type: 'manager' }] },
      'invalid child spec "a": type must be worker or supervisor, got "manager"',
    ],
    ['duplicate ids', { children: [ok, ok] }, 'invalid supervisor spec: duplicate child id "a"'],
    [
      'template count',
      { flags: { strategy: 'simple_one_for_one' }, children: [] },
      'invalid supervisor spec: simple_one_for_one needs exactly one child template, got 0',
    ],
  ];
  for (const [what, spec, message] of cases) {
    it(`rejects a bad ${what} naming the value`, () => {
      let caught: unknown;
      try {
        supervisor(spec as never);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(InvalidSupervisorSpecError);
      expect((caught as InvalidSupervisorSpecError).code).toBe('invalid_argument');
      expect((caught as Error).message).toBe(message);
    });
  }

  it('uses OTP defaults: one_for_one, 1 restart in 5 s, 5000 ms worker shutdown, infinity for supervisors', async () => {
    const det = new Deterministic(seed);
    const system = det.system();
    const log: string[] = [];
    const sup = startSupervisor(system, {
      children: [
        { id: 'w', start: () => worker('w', log) },
        { id: 's', type: 'supervisor', start: () => supervisor({ children: [] }) },
      ],
    });
    await det.settle();
    const children = whichChildren(system, sup);
    await det.settle();
    expect((await children).map((c) => [c.id, c.type, c.restart])).toEqual([
      ['w', 'worker', 'permanent'],
      ['s', 'supervisor', 'permanent'],
    ]);
  });
});

describe('restart strategies', () => {
  it('restarts only the failed child under one_for_one', async () => {
    const det = new Deterministic(seed);
    const system = det.system();
    const log: string[] = [];
    const sup = startSupervisor(system, { children: specs(['a', 'b', 'c'], log) });
    await det.settle();
    const before = await refsOf(system, sup, det);
    log.length = 0;
    await crash(det, system, before.get('b'));
    const after = await refsOf(system, sup, det);
    // gen_server-like: a crashing child's terminate runs too.
    expect(log).toEqual(['stop:b', 'start:b']);
    expect(after.get('a')!.equals(before.get('a')!)).toBe(true);
    expect(after.get('b')!.equals(before.get('b')!)).toBe(false);
    expect(after.get('c')!.equals(before.get('c')!)).toBe(true);
    expect(system.isAlive(after.get('b')!)).toBe(true);
  });

  it('stops the others in reverse order and restarts all in start order under one_for_all', async () => {
    const det = new Deterministic(seed);
    const system = det.system();
    const log: string[] = [];
    const sup = startSupervisor(system, {
      flags: { strategy: 'one_for_all' },
      children: specs(['a', 'b', 'c'], log),
    });
    await det.settle();
    const before = await refsOf(system, sup, det);
    log.length = 0;
    await crash(det, system, before.get('b'));
    expect(log).toEqual(['stop:b', 'stop:c', 'stop:a', 'start:a', 'start:b', 'start:c']);
    const after = await refsOf(system, sup, det);
    for (const id of ['a', 'b', 'c']) expect(after.get(id)!.equals(before.get(id)!)).toBe(false);
  });

  it('restarts the failed child and those started after it under rest_for_one', async () => {
    const det = new Deterministic(seed);
    const system = det.system();
    const log: string[] = [];
    const sup = startSupervisor(system, {
      flags: { strategy: 'rest_for_one' },
      children: specs(['a', 'b', 'c', 'd'], log),
    });
    await det.settle();
    const before = await refsOf(system, sup, det);
    log.length = 0;
    await crash(det, system, before.get('b'));
    expect(log).toEqual(['stop:b', 'stop:d', 'stop:c', 'start:b', 'start:c', 'start:d']);
    const after = await refsOf(system, sup, det);
    expect(after.get('a')!.equals(before.get('a')!)).toBe(true);
  });
});

describe('restart types', () => {
  it('restarts a transient child after a crash but not after a normal exit', async () => {
    const det = new Deterministic(seed);
    const system = det.system();
    const log: string[] = [];
    const sup = startSupervisor(system, {
      flags: { intensity: 10 },
      children: specs(['t'], log, { restart: 'transient' }),
    });
    await det.settle();
    await crash(det, system, (await refsOf(system, sup, det)).get('t'));
    const restarted = (await refsOf(system, sup, det)).get('t');
    expect(restarted).not.toBeNull();
    system.send(restarted!, 'stop');
    await det.settle();
    expect((await refsOf(system, sup, det)).get('t')).toBeNull();
  });

  it('never restarts a temporary child and forgets it', async () => {
    const det = new Deterministic(seed);
    const system = det.system();
    const log: string[] = [];
    const sup = startSupervisor(system, {
      children: specs(['tmp', 'p'], log).map((s, i) =>
        i === 0 ? { ...s, restart: 'temporary' as const } : s,
      ),
    });
    await det.settle();
    await crash(det, system, (await refsOf(system, sup, det)).get('tmp'));
    expect([...(await refsOf(system, sup, det)).keys()]).toEqual(['p']);
  });
});

describe('restart intensity', () => {
  it('escalates on the second restart within the 5 s default period', async () => {
    const det = new Deterministic(seed);
    const system = det.system();
    const log: string[] = [];
    const sup = startSupervisor(system, { children: specs(['a', 'b'], log) });
    const watcher = probe(system);
    system.send(watcher.ref, null);
    await det.settle();
    const mon = system.localCell(watcher.ref)!.monitor(sup);
    await crash(det, system, (await refsOf(system, sup, det)).get('a'));
    await det.advance(1000);
    await crash(det, system, (await refsOf(system, sup, det)).get('a'));
    expect(system.isAlive(sup)).toBe(false);
    expect(watcher.downs).toEqual([
      { type: 'down', monitor: mon, ref: sup, reason: MAX_INTENSITY_REASON },
    ]);
    // The escalating supervisor stops its remaining child (b) before it exits.
    expect(log.at(-1)).toBe('stop:b');
    const reports = det.log.lines.filter((l) => l.msg === 'supervisor report');
    expect(reports.at(-1)).toMatchObject({
      child: 'a',
      decision: 'escalate: restart intensity reached, shutting down',
    });
  });

  it('allows one restart per period forever', async () => {
    const det = new Deterministic(seed);
    const system = det.system();
    const log: string[] = [];
    const sup = startSupervisor(system, { children: specs(['a'], log) });
    await det.settle();
    for (let i = 0; i < 5; i++) {
      await crash(det, system, (await refsOf(system, sup, det)).get('a'));
      await det.advance(5001);
    }
    expect(system.isAlive(sup)).toBe(true);
  });

  it('lets the parent restart a child supervisor that escalated', async () => {
    const det = new Deterministic(seed);
    const system = det.system();
    const log: string[] = [];
    const inner = () =>
      supervisor({ flags: { intensity: 0 }, children: specs(['leaf'], log) }, 'inner');
    const top = startSupervisor(system, {
      flags: { intensity: 5 },
      children: [{ id: 'inner', type: 'supervisor', start: inner }],
    });
    await det.settle();
    const innerRef = (await refsOf(system, top, det)).get('inner')!;
    const leaf = (await refsOf(system, innerRef, det)).get('leaf');
    log.length = 0;
    await crash(det, system, leaf);
    const innerAfter = (await refsOf(system, top, det)).get('inner')!;
    expect(innerAfter.equals(innerRef)).toBe(false);
    expect(system.isAlive(innerAfter)).toBe(true);
    expect(log).toEqual(['stop:leaf', 'start:leaf']);
    const reports = det.log.lines.filter((l) => l.msg === 'supervisor report');
    expect(reports.map((r) => [r.child, r.decision])).toEqual([
      ['leaf', 'escalate: restart intensity reached, shutting down'],
      ['inner', 'restart (one_for_one)'],
    ]);
  });

  it('counts restarts as OTP does (pure window)', () => {
    expect(recordRestart([], 0, 1, 5000)).toEqual({ allowed: true, history: [0] });
    expect(recordRestart([0], 5000, 1, 5000)).toEqual({ allowed: false, history: [0, 5000] });
    expect(recordRestart([0], 5001, 1, 5000)).toEqual({ allowed: true, history: [5001] });
    expect(recordRestart([], 0, 0, 5000).allowed).toBe(false);
  });
});

describe('shutdown', () => {
  it('stops children in reverse start order when its parent shuts it down', async () => {
    const det = new Deterministic(seed);
    const system = det.system();
    const log: string[] = [];
    const top = startSupervisor(system, {
      children: [
        {
          id: 'inner',
          type: 'supervisor',
          start: () => supervisor({ children: specs(['a', 'b', 'c'], log) }),
        },
      ],
    });
    await det.settle();
    const inner = (await refsOf(system, top, det)).get('inner')!;
    log.length = 0;
    const done = terminateChild(system, top, 'inner');
    await det.settle();
    await done;
    expect(log).toEqual(['stop:c', 'stop:b', 'stop:a']);
    expect(system.isAlive(inner)).toBe(false);
  });

  it('ignores an exit signal from a stranger (it traps exits)', async () => {
    const det = new Deterministic(seed);
    const system = det.system();
    const sup = startSupervisor(system, { children: specs(['a'], []) });
    await det.settle();
    system.exit(sup, 'shutdown');
    await det.settle();
    expect(system.isAlive(sup)).toBe(true);
  });

  it('kills a child that does not stop within its shutdown timeout', async () => {
    const det = new Deterministic(seed);
    const system = det.system();
    const log: string[] = [];
    const sup = startSupervisor(system, {
      children: [
        {
          id: 'slow',
          shutdown: 100,
          start: () => worker('slow', log, { trap: true, slowStopMs: 10_000 }),
        },
      ],
    });
    await det.settle();
    const slow = (await refsOf(system, sup, det)).get('slow')!;
    const done = terminateChild(system, sup, 'slow');
    await det.advance(99);
    expect(system.isAlive(slow)).toBe(true);
    await det.advance(1);
    await done;
    expect(system.isAlive(slow)).toBe(false);
    expect(
      det.log.lines.some((l) => l.msg === 'child did not stop within its shutdown timeout: killed'),
    ).toBe(true);
  });

  it('brutal_kill kills at once without running terminate', async () => {
    const det = new Deterministic(seed);
    const system = det.system();
    const log: string[] = [];
    const sup = startSupervisor(system, {
      children: specs(['b'], log, { shutdown: 'brutal_kill' }),
    });
    await det.settle();
    log.length = 0;
    const done = terminateChild(system, sup, 'b');
    await det.settle();
    await done;
    expect(log).toEqual([]);
  });
});

describe('dynamic children', () => {
  it('adds, terminates, restarts and deletes children at run time', async () => {
    const det = new Deterministic(seed);
    const system = det.system();
    const log: string[] = [];
    const sup = startSupervisor(system, { children: [] });
    await det.settle();
    const settle = async <T>(p: Promise<T>) => {
      p.catch(() => {});
      await det.settle();
      return p;
    };
    const ref = await settle(startChild(system, sup, { id: 'x', start: () => worker('x', log) }));
    expect(system.isAlive(ref)).toBe(true);
    await expect(
      settle(startChild(system, sup, { id: 'x', start: () => worker('x', log) })),
    ).rejects.toThrow('child "x" already exists');
    await expect(
      settle(
        startChild(system, sup, {
          id: 'y',
          start: () => worker('y', log),
          restart: 'maybe' as never,
        }),
      ),
    ).rejects.toThrow(
      'invalid child spec "y": restart must be one of permanent, transient, temporary, got "maybe"',
    );
    await expect(settle(deleteChild(system, sup, 'x'))).rejects.toThrow(
      'child "x" is running; terminate it first',
    );
    await settle(terminateChild(system, sup, 'x'));
    expect(system.isAlive(ref)).toBe(false);
    expect(await settle(countChildren(system, sup))).toEqual({
      specs: 1,
      active: 0,
      supervisors: 0,
      workers: 1,
    });
    const again = await settle(restartChild(system, sup, 'x'));
    expect(system.isAlive(again)).toBe(true);
    await settle(terminateChild(system, sup, 'x'));
    await settle(deleteChild(system, sup, 'x'));
    expect(await settle(whichChildren(system, sup))).toEqual([]);
    const err = await settle(terminateChild(system, sup, 'nope')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'not_found', message: 'no child "nope"' });
  });

  it('starts simple_one_for_one children from the template with arguments and restarts them individually', async () => {
    const det = new Deterministic(seed);
    const system = det.system();
    const log: string[] = [];
    const sup = startSupervisor(system, {
      flags: { strategy: 'simple_one_for_one', intensity: 10 },
      children: [{ id: 'conn', restart: 'transient', start: (name: string) => worker(name, log) }],
    });
    await det.settle();
    const a = startChild(system, sup, ['a']);
    const b = startChild(system, sup, ['b']);
    await det.settle();
    const [ra, rb] = [await a, await b];
    expect(log).toEqual(['start:a', 'start:b']);
    system.send(ra, 'crash');
    await det.settle();
    expect(log).toEqual(['start:a', 'start:b', 'stop:a', 'start:a']);
    system.send(rb, 'stop');
    await det.settle();
    const left = await refsOf(system, sup, det);
    expect(left.size).toBe(1);
    expect(system.isAlive(rb)).toBe(false);
  });
});

describe('supervisor properties', () => {
  it('escalates exactly when more than `intensity` restarts fall within `period` (random crash schedules)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.integer({ min: 0, max: 4000 }), { minLength: 1, maxLength: 8 }),
        async (intensity, period, gaps) => {
          const det = new Deterministic(seed);
          const system = det.system();
          const log: string[] = [];
          const sup = startSupervisor(system, {
            flags: { intensity, period },
            children: specs(['a'], log),
          });
          await det.settle();
          let history: readonly number[] = [];
          let expectAlive = true;
          for (const gap of gaps) {
            await det.advance(gap);
            const verdict = recordRestart(history, det.clock.now(), intensity, period * 1000);
            history = verdict.history;
            await crash(det, system, (await refsOf(system, sup, det)).get('a'));
            if (!verdict.allowed) {
              expectAlive = false;
              break;
            }
          }
          expect(system.isAlive(sup)).toBe(expectAlive);
        },
      ),
      { seed, verbose: true, numRuns: 40 },
    );
  });

  it('restarts exactly the right children in the right order (one_for_all, rest_for_one)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Strategy>('one_for_all', 'rest_for_one', 'one_for_one'),
        fc.integer({ min: 1, max: 6 }),
        fc.nat(),
        fc.integer({ min: 0, max: 1000 }),
        async (strategy, n, pick, schedSeed) => {
          const det = new Deterministic(schedSeed);
          const system = det.system();
          const log: string[] = [];
          const ids = Array.from({ length: n }, (_, i) => `c${i}`);
          const sup = startSupervisor(system, {
            flags: { strategy, intensity: 10 },
            children: specs(ids, log),
          });
          await det.settle();
          const before = await refsOf(system, sup, det);
          const k = pick % n;
          log.length = 0;
          await crash(det, system, before.get(ids[k]!));
          const affected =
            strategy === 'one_for_all'
              ? ids
              : strategy === 'rest_for_one'
                ? ids.slice(k)
                : [ids[k]!];
          const stopped = affected.filter((id) => id !== ids[k]).reverse();
          expect(log).toEqual([
            `stop:${ids[k]}`,
            ...stopped.map((id) => `stop:${id}`),
            ...affected.map((id) => `start:${id}`),
          ]);
          const after = await refsOf(system, sup, det);
          for (const id of ids) {
            expect(after.get(id)!.equals(before.get(id)!)).toBe(!affected.includes(id));
          }
        },
      ),
      { seed, verbose: true, numRuns: 60 },
    );
  });
});

describe('reports', () => {
  it('writes a crash report naming the actor, message and reason, and a supervisor report with its decision', async () => {
    const det = new Deterministic(seed);
    const system = det.system();
    const log: string[] = [];
    const sup = startSupervisor(system, { children: specs(['a'], log) });
    await det.settle();
    const a = (await refsOf(system, sup, det)).get('a')!;
    await crash(det, system, a);
    const crashReport = det.log.lines.find((l) => l.msg === 'crash report');
    expect(crashReport).toMatchObject({
      actor: String(a),
      behavior: 'worker-a',
      parent: String(sup),
      message: '"crash"',
      reason: 'Error: a crashed on purpose',
    });
    const supReport = det.log.lines.find((l) => l.msg === 'supervisor report');
    expect(supReport).toMatchObject({
      supervisor: String(sup),
      child: 'a',
      childRef: String(a),
      reason: 'Error: a crashed on purpose',
      decision: 'restart (one_for_one)',
    });
  });
});
