import { describe, expect, it } from 'vitest';
import {
  AskTimeoutError,
  type Behavior,
  DEFAULT_ASK_TIMEOUT_MS,
  MailboxFullError,
  NoProcError,
  type Ref,
} from './index.ts';
import { Deterministic } from './testing/index.ts';

type Req = { readonly n: number; readonly replyTo: Ref<number> };

const doubler: Behavior<Req, undefined> = {
  receive(_s, { n, replyTo }, ctx) {
    ctx.send(replyTo, n * 2);
    return undefined;
  },
};

/** Replies `times` times, after `delayMs` of virtual time. */
function slowReplier(delayMs: number, times = 1): Behavior<Req | { reply: Req }, undefined> {
  return {
    receive(_s, m, ctx) {
      if ('reply' in m) {
        for (let i = 0; i < times; i++) ctx.send(m.reply.replyTo, m.reply.n + i);
      } else ctx.sendAfter(delayMs, { reply: m });
      return undefined;
    },
  };
}

function setup(seed = 1) {
  const d = new Deterministic(seed);
  return { d, sys: d.system({ node: 'n1' }) };
}

/** Records how a promise settled, without awaiting it. */
function track<T>(p: Promise<T>): {
  state: 'pending' | 'resolved' | 'rejected';
  value?: T;
  error?: unknown;
} {
  const t: { state: 'pending' | 'resolved' | 'rejected'; value?: T; error?: unknown } = {
    state: 'pending',
  };
  p.then(
    (value) => {
      t.state = 'resolved';
      t.value = value;
    },
    (error) => {
      t.state = 'rejected';
      t.error = error;
    },
  );
  return t;
}

