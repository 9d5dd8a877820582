import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type {
  ActorSystem,
  AnyRef,
  Behavior,
  ExitMessage,
  ExitReason,
  MonitorRef,
  Ref,
} from './index.ts';
import { Deterministic, probe } from './testing/index.ts';

const fcOptions = { seed: Number(process.env.FC_SEED), verbose: true };

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A scriptable actor: links, unlinks, spawns linked children, crashes or stops on command. */
type Cmd =
  | { readonly k: 'link'; readonly to: AnyRef }
  | { readonly k: 'unlink'; readonly to: AnyRef }
  | { readonly k: 'spawn'; readonly trap: boolean; readonly replyTo: Ref<AnyRef> }
  | { readonly k: 'throw'; readonly message: string }
  | { readonly k: 'stop'; readonly reason: ExitReason }
  | { readonly k: 'exit'; readonly to: AnyRef; readonly reason: ExitReason }
  | { readonly k: 'ping' };

function actor(exits?: ExitMessage[], label = 'actor'): Behavior<Cmd, undefined> {
  return {
    name: label,
    receive(_s, cmd, ctx) {
      switch (cmd.k) {
        case 'link':
          ctx.link(cmd.to);
          break;
        case 'unlink':
          ctx.unlink(cmd.to);
          break;
        case 'spawn':
          ctx.send(cmd.replyTo, ctx.spawnLink(actor(exits, label), { trapExit: cmd.trap }));
          break;
        case 'throw':
          throw new Error(cmd.message);
        case 'stop':
          ctx.stop(cmd.reason);
          break;
        case 'exit':
          ctx.exit(cmd.to, cmd.reason);
          break;
        case 'ping':
          break;
      }
      return undefined;
    },
    exit(_s, exit) {
      exits?.push(exit);
      return undefined;
    },
  };
}

function setup(seed = 1) {
  const d = new Deterministic(seed);
  const sys = d.system({ node: 'n1' });
  const deaths = new Map<string, ExitReason>();
  sys.onDeath((cell, reason) => deaths.set(String(cell.ref), reason));
  return { d, sys, deaths };
}

async function linkPair(d: Deterministic, sys: ActorSystem, a: Ref<Cmd>, b: AnyRef) {
  sys.send(a, { k: 'link', to: b });
  await d.settle();
}

