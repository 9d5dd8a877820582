import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Behavior,
  DEFAULT_MAILBOX,
  ErrorCode,
  MailboxFullError,
  Overflow,
  ParleyError,
  type Ref,
} from './index.ts';
import { Deterministic, probe } from './testing/index.ts';

function setup(seed = 1) {
  const d = new Deterministic(seed);
  return { d, sys: d.system({ node: 'n1' }) };
}

function recorder(into: unknown[]): Behavior<unknown, undefined> {
  return {
    name: 'recorder',
    receive(_s, m) {
      into.push(m);
      return undefined;
    },
  };
}

describe('mailbox options', () => {
  it('default to 65,536 messages with drop_newest', () => {
    expect(DEFAULT_MAILBOX).toEqual({ capacity: 65_536, overflow: 'drop_newest' });
    expect(Overflow).toEqual({
      DropNewest: 'drop_newest',
      FailSender: 'fail_sender',
      Crash: 'crash',
    });
  });

  it('reject a capacity that is not a positive integer', () => {
    const { sys } = setup();
    for (const [capacity, shown] of [
      [0, '0'],
      [-1, '-1'],
      [1.5, '1.5'],
      [Number.NaN, 'null'],
    ] as const) {
      let err: unknown;
      try {
        sys.spawn(recorder([]), { mailbox: { capacity } });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ParleyError);
      expect(err).toMatchObject({
        code: 'invalid_argument',
        message: `mailbox capacity must be a positive integer, got ${shown}`,
      });
    }
    expect(sys.actorCount).toBe(0);
  });

  it('take the default overflow when only a capacity is given', async () => {
    const { d, sys } = setup();
    const got: unknown[] = [];
    const ref = sys.spawn(recorder(got), { mailbox: { capacity: 2 } });
    for (let i = 0; i < 4; i++) sys.send(ref, i);
    await d.settle();
    expect(got).toEqual([0, 1]);
    expect(sys.deadLetters.counts.mailbox_full).toBe(2);
  });
});