describe('ask', () => {
  it('resolves with the first message sent to the reply ref', async () => {
    const { d, sys } = setup();
    const ref = sys.spawn(doubler);
    const answer = sys.ask<Req, number>(ref, (replyTo) => ({ n: 21, replyTo }));
    await d.settle();
    expect(await answer).toBe(42);
  });

  it('times out after 5000 ms by default with AskTimeoutError', async () => {
    const { d, sys } = setup();
    expect(DEFAULT_ASK_TIMEOUT_MS).toBe(5000);
    const silent = sys.spawn<Req, undefined>({ receive: () => undefined });
    const t = track(sys.ask<Req, number>(silent, (replyTo) => ({ n: 1, replyTo })));
    await d.advance(4999);
    expect(t.state).toBe('pending');
    await d.advance(1);
    expect(t.state).toBe('rejected');
    const err = t.error as AskTimeoutError;
    expect(err).toBeInstanceOf(AskTimeoutError);
    expect(err.name).toBe('AskTimeoutError');
    expect(err.code).toBe('timeout');
    expect(err.message).toBe('ask to <n1.1> got no reply within 5000 ms');
  });

  it('takes a custom timeout', async () => {
    const { d, sys } = setup();
    const ref = sys.spawn(slowReplier(200));
    const slow = track(sys.ask<Req, number>(ref, (replyTo) => ({ n: 1, replyTo }), 100));
    const patient = track(sys.ask<Req, number>(ref, (replyTo) => ({ n: 7, replyTo }), 300));
    await d.advance(100);
    expect(slow.state).toBe('rejected');
    expect((slow.error as Error).message).toBe('ask to <n1.1> got no reply within 100 ms');
    await d.advance(100);
    expect(patient).toMatchObject({ state: 'resolved', value: 7 });
  });

  it('drops a reply that comes after the timeout as a late_reply dead letter', async () => {
    const { d, sys } = setup();
    const ref = sys.spawn(slowReplier(200));
    const t = track(sys.ask<Req, number>(ref, (replyTo) => ({ n: 1, replyTo }), 100));
    await d.advance(300);
    expect(t.state).toBe('rejected');
    expect(sys.deadLetters.counts.late_reply).toBe(1);
    expect(d.log.lines.find((l) => l.msg === 'dead letter')).toMatchObject({
      reason: 'late_reply',
      to: '<n1.2>',
      message: '1',
    });
  });

  it('drops replies after the first as late_reply dead letters', async () => {
    const { d, sys } = setup();
    const ref = sys.spawn(slowReplier(10, 3));
    const t = track(sys.ask<Req, number>(ref, (replyTo) => ({ n: 5, replyTo })));
    await d.advance(10);
    expect(t).toMatchObject({ state: 'resolved', value: 5 });
    expect(sys.deadLetters.counts.late_reply).toBe(2);
  });

  it('rejects at once with NoProcError when the local target is dead', async () => {
    const { d, sys } = setup();
    const ref = sys.spawn(doubler);
    sys.exit(ref, 'kill');
    let made = false;
    const err = await sys
      .ask<Req, number>(ref, (replyTo) => {
        made = true;
        return { n: 1, replyTo };
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoProcError);
    expect(err).toMatchObject({
      name: 'NoProcError',
      code: 'not_found',
      message: 'no actor <n1.1>: it is not alive',
    });
    expect(made).toBe(false);
    expect(d.clock.nextTimerAt()).toBeUndefined();
  });

  it('rejects with the error make throws, sends nothing and leaves no timer behind', async () => {
    const { d, sys } = setup();
    const received: unknown[] = [];
    const ref = sys.spawn<unknown, undefined>({
      receive(_s, m) {
        received.push(m);
        return undefined;
      },
    });
    const boom = new Error('cannot build request');
    await expect(
      sys.ask(ref, () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    await d.settle();
    expect(received).toEqual([]);
    expect(d.clock.nextTimerAt()).toBeUndefined();
  });

  it('rejects with MailboxFullError when a fail_sender mailbox is full, and leaves no timer behind', async () => {
    const { d, sys } = setup();
    const ref = sys.spawn<unknown, undefined>(
      { receive: () => undefined },
      { mailbox: { capacity: 1, overflow: 'fail_sender' } },
    );
    sys.send(ref, 'fills it');
    const err = await sys.ask(ref, (replyTo) => ({ replyTo })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailboxFullError);
    expect(d.clock.nextTimerAt()).toBeUndefined();
  });

  it('works from inside an actor: the asker waits for the reply before its next message', async () => {
    const { d, sys } = setup();
    const server = sys.spawn(slowReplier(50));
    const log: string[] = [];
    const client = sys.spawn<number, undefined>({
      async receive(_s, n, ctx) {
        log.push(`ask ${n}`);
        const r = await ctx.ask<Req | { reply: Req }, number>(server, (replyTo) => ({
          n,
          replyTo,
        }));
        log.push(`got ${r}`);
        return undefined;
      },
    });
    sys.send(client, 1);
    sys.send(client, 2);
    await d.advance(50);
    expect(log).toEqual(['ask 1', 'got 1', 'ask 2']);
    await d.advance(50);
    expect(log).toEqual(['ask 1', 'got 1', 'ask 2', 'got 2']);
  });

  it('a timeout inside an actor rejects its handler, which crashes the actor unless caught', async () => {
    const { d, sys } = setup();
    const silent = sys.spawn<Req, undefined>({ receive: () => undefined });
    const client = sys.spawn<string, undefined>({
      name: 'client',
      async receive(_s, _m, ctx) {
        await ctx.ask<Req, number>(silent, (replyTo) => ({ n: 1, replyTo }), 10);
        return undefined;
      },
    });
    const exited = sys.awaitExit(client);
    sys.send(client, 'go');
    await d.advance(10);
    expect(await exited).toMatchObject({
      error: 'AskTimeoutError',
      code: 'timeout',
      message: 'ask to <n1.1> got no reply within 10 ms',
    });
  });

  it('asks a registered name with askNamed, and rejects NoProcError for an unknown one', async () => {
    const { d, sys } = setup();
    sys.spawn(doubler, { name: 'doubler' });
    const answer = sys.askNamed<Req, number>('doubler', (replyTo) => ({ n: 4, replyTo }));
    await d.settle();
    expect(await answer).toBe(8);
    const err = await sys
      .askNamed<Req, number>('nobody', (replyTo) => ({ n: 4, replyTo }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoProcError);
    expect(err).toMatchObject({ code: 'not_found', message: 'no actor "nobody": it is not alive' });
  });

  it('rejects pending asks when the system shuts down', async () => {
    const { d, sys } = setup();
    const silent = sys.spawn<Req, undefined>({ receive: () => undefined });
    const t = track(sys.ask<Req, number>(silent, (replyTo) => ({ n: 1, replyTo })));
    await d.settle();
    await sys.shutdown();
    await d.settle();
    expect(t.state).toBe('rejected');
    expect(t.error).toMatchObject({
      name: 'ParleyError',
      code: 'stopped',
      message: 'ask to <n1.1> got no reply: node "n1" shut down',
    });
  });
});