describe('links', () => {
  it('a non-trapping actor linked to a crashing one dies with the same reason', async () => {
    const { d, sys, deaths } = setup();
    const a = sys.spawn(actor());
    const b = sys.spawn(actor());
    await linkPair(d, sys, a, b);
    sys.send(b, { k: 'throw', message: 'b failed' });
    await d.settle();
    expect(sys.isAlive(a)).toBe(false);
    expect(deaths.get(String(b))).toMatchObject({ error: 'Error', message: 'b failed' });
    expect(deaths.get(String(a))).toEqual(deaths.get(String(b)));
  });

  it('propagates both ways: the linked one dies when the linker crashes', async () => {
    const { d, sys, deaths } = setup();
    const a = sys.spawn(actor());
    const b = sys.spawn(actor());
    await linkPair(d, sys, a, b);
    sys.send(a, { k: 'throw', message: 'a failed' });
    await d.settle();
    expect(sys.isAlive(b)).toBe(false);
    expect(deaths.get(String(b))).toMatchObject({ message: 'a failed' });
  });

  it('propagates along a chain of links', async () => {
    const { d, sys, deaths } = setup();
    const refs = Array.from({ length: 5 }, () => sys.spawn(actor()));
    for (let i = 0; i + 1 < refs.length; i++) await linkPair(d, sys, refs[i]!, refs[i + 1]!);
    sys.send(refs[2]!, { k: 'stop', reason: 'shutdown' });
    await d.settle();
    for (const r of refs) expect(deaths.get(String(r))).toBe('shutdown');
  });

  it('a normal exit does not stop a non-trapping linked actor', async () => {
    const { d, sys } = setup();
    const a = sys.spawn(actor());
    const b = sys.spawn(actor());
    await linkPair(d, sys, a, b);
    sys.send(b, { k: 'stop', reason: 'normal' });
    await d.settle();
    expect(sys.isAlive(b)).toBe(false);
    expect(sys.isAlive(a)).toBe(true);
  });

  it('a trapping actor receives exit messages, normal ones included, instead of dying', async () => {
    const { d, sys } = setup();
    const exits: ExitMessage[] = [];
    const a = sys.spawn(actor(exits), { trapExit: true });
    const b = sys.spawn(actor());
    const c = sys.spawn(actor());
    await linkPair(d, sys, a, b);
    await linkPair(d, sys, a, c);
    sys.send(b, { k: 'throw', message: 'b failed' });
    sys.send(c, { k: 'stop', reason: 'normal' });
    await d.settle();
    expect(sys.isAlive(a)).toBe(true);
    const byFrom = new Map(exits.map((e) => [String(e.from), e]));
    expect(exits).toHaveLength(2);
    expect(byFrom.get(String(b))).toMatchObject({ type: 'exit', reason: { message: 'b failed' } });
    expect(byFrom.get(String(c))).toEqual({ type: 'exit', from: c, reason: 'normal' });
  });

  it('trap-exit can be switched on and off at run time', async () => {
    const { d, sys } = setup();
    const exits: ExitMessage[] = [];
    const a = sys.spawn<string | Cmd, undefined>({
      receive(_s, m, ctx) {
        if (m === 'trap') ctx.trapExit(true);
        else if (m === 'untrap') ctx.trapExit(false);
        else if (typeof m === 'object' && m.k === 'link') ctx.link(m.to);
        return undefined;
      },
      exit(_s, e) {
        exits.push(e);
        return undefined;
      },
    });
    const b = sys.spawn(actor());
    const c = sys.spawn(actor());
    sys.send(a, { k: 'link', to: b });
    sys.send(a, { k: 'link', to: c });
    sys.send(a, 'trap');
    await d.settle();
    expect(sys.localCell(a)!.trapsExit).toBe(true);
    sys.send(b, { k: 'throw', message: 'first' });
    await d.settle();
    expect(exits.map((e) => String(e.from))).toEqual([String(b)]);
    sys.send(a, 'untrap');
    await d.settle();
    sys.send(c, { k: 'throw', message: 'second' });
    await d.settle();
    expect(sys.isAlive(a)).toBe(false);
  });

  it('kill cannot be trapped: the target dies with killed, and its links see killed', async () => {
    const { d, sys, deaths } = setup();
    const exits: ExitMessage[] = [];
    const target = sys.spawn(actor(), { trapExit: true });
    const trapping = sys.spawn(actor(exits), { trapExit: true });
    const plain = sys.spawn(actor());
    await linkPair(d, sys, trapping, target);
    await linkPair(d, sys, plain, target);
    sys.exit(target, 'kill');
    await d.settle();
    expect(deaths.get(String(target))).toBe('killed');
    expect(deaths.get(String(plain))).toBe('killed');
    expect(sys.isAlive(trapping)).toBe(true);
    expect(exits).toEqual([{ type: 'exit', from: target, reason: 'killed' }]);
  });

  it('an actor that exits with reason kill is seen as killed by its links', async () => {
    const { d, sys, deaths } = setup();
    const exits: ExitMessage[] = [];
    const watcher = sys.spawn(actor(exits), { trapExit: true });
    const a = sys.spawn(actor());
    await linkPair(d, sys, watcher, a);
    sys.send(a, { k: 'stop', reason: 'kill' });
    await d.settle();
    expect(exits.map((e) => e.reason)).toEqual(['killed']);
    expect(deaths.get(String(a))).toBe('killed');
  });

  it('an exit signal that is not trapped kills an actor even while it awaits an async handler', async () => {
    const { d, sys } = setup();
    const gate = deferred();
    let finished = false;
    let terminated = false;
    const a = sys.spawn<string, undefined>({
      async receive() {
        await gate.promise;
        finished = true;
        return undefined;
      },
      terminate() {
        terminated = true;
      },
    });
    const exited = sys.awaitExit(a);
    sys.send(a, 'work');
    sys.send(a, 'more work');
    await d.settle();
    sys.exit(a, { shutdown: 'now' });
    expect(sys.isAlive(a)).toBe(false);
    expect(await exited).toEqual({ shutdown: 'now' });
    gate.resolve();
    await d.settle();
    expect(finished).toBe(true);
    expect(terminated).toBe(false);
    expect(sys.deadLetters.counts.exited_with_mailbox).toBe(1);
  });

  it('a trapped exit signal waits for the async handler in progress', async () => {
    const { d, sys } = setup();
    const gate = deferred();
    const log: string[] = [];
    const a = sys.spawn<string, undefined>(
      {
        async receive(_s, m) {
          log.push(`start ${m}`);
          await gate.promise;
          log.push(`end ${m}`);
          return undefined;
        },
        exit(_s, e) {
          log.push(`exit ${String(e.reason)}`);
          return undefined;
        },
      },
      { trapExit: true },
    );
    sys.send(a, 'work');
    await d.settle();
    sys.exit(a, 'shutdown');
    await d.settle();
    expect(log).toEqual(['start work']);
    gate.resolve();
    await d.settle();
    expect(log).toEqual(['start work', 'end work', 'exit shutdown']);
  });

  it('an exit signal with reason normal from another actor does not stop a non-trapping actor', async () => {
    const { d, sys } = setup();
    const a = sys.spawn(actor());
    const b = sys.spawn(actor());
    sys.exit(a, 'normal');
    sys.send(b, { k: 'exit', to: a, reason: 'normal' });
    await d.settle();
    expect(sys.isAlive(a)).toBe(true);
  });

  it('an actor that sends itself an exit signal with reason normal exits normally (as exit(self(), normal) does in OTP)', async () => {
    const { d, sys, deaths } = setup();
    const a = sys.spawn(actor());
    sys.send(a, { k: 'exit', to: a, reason: 'normal' });
    await d.settle();
    expect(deaths.get(String(a))).toBe('normal');
  });

  it('an exit signal with another reason stops a non-trapping actor with that reason', async () => {
    const { d, sys, deaths } = setup();
    const a = sys.spawn(actor());
    const b = sys.spawn(actor());
    sys.send(b, { k: 'exit', to: a, reason: { shutdown: 'asked' } });
    await d.settle();
    expect(deaths.get(String(a))).toEqual({ shutdown: 'asked' });
    expect(sys.isAlive(b)).toBe(true);
  });

  it('a trapping actor receives an exit signal sent by the system from the system ref', async () => {
    const { d, sys } = setup();
    const p = probe(sys, { trapExit: true });
    sys.exit(p.ref, 'shutdown');
    await d.settle();
    expect(p.exits).toHaveLength(1);
    expect(String(p.exits[0]!.from)).toBe('<n1.0>');
    expect(p.exits[0]!.reason).toBe('shutdown');
  });

  it('a trapped exit with no exit handler is logged and ignored', async () => {
    const { d, sys } = setup();
    const a = sys.spawn<string, undefined>(
      { name: 'no-exit', receive: () => undefined },
      { trapExit: true },
    );
    sys.exit(a, 'shutdown');
    await d.settle();
    expect(sys.isAlive(a)).toBe(true);
    expect(
      d.log.lines.find((l) => l.msg === 'trapped exit with no exit handler: ignored'),
    ).toMatchObject({
      level: 40,
      actor: '<n1.1>',
      behavior: 'no-exit',
      from: '<n1.0>',
      reason: 'shutdown',
    });
  });

  it('an exit handler that throws crashes the trapping actor', async () => {
    const { d, sys, deaths } = setup();
    const a = sys.spawn<string, undefined>(
      {
        receive: () => undefined,
        exit() {
          throw new Error('exit handler broke');
        },
      },
      { trapExit: true },
    );
    sys.exit(a, 'shutdown');
    await d.settle();
    expect(deaths.get(String(a))).toMatchObject({ message: 'exit handler broke' });
  });

  it('unlink stops propagation in both directions', async () => {
    const { d, sys } = setup();
    const a = sys.spawn(actor());
    const b = sys.spawn(actor());
    const c = sys.spawn(actor());
    await linkPair(d, sys, a, b);
    await linkPair(d, sys, a, c);
    sys.send(a, { k: 'unlink', to: b });
    sys.send(a, { k: 'unlink', to: c });
    await d.settle();
    sys.send(b, { k: 'throw', message: 'b' });
    await d.settle();
    expect(sys.isAlive(a)).toBe(true);
    sys.send(a, { k: 'throw', message: 'a' });
    await d.settle();
    expect(sys.isAlive(c)).toBe(true);
    expect(sys.localCell(c)!.linkedRefs()).toEqual([]);
  });

  it('linking twice makes one link, and unlinking an actor never linked does nothing', async () => {
    const { d, sys } = setup();
    const a = sys.spawn(actor());
    const b = sys.spawn(actor());
    const c = sys.spawn(actor());
    await linkPair(d, sys, a, b);
    await linkPair(d, sys, a, b);
    await linkPair(d, sys, b, a);
    sys.send(a, { k: 'unlink', to: c });
    await d.settle();
    expect(sys.localCell(a)!.linkedRefs()).toEqual([b]);
    expect(sys.localCell(b)!.linkedRefs()).toEqual([a]);
  });

  it('linking to itself does nothing', async () => {
    const { d, sys } = setup();
    const a = sys.spawn(actor());
    await linkPair(d, sys, a, a);
    expect(sys.localCell(a)!.linkedRefs()).toEqual([]);
  });

  it('linking to a dead actor gives noproc: a non-trapping linker dies, a trapping one gets an exit message', async () => {
    const { d, sys, deaths } = setup();
    const dead = sys.spawn(actor());
    sys.exit(dead, 'kill');
    const exits: ExitMessage[] = [];
    const plain = sys.spawn(actor());
    const trapping = sys.spawn(actor(exits), { trapExit: true });
    await linkPair(d, sys, plain, dead);
    await linkPair(d, sys, trapping, dead);
    expect(deaths.get(String(plain))).toBe('noproc');
    expect(exits).toEqual([{ type: 'exit', from: dead, reason: 'noproc' }]);
    expect(sys.localCell(trapping)!.linkedRefs()).toEqual([]);
  });

  it('an actor that links and then crashes in one handler takes a busy, non-trapping peer with it', async () => {
    const { d, sys, deaths } = setup();
    const gate = deferred();
    const other = sys.spawn(actor());
    const peer = sys.spawn<string | Cmd, undefined>({
      async receive(_s, m, ctx) {
        if (typeof m === 'object' && m.k === 'link') ctx.link(m.to);
        else await gate.promise;
        return undefined;
      },
    });
    sys.send(peer, { k: 'link', to: other });
    sys.send(peer, 'block');
    await d.settle();
    const a = sys.spawn<string, undefined>({
      receive(_s, _m, ctx) {
        ctx.link(peer);
        throw new Error('linked then crashed');
      },
    });
    sys.send(a, 'go');
    await d.settle();
    expect(deaths.get(String(peer))).toMatchObject({ message: 'linked then crashed' });
    expect(deaths.get(String(other))).toMatchObject({ message: 'linked then crashed' });
    gate.resolve();
  });

  it('spawnLink links before init runs, so a crash in init reaches the parent', async () => {
    const { d, sys, deaths } = setup();
    const exits: ExitMessage[] = [];
    let child: AnyRef | undefined;
    const parent = sys.spawn<string, undefined>(
      {
        receive(_s, _m, ctx) {
          child = ctx.spawnLink<string, undefined>({
            init() {
              throw new Error('child init failed');
            },
            receive: () => undefined,
          });
          return undefined;
        },
        exit(_s, e) {
          exits.push(e);
          return undefined;
        },
      },
      { trapExit: true },
    );
    sys.send(parent, 'spawn');
    await d.settle();
    expect(exits).toHaveLength(1);
    expect(exits[0]!.from).toEqual(child);
    expect(exits[0]!.reason).toMatchObject({ error: 'Error', message: 'child init failed' });
    expect(deaths.size).toBe(1);
  });

  it('a non-trapping parent dies when a spawnLinked child crashes in init', async () => {
    const { d, sys, deaths } = setup();
    const parent = sys.spawn<string, undefined>({
      receive(_s, _m, ctx) {
        ctx.spawnLink<string, undefined>({
          init() {
            throw new Error('child init failed');
          },
          receive: () => undefined,
        });
        return undefined;
      },
    });
    sys.send(parent, 'spawn');
    await d.settle();
    expect(deaths.get(String(parent))).toMatchObject({ message: 'child init failed' });
  });

  it('a child spawnLinked by an actor that was killed mid-handler gets noproc from its dead parent', async () => {
    const { d, sys, deaths } = setup();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const children: AnyRef[] = [];
    let initRan = 0;
    const child = (): Behavior<string, undefined> => ({
      init() {
        initRan++;
        return undefined;
      },
      receive: () => undefined,
    });
    const parent = sys.spawn<string, undefined>({
      async receive(_s, _m, ctx) {
        await gate;
        children.push(ctx.spawnLink(child()));
        children.push(ctx.spawnLink(child(), { trapExit: true }));
        return undefined;
      },
    });
    sys.send(parent, 'go');
    await d.settle();
    sys.exit(parent, 'kill');
    release();
    await d.settle();
    expect(children).toHaveLength(2);
    expect(deaths.get(String(children[0]))).toBe('noproc');
    expect(deaths.get(String(children[1]))).toBe('noproc');
    expect(sys.actorCount).toBe(0);
    expect(initRan).toBe(1);
  });

  it('a trapping child stops with its parent, running terminate, as a gen_server does', async () => {
    const { d, sys, deaths } = setup();
    const terminated: ExitReason[] = [];
    const exits: ExitMessage[] = [];
    let child: AnyRef | undefined;
    const parent = sys.spawn<string, undefined>({
      receive(_s, m, ctx) {
        if (m === 'spawn') {
          child = ctx.spawnLink<string, undefined>(
            {
              receive: () => undefined,
              exit(_s2, e) {
                exits.push(e);
                return undefined;
              },
              terminate(_s2, reason) {
                terminated.push(reason);
              },
            },
            { trapExit: true },
          );
        } else throw new Error('parent crashed');
        return undefined;
      },
    });
    sys.send(parent, 'spawn');
    sys.send(parent, 'crash');
    await d.settle();
    expect(exits).toEqual([]);
    expect(terminated).toEqual([expect.objectContaining({ message: 'parent crashed' })]);
    expect(deaths.get(String(child))).toMatchObject({ message: 'parent crashed' });
  });

  it('tells every linked actor when the system shuts down', async () => {
    const { d, sys } = setup();
    const a = sys.spawn(actor());
    const b = sys.spawn(actor());
    await linkPair(d, sys, a, b);
    await sys.shutdown();
    expect(sys.isAlive(a)).toBe(false);
    expect(sys.isAlive(b)).toBe(false);
    expect(sys.actorCount).toBe(0);
  });
});

