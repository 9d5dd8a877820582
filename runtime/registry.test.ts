import { describe, expect, it } from 'vitest';
import { type Behavior, NameTakenError, NoProcError, ParleyError, Ref } from './index.ts';
import { Deterministic, probe } from './testing/index.ts';

function setup(seed = 1) {
  const d = new Deterministic(seed);
  return { d, sys: d.system({ node: 'n1' }) };
}

const idle: Behavior<unknown, undefined> = { receive: () => undefined };

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('the name registry', () => {
  it('finds an actor registered with register, and lists the names', () => {
    const { sys } = setup();
    const a = sys.spawn(idle);
    const b = sys.spawn(idle);
    sys.register('alpha', a);
    sys.register('beta', b);
    expect(sys.whereis('alpha')).toBe(a);
    expect(sys.whereis('beta')).toBe(b);
    expect(sys.whereis('gamma')).toBeUndefined();
    expect(sys.registered().sort()).toEqual(['alpha', 'beta']);
    expect(sys.localCell(a)!.name).toBe('alpha');
  });

  it('registers an actor spawned with a name', () => {
    const { sys } = setup();
    const a = sys.spawn(idle, { name: 'spawned' });
    expect(sys.whereis('spawned')).toBe(a);
  });

  it('delivers messages sent to a name with sendNamed', async () => {
    const { d, sys } = setup();
    const p = probe<string>(sys, { name: 'inbox' });
    sys.sendNamed('inbox', 'one');
    sys.sendNamed('inbox', 'two', 'n1');
    await d.settle();
    expect(p.messages).toEqual(['one', 'two']);
  });

  it('turns a message to an unknown name into a no_such_name dead letter', () => {
    const { d, sys } = setup();
    sys.sendNamed('nobody', 'hello?');
    expect(sys.deadLetters.counts.no_such_name).toBe(1);
    expect(d.log.lines.at(-1)).toMatchObject({
      msg: 'dead letter',
      to: 'nobody@n1',
      reason: 'no_such_name',
    });
  });

  it('releases the name when the actor dies, so it can be taken again', async () => {
    const { d, sys } = setup();
    const a = sys.spawn(idle, { name: 'svc' });
    sys.exit(a, 'kill');
    await d.settle();
    expect(sys.whereis('svc')).toBeUndefined();
    expect(sys.registered()).toEqual([]);
    sys.sendNamed('svc', 'late');
    expect(sys.deadLetters.counts.no_such_name).toBe(1);
    const b = sys.spawn(idle, { name: 'svc' });
    expect(sys.whereis('svc')).toBe(b);
  });

  it('refuses a taken name with NameTakenError', () => {
    const { sys } = setup();
    sys.spawn(idle, { name: 'svc' });
    const b = sys.spawn(idle);
    const err = thrown(() => sys.register('svc', b));
    expect(err).toBeInstanceOf(NameTakenError);
    expect(err).toBeInstanceOf(ParleyError);
    expect(err).toMatchObject({
      name: 'NameTakenError',
      code: 'already_exists',
      message: 'name "svc" is already registered to <n1.1>',
    });
    expect(sys.localCell(b)!.name).toBeNull();
  });

  it('refuses to spawn with a taken name and leaves no actor behind', async () => {
    const { d, sys } = setup();
    const first = sys.spawn(idle, { name: 'svc' });
    let initRan = false;
    const err = thrown(() =>
      sys.spawn<unknown, undefined>(
        {
          init() {
            initRan = true;
            return undefined;
          },
          receive: () => undefined,
        },
        { name: 'svc' },
      ),
    );
    expect(err).toBeInstanceOf(NameTakenError);
    expect((err as Error).message).toBe('name "svc" is already registered to <n1.1>');
    expect(initRan).toBe(false);
    expect(sys.actorCount).toBe(1);
    expect(sys.actors().map((c) => c.ref)).toEqual([first]);
    expect(sys.stats.spawned).toBe(1);
    await d.settle();
  });

  it('refuses a second name for one actor', () => {
    const { sys } = setup();
    const a = sys.spawn(idle, { name: 'first' });
    const err = thrown(() => sys.register('second', a));
    expect(err).toBeInstanceOf(ParleyError);
    expect(err).toMatchObject({
      code: 'already_exists',
      message: '<n1.1> is already registered as "first"',
    });
    expect(sys.whereis('second')).toBeUndefined();
  });

  it('refuses to register a dead, unknown or remote actor with NoProcError', () => {
    const { sys } = setup();
    const a = sys.spawn(idle);
    sys.exit(a, 'kill');
    const dead = thrown(() => sys.register('x', a));
    expect(dead).toBeInstanceOf(NoProcError);
    expect(dead).toMatchObject({ code: 'not_found', message: 'no actor <n1.1>: it is not alive' });
    expect(thrown(() => sys.register('x', new Ref('n1', 77)))).toMatchObject({
      message: 'no actor <n1.77>: it is not alive',
    });
    expect(thrown(() => sys.register('x', new Ref('n2', 1)))).toMatchObject({
      message: 'no actor <n2.1>: it is not alive',
    });
  });

  it('refuses names that are empty, too long or not strings', () => {
    const { sys } = setup();
    const a = sys.spawn(idle);
    for (const [name, shown] of [
      ['', '""'],
      ['n'.repeat(256), `"${'n'.repeat(116)}...`],
      [42, '42'],
    ] as const) {
      const err = thrown(() => sys.register(name as string, a));
      expect(err).toBeInstanceOf(ParleyError);
      expect(err).toMatchObject({
        code: 'invalid_argument',
        message: `actor name must be 1..255 characters, got ${shown}`,
      });
    }
    sys.register('n'.repeat(255), a);
    expect(sys.whereis('n'.repeat(255))).toBe(a);
  });

  it('unregister frees the name but the actor lives on; an unknown name is a no-op', async () => {
    const { d, sys } = setup();
    const p = probe<string>(sys, { name: 'svc' });
    sys.unregister('svc');
    sys.unregister('svc');
    sys.unregister('never');
    expect(sys.whereis('svc')).toBeUndefined();
    expect(sys.localCell(p.ref)!.name).toBeNull();
    sys.send(p.ref, 'still here');
    await d.settle();
    expect(p.messages).toEqual(['still here']);
    sys.register('svc2', p.ref);
    expect(sys.whereis('svc2')).toBe(p.ref);
  });
});
