import { describe, expect, it } from 'vitest';
import { Ref } from './index.ts';
import { Deterministic } from './testing/index.ts';

function setup(seed = 1) {
  const d = new Deterministic(seed, { startMs: 0 });
  return { d, sys: d.system({ node: 'n1' }) };
}

const deadLetterLines = (d: Deterministic) => d.log.lines.filter((l) => l.msg === 'dead letter');

describe('dead letters', () => {
  it('are counted per reason and in total', async () => {
    const { d, sys } = setup();
    const ref = sys.spawn<string, undefined>(
      { receive: () => undefined },
      { mailbox: { capacity: 1 } },
    );
    sys.send(ref, 'fills');
    sys.send(ref, 'full');
    sys.send(new Ref('n1', 999, sys.creation), 'nobody');
    sys.send(new Ref('n1', ref.id, sys.creation + 1), 'an earlier start of n1');
    sys.sendNamed('ghost', 'no name');
    sys.send(new Ref('n2', 1), 'no transport');
    await d.settle();
    sys.exit(ref, 'kill');
    sys.send(ref, 'dead');
    // Every reason not sent here stays 0 (other modules add reasons of their own).
    const zero = Object.fromEntries(Object.keys(sys.deadLetters.counts).map((k) => [k, 0]));
    expect(sys.deadLetters.counts).toEqual({
      ...zero,
      dead: 2,
      mailbox_full: 1,
      exited_with_mailbox: 0,
      noconnection: 1,
      no_such_name: 1,
      late_reply: 0,
      stale_incarnation: 1,
    });
    expect(sys.deadLetters.total).toBe(6);
  });

  it('are logged at warn with the target, the reason, the count and the quoted message', () => {
    const { d, sys } = setup();
    sys.send(new Ref('n1', 999, sys.creation), { hello: 'world' });
    sys.sendNamed('ghost', 'x');
    sys.sendNamed('ghost', 'x', 'n9');
    expect(
      deadLetterLines(d).map(({ level, to, reason, count, message }) => ({
        level,
        to,
        reason,
        count,
        message,
      })),
    ).toEqual([
      { level: 40, to: '<n1.999>', reason: 'dead', count: 1, message: '{"hello":"world"}' },
      { level: 40, to: 'ghost@n1', reason: 'no_such_name', count: 1, message: '"x"' },
      { level: 40, to: 'ghost', reason: 'noconnection', count: 1, message: '"x"' },
    ]);
  });

  it('are logged at most 10 lines a second; the next line says how many were suppressed', async () => {
    const { d, sys } = setup();
    const nowhere = new Ref('n1', 999, sys.creation);
    for (let i = 0; i < 25; i++) sys.send(nowhere, i);
    expect(deadLetterLines(d)).toHaveLength(10);
    expect(sys.deadLetters.counts.dead).toBe(25);
    await d.advance(999);
    sys.send(nowhere, 'still suppressed');
    expect(deadLetterLines(d)).toHaveLength(10);
    await d.advance(1);
    sys.send(nowhere, 'next window');
    const lines = deadLetterLines(d);
    expect(lines).toHaveLength(11);
    expect(lines[10]).toMatchObject({ message: '"next window"', suppressed: 16 });
    expect('suppressed' in lines[0]!).toBe(false);
    sys.send(nowhere, 'after that');
    expect('suppressed' in deadLetterLines(d)[11]!).toBe(false);
    expect(sys.deadLetters.total).toBe(28);
  });

  it('count a whole mailbox left behind as one line with its size', async () => {
    const { d, sys } = setup();
    const ref = sys.spawn<number, undefined>({ receive: () => new Promise<undefined>(() => {}) });
    for (let i = 0; i < 5; i++) sys.send(ref, i);
    await d.settle();
    sys.exit(ref, 'shutdown');
    expect(sys.deadLetters.counts.exited_with_mailbox).toBe(4);
    expect(deadLetterLines(d)).toEqual([
      expect.objectContaining({
        to: '<n1.1>',
        reason: 'exited_with_mailbox',
        count: 4,
        message: '1',
      }),
    ]);
  });
});