// ---- property: random trees of links, random crash points ------------------------------

type Crash =
  | { readonly mode: 'throw' }
  | { readonly mode: 'kill' }
  | { readonly mode: 'stop'; readonly reason: ExitReason }
  | { readonly mode: 'exit'; readonly reason: ExitReason };

interface World {
  readonly parents: readonly number[];
  readonly trap: readonly boolean[];
  readonly extraLinks: readonly (readonly [number, number])[];
  readonly monitors: readonly (readonly [number, number, boolean])[];
  readonly target: number;
  readonly crash: Crash;
  readonly seed: number;
}

const worldArb: fc.Arbitrary<World> = fc
  .integer({ min: 1, max: 10 })
  .chain((n) =>
    fc.record({
      parents: fc.tuple(...Array.from({ length: n }, (_, i) => fc.nat(i))) as fc.Arbitrary<
        number[]
      >,
      trap: fc.array(fc.boolean(), { minLength: n + 1, maxLength: n + 1 }),
      extraLinks: fc.array(fc.tuple(fc.nat(n), fc.nat(n)), { maxLength: 4 }),
      monitors: fc.array(fc.tuple(fc.nat(2), fc.nat(n), fc.boolean()), { maxLength: 8 }),
      target: fc.nat(n),
      crash: fc.oneof(
        fc.constant({ mode: 'throw' as const }),
        fc.constant({ mode: 'kill' as const }),
        fc.record({
          mode: fc.constant('stop' as const),
          reason: fc.constantFrom<ExitReason>('normal', 'shutdown', { shutdown: 'drain' }),
        }),
        fc.record({
          mode: fc.constant('exit' as const),
          reason: fc.constantFrom<ExitReason>('normal', 'shutdown', { shutdown: 'drain' }),
        }),
      ),
      seed: fc.integer(),
    }),
  )
  .map((w) => ({ ...w, parents: [-1, ...w.parents] }));