describe('a full mailbox', () => {
  it('with drop_newest drops each new message as a dead letter and keeps the actor running', async () => {
    const { d, sys } = setup();
    const got: unknown[] = [];
    const ref = sys.spawn(recorder(got), {
      mailbox: { capacity: 3, overflow: Overflow.DropNewest },
    });
    for (let i = 0; i < 10; i++) sys.send(ref, i);
    expect(sys.localCell(ref)!.depth).toBe(3);
    await d.settle();
    expect(got).toEqual([0, 1, 2]);
    expect(sys.deadLetters.counts.mailbox_full).toBe(7);
    sys.send(ref, 'after');
    await d.settle();
    expect(got).toEqual([0, 1, 2, 'after']);
    expect(d.log.lines.find((l) => l.msg === 'dead letter')).toMatchObject({
      to: '<n1.1>',
      reason: 'mailbox_full',
      message: '3',
    });
  });

  it('with fail_sender makes a local send throw MailboxFullError', async () => {
    const { d, sys } = setup();
    const got: unknown[] = [];
    const ref = sys.spawn(recorder(got), { mailbox: { capacity: 2, overflow: 'fail_sender' } });
    sys.send(ref, 1);
    sys.send(ref, 2);
    let err: unknown;
    try {
      sys.send(ref, 3);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MailboxFullError);
    expect(err).toBeInstanceOf(ParleyError);
    expect(err).toMatchObject({
      name: 'MailboxFullError',
      code: ErrorCode.ResourceExhausted,
      message:
        "mailbox of <n1.1> is full (capacity 2); slow down or raise the actor's mailbox capacity",
    });
    await d.settle();
    expect(got).toEqual([1, 2]);
    expect(sys.deadLetters.counts.mailbox_full).toBe(0);
  });

  it('with fail_sender crashes a sending actor that does not catch the error', async () => {
    const { d, sys } = setup();
    const full = sys.spawn(recorder([]), { mailbox: { capacity: 1, overflow: 'fail_sender' } });
    const sender = sys.spawn<string, undefined>({
      name: 'sender',
      receive(_s, _m, ctx) {
        ctx.send(full, 'a');
        ctx.send(full, 'b');
        return undefined;
      },
    });
    const exited = sys.awaitExit(sender);
    sys.send(sender, 'go');
    await d.settle();
    expect(await exited).toMatchObject({ error: 'MailboxFullError', code: 'resource_exhausted' });
    expect(sys.isAlive(full)).toBe(true);
  });

  it('with fail_sender drops a message a timer sends as a dead letter instead of throwing', async () => {
    const { d, sys } = setup();
    const got: unknown[] = [];
    const ref = sys.spawn<string, undefined>(
      {
        init(ctx) {
          ctx.sendAfter(10, 'tick');
          return undefined;
        },
        receive(_s, m) {
          got.push(m);
          return new Promise<undefined>(() => {});
        },
      },
      { mailbox: { capacity: 1, overflow: 'fail_sender' } },
    );
    sys.send(ref, 'blocks');
    await d.settle();
    sys.send(ref, 'fills it');
    await d.advance(10);
    expect(got).toEqual(['blocks']);
    expect(sys.localCell(ref)!.depth).toBe(1);
    expect(sys.deadLetters.counts.mailbox_full).toBe(1);
  });

  it('with crash crashes the actor with a mailbox_overflow reason', async () => {
    const { d, sys } = setup();
    const got: unknown[] = [];
    const watcher = probe(sys);
    const ref = sys.spawn(recorder(got), { mailbox: { capacity: 2, overflow: 'crash' } });
    sys.localCell(watcher.ref)!.monitor(ref);
    sys.send(ref, 1);
    sys.send(ref, 2);
    sys.send(ref, 3);
    expect(sys.isAlive(ref)).toBe(false);
    sys.send(ref, 4);
    await d.settle();
    expect(got).toEqual([]);
    expect(watcher.downs).toHaveLength(1);
    expect(watcher.downs[0]!.reason).toMatchObject({
      error: 'ParleyError',
      code: 'resource_exhausted',
      message: 'mailbox_overflow: <n1.2> held 2 messages',
    });
    expect(sys.deadLetters.counts).toMatchObject({
      mailbox_full: 1,
      exited_with_mailbox: 2,
      dead: 1,
    });
    expect(d.log.lines.find((l) => l.msg === 'crash report')).toMatchObject({
      actor: '<n1.2>',
      behavior: 'recorder',
      message: '3',
      reason: 'ParleyError: mailbox_overflow: <n1.2> held 2 messages',
    });
  });

  it('still takes system messages: a full actor gets its down', async () => {
    const { d, sys } = setup();
    const target = sys.spawn(recorder([]));
    const watcher = probe(sys);
    const cell = sys.localCell(watcher.ref)!;
    cell.monitor(target);
    const small = sys.spawn<unknown, undefined>(
      {
        init(ctx) {
          ctx.monitor(target);
          return undefined;
        },
        receive: () => undefined,
        down(_s, down) {
          cell.enqueue(down);
          return undefined;
        },
      },
      { mailbox: { capacity: 1, overflow: 'drop_newest' } },
    );
    sys.send(small, 'one');
    sys.send(small, 'two');
    sys.exit(target, 'kill');
    await d.settle();
    expect(watcher.messages).toHaveLength(1);
    expect(watcher.downs).toHaveLength(1);
  });

  it('counts only waiting messages against the capacity: a drained mailbox takes more', async () => {
    const { d, sys } = setup();
    const got: unknown[] = [];
    const ref: Ref<unknown> = sys.spawn(recorder(got), {
      mailbox: { capacity: 2, overflow: 'fail_sender' },
    });
    for (let round = 0; round < 5; round++) {
      sys.send(ref, round * 2);
      sys.send(ref, round * 2 + 1);
      await d.settle();
    }
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('reuses its queue after many messages without losing order', async () => {
    const { d, sys } = setup();
    const got: number[] = [];
    const ref = sys.spawn<number, undefined>({
      receive(_s, m) {
        got.push(m);
        return undefined;
      },
    });
    let next = 0;
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 500; i++) sys.send(ref, next++);
      for (let i = 0; i < 300; i++) d.scheduler.step();
    }
    await d.settle();
    expect(got).toEqual(Array.from({ length: next }, (_, i) => i));
  });

  it('keeps FIFO order and an exact depth across any interleaving of bursts and partial drains (ring growth, wrap, release)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 3000 })), {
          minLength: 1,
          maxLength: 12,
        }),
        (ops) => {
          const { d, sys } = setup();
          const got: number[] = [];
          const ref = sys.spawn<number, undefined>({
            receive(_s, m) {
              got.push(m);
              return undefined;
            },
          });
          const cell = sys.localCell(ref)!;
          let sent = 0;
          for (const [put, take] of ops) {
            for (let i = 0; i < put; i++) sys.send(ref, sent++);
            for (let i = 0; i < take && d.scheduler.step(); i++);
            expect(cell.depth).toBe(sent - got.length);
          }
          while (d.scheduler.step());
          expect(got).toEqual(Array.from({ length: sent }, (_, i) => i));
          expect(cell.depth).toBe(0);
        },
      ),
      { seed: Number(process.env.FC_SEED), verbose: true, numRuns: 40 },
    );
  });
});