/** OTP's rules, applied to the graph: who dies, with what reason, and which trapped exits the survivors see. */
function model(w: World): { dead: Map<number, ExitReason>; trapped: Set<string> } {
  const n = w.parents.length;
  const adj = Array.from({ length: n }, () => new Set<number>());
  for (let i = 1; i < n; i++) {
    adj[i]!.add(w.parents[i]!);
    adj[w.parents[i]!]!.add(i);
  }
  for (const [a, b] of w.extraLinks) {
    if (a === b) continue;
    adj[a]!.add(b);
    adj[b]!.add(a);
  }
  const dead = new Map<number, ExitReason>();
  const trapped = new Set<string>();
  const queue: number[] = [];
  const die = (i: number, reason: ExitReason) => {
    if (dead.has(i)) return;
    dead.set(i, reason);
    queue.push(i);
  };
  const t = w.target;
  const c = w.crash;
  if (c.mode === 'throw') die(t, { error: 'Error', message: 'crash point' });
  else if (c.mode === 'kill') die(t, 'killed');
  else if (c.mode === 'stop') die(t, c.reason);
  else if (w.trap[t]) trapped.add(`${t}<-sys:${JSON.stringify(c.reason)}`);
  else if (c.reason !== 'normal') die(t, c.reason);
  while (queue.length > 0) {
    const u = queue.shift()!;
    const reason = dead.get(u)!;
    for (const v of adj[u]!) {
      if (dead.has(v)) continue;
      if (w.trap[v]) {
        if (w.parents[v] === u) die(v, reason);
        else trapped.add(`${v}<-${u}:${JSON.stringify(reason)}`);
      } else if (reason !== 'normal') die(v, reason);
    }
  }
  for (const key of [...trapped]) {
    const v = Number(key.split('<-')[0]);
    if (dead.has(v)) trapped.delete(key);
  }
  return { dead, trapped };
}

const stripStack = (r: ExitReason): ExitReason =>
  typeof r === 'object' && 'error' in r ? { error: r.error, message: r.message } : r;

describe('links and monitors, as a property', () => {
  it('for random trees of linked actors and random crash points, exactly the right actors die and each watcher gets one down per monitor', async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, async (w) => {
        const d = new Deterministic(w.seed);
        const sys = d.system({ node: 'n1' });
        const n = w.parents.length;
        const trapped: string[] = [];
        const index = new Map<string, number>();
        const refs: Ref<Cmd>[] = [];
        const deaths = new Map<number, ExitReason>();
        sys.onDeath((cell, reason) => {
          const i = index.get(String(cell.ref));
          if (i !== undefined) deaths.set(i, reason);
        });
        const behavior = (): Behavior<Cmd, undefined> => ({
          receive(_s, cmd, ctx) {
            if (cmd.k === 'spawn') {
              ctx.send(cmd.replyTo, ctx.spawnLink(behavior(), { trapExit: cmd.trap }));
            } else if (cmd.k === 'link') ctx.link(cmd.to);
            else if (cmd.k === 'throw') throw new Error(cmd.message);
            else if (cmd.k === 'stop') ctx.stop(cmd.reason);
            return undefined;
          },
          exit(_s, e, ctx) {
            const from = String(e.from) === '<n1.0>' ? 'sys' : index.get(String(e.from));
            trapped.push(
              `${index.get(String(ctx.self))}<-${from}:${JSON.stringify(stripStack(e.reason))}`,
            );
            return undefined;
          },
        });
        refs.push(sys.spawn(behavior(), { trapExit: w.trap[0]! }));
        index.set(String(refs[0]), 0);
        for (let i = 1; i < n; i++) {
          const asked = sys.ask<Cmd, AnyRef>(refs[w.parents[i]!]!, (replyTo) => ({
            k: 'spawn',
            trap: w.trap[i]!,
            replyTo,
          }));
          await d.settle();
          const ref = await asked;
          refs.push(ref);
          index.set(String(ref), i);
        }
        for (const [a, b] of w.extraLinks) sys.send(refs[a]!, { k: 'link', to: refs[b]! });
        await d.settle();

        const watchers = [probe(sys), probe(sys), probe(sys)];
        const live = new Map<MonitorRef, { watcher: number; target: number }>();
        for (const [wi, ti, keep] of w.monitors) {
          const mon = sys.localCell(watchers[wi]!.ref)!.monitor(refs[ti]!);
          if (keep) live.set(mon, { watcher: wi, target: ti });
          else sys.localCell(watchers[wi]!.ref)!.demonitor(mon);
        }
        await d.settle();

        const t = refs[w.target]!;
        const c = w.crash;
        if (c.mode === 'throw') sys.send(t, { k: 'throw', message: 'crash point' });
        else if (c.mode === 'kill') sys.exit(t, 'kill');
        else if (c.mode === 'stop') sys.send(t, { k: 'stop', reason: c.reason });
        else sys.exit(t, c.reason);
        await d.settle();

        const expected = model(w);
        expect(new Map([...deaths].map(([i, r]) => [i, stripStack(r)]))).toEqual(expected.dead);
        for (let i = 0; i < n; i++) expect(sys.isAlive(refs[i]!)).toBe(!expected.dead.has(i));
        // Survivors see exactly one trapped exit per dead neighbour; an actor that died may
        // have trapped some first, depending on the order (not checked).
        const survivorsTrapped = trapped.filter(
          (k) => !expected.dead.has(Number(k.split('<-')[0])),
        );
        expect(survivorsTrapped.sort()).toEqual([...expected.trapped].sort());

        const downs = watchers.flatMap((p, wi) => p.downs.map((down) => ({ wi, down })));
        const expectedDowns = [...live].filter(([, m]) => expected.dead.has(m.target));
        expect(downs).toHaveLength(expectedDowns.length);
        for (const [mon, m] of expectedDowns) {
          const got = downs.filter((x) => x.down.monitor === mon);
          expect(got).toHaveLength(1);
          expect(got[0]!.wi).toBe(m.watcher);
          expect(got[0]!.down.ref).toEqual(refs[m.target]);
          expect(stripStack(got[0]!.down.reason)).toEqual(expected.dead.get(m.target));
        }
      }),
      { ...fcOptions, numRuns: 150 },
    );
  });
});
