import { describe, expect, it } from 'vitest';
import {
  ActorSystem,
  AskTimeoutError,
  InProcessNetwork,
  NodeDownError,
  ParleyError,
  Ref,
  seededRandom,
} from './index.ts';
import { Deterministic, probe, VirtualClock } from './testing/index.ts';

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

function cluster(seed = 1) {
  const d = new Deterministic(seed);
  const net = new InProcessNetwork(d.clock);
  const n1 = d.system({ transport: net.join('n1') });
  const n2 = d.system({ transport: net.join('n2') });
  return { d, net, n1, n2 };
}

type Req = { readonly replyTo: Ref<string> };

describe('node incarnations (creation)', () => {
  it('gives every start its own creation, carried by the refs it hands out', () => {
    const d = new Deterministic(1);
    const a = d.system({ node: 'n1' });
    const b = d.system({ node: 'n1' });
    expect(a.creation).not.toBe(b.creation);
    for (const c of [a.creation, b.creation]) {
      expect(Number.isInteger(c) && c >= 1 && c <= 0xffff_ffff).toBe(true);
    }
    expect(a.spawn({ receive: () => undefined }).creation).toBe(a.creation);
    expect(d.system({ node: 'n1', creation: 42 }).creation).toBe(42);
  });

  it('derives the default creation from the injected clock and random only (same seed, same creation)', () => {
    const make = () =>
      new ActorSystem({ node: 'n1', clock: new VirtualClock(5000), random: seededRandom(9) });
    expect(make().creation).toBe(make().creation);
  });

  it('refuses a creation that is not an integer in 1..2^32-1, naming it', () => {
    for (const bad of [0, -1, 1.5, 2 ** 32, Number.NaN]) {
      const err = thrown(() => new ActorSystem({ node: 'n1', creation: bad }));
      expect(err).toBeInstanceOf(ParleyError);
      expect(err).toMatchObject({
        code: 'invalid_argument',
        message: `creation must be an integer in 1..4294967295, got ${JSON.stringify(bad) ?? bad}`,
      });
    }
  });

  it('never delivers through a stale ref after a node restarts under the same name: a counted stale_incarnation dead letter', async () => {
    const { d, net, n1, n2 } = cluster();
    const old = probe<string>(n2, { name: 'svc' });
    n1.send(old.ref, 'to the first start');
    await d.settle();
    expect(old.messages).toEqual(['to the first start']);

    await n2.shutdown();
    const n2b = d.system({ transport: net.join('n2') });
    const fresh = probe<string>(n2b, { name: 'svc' });
    // Ids restart at 1: the new actor has the old one's id, but not its creation.
    expect(fresh.ref.id).toBe(old.ref.id);
    expect(fresh.ref.equals(old.ref)).toBe(false);

    n1.send(old.ref, 'stale');
    n1.sendNamed('svc', 'by name', 'n2');
    await d.settle();
    expect(fresh.messages).toEqual(['by name']);
    expect(n2b.deadLetters.counts.stale_incarnation).toBe(1);
    expect(n2b.deadLetters.counts.dead).toBe(0);
  });

  it('answers a link or monitor to a stale ref with noproc, on the node and across nodes', async () => {
    const { d, net, n1, n2 } = cluster();
    const target = n2.spawn({ receive: () => undefined });
    await n2.shutdown();
    const n2b = d.system({ transport: net.join('n2') });
    const same = n2b.spawn({ receive: () => undefined });
    expect(same.id).toBe(target.id);

    const remoteWatcher = probe(n1, { trapExit: true });
    n1.localCell(remoteWatcher.ref)!.monitor(target);
    n1.localCell(remoteWatcher.ref)!.link(target);
    const localWatcher = probe(n2b, { trapExit: true });
    n2b.localCell(localWatcher.ref)!.monitor(target);
    await d.settle();
    expect(remoteWatcher.downs.map((x) => x.reason)).toEqual(['noproc']);
    expect(remoteWatcher.exits.map((x) => x.reason)).toEqual(['noproc']);
    expect(localWatcher.downs.map((x) => x.reason)).toEqual(['noproc']);
    expect(n2b.isAlive(same)).toBe(true);
    expect(n2b.isAlive(target)).toBe(false);
  });

  it('keeps a ref of an earlier start in this process off the local fast path', async () => {
    const d = new Deterministic(1);
    const first = d.system({ node: 'n1' });
    const old = probe<string>(first);
    await first.shutdown();
    const second = d.system({ node: 'n1' });
    const fresh = probe<string>(second);
    expect(fresh.ref.id).toBe(old.ref.id);
    second.send(old.ref, 'stale');
    await d.settle();
    expect(fresh.messages).toEqual([]);
    expect(second.deadLetters.counts.stale_incarnation).toBe(1);
    const stale = old.ref as unknown as Ref<Req>;
    await expect(second.ask<Req, string>(stale, (replyTo) => ({ replyTo }))).rejects.toMatchObject({
      name: 'NoProcError',
    });
  });

  it('resolves a ref of this node that made a round trip only when its creation is this one', async () => {
    const { d, n1, n2 } = cluster();
    const local = probe<string>(n1);
    const echo = n2.spawn<{ ref: Ref<string>; replyTo: Ref<Ref<string>> }, undefined>({
      receive(_s, m, ctx) {
        ctx.send(m.replyTo, m.ref);
        return undefined;
      },
    });
    const back = n1.ask<{ ref: Ref<string>; replyTo: Ref<Ref<string>> }, Ref<string>>(
      echo,
      (replyTo) => ({ ref: local.ref, replyTo }),
    );
    const forged = new Ref<string>('n1', local.ref.id, n1.creation + 1);
    const backForged = n1.ask<{ ref: Ref<string>; replyTo: Ref<Ref<string>> }, Ref<string>>(
      echo,
      (replyTo) => ({ ref: forged, replyTo }),
    );
    await d.settle();
    expect(await back).toBe(local.ref);
    const f = await backForged;
    expect(f).not.toBe(local.ref);
    expect(f._cell).toBeUndefined();
    n1.send(f, 'nope');
    await d.settle();
    expect(local.messages).toEqual([]);
  });
});

describe('asks across nodes', () => {
  it('reject at once with NodeDownError when the asked node is lost while they wait', async () => {
    const { d, net, n1, n2 } = cluster();
    const silent = n2.spawn<Req, undefined>({ receive: () => undefined });
    n2.spawn({ receive: () => undefined }, { name: 'svc' });
    const byRef = n1.ask<Req, string>(silent, (replyTo) => ({ replyTo })).catch((e) => e);
    const byName = n1
      .askNamed<Req, string>('svc', (replyTo) => ({ replyTo }), 5000, 'n2')
      .catch((e) => e);
    await d.settle();
    const before = d.clock.now();
    net.isolate('n2');
    await d.settle();
    const err = await byRef;
    expect(err).toBeInstanceOf(NodeDownError);
    expect(err).toMatchObject({
      name: 'NodeDownError',
      code: 'unavailable',
      node: 'n2',
      message: 'ask to <n2.1> failed: node "n2" went down before it replied',
    });
    expect(await byName).toMatchObject({
      message: 'ask to svc@n2 failed: node "n2" went down before it replied',
    });
    expect(d.clock.now()).toBe(before);
    // The timers are gone: moving past the timeout settles nothing more.
    await d.advance(10_000);
    expect(n1.deadLetters.counts.late_reply).toBe(0);
  });

  it('reject at once when the node is not reachable at send time, with or without a transport', async () => {
    const { net, n1, n2 } = cluster();
    const target = n2.spawn<Req, undefined>({ receive: () => undefined });
    net.partition('n1', 'n2');
    await expect(n1.ask<Req, string>(target, (replyTo) => ({ replyTo }))).rejects.toMatchObject({
      name: 'NodeDownError',
      code: 'unavailable',
      message: 'ask to <n2.1> failed at once: node "n2" is not reachable',
    });
    await expect(
      n1.askNamed<Req, string>('svc', (replyTo) => ({ replyTo }), 5000, 'n2'),
    ).rejects.toBeInstanceOf(NodeDownError);
    const alone = new Deterministic(2).system({ node: 'solo' });
    await expect(
      alone.ask<Req, string>(new Ref('far', 1, 1), (replyTo) => ({ replyTo })),
    ).rejects.toMatchObject({
      message: 'ask to <far.1> failed at once: node "far" is not reachable',
    });
  });

  it('leave other nodes asks alone, and still time out with AskTimeoutError', async () => {
    const d = new Deterministic(1);
    const net = new InProcessNetwork(d.clock);
    const n1 = d.system({ transport: net.join('n1') });
    const n2 = d.system({ transport: net.join('n2') });
    const n3 = d.system({ transport: net.join('n3') });
    const on2 = n2.spawn<Req, undefined>({ receive: () => undefined });
    const on3 = n3.spawn<Req, undefined>({ receive: () => undefined });
    const to2 = n1.ask<Req, string>(on2, (replyTo) => ({ replyTo }), 100).catch((e) => e);
    const to3 = n1.ask<Req, string>(on3, (replyTo) => ({ replyTo }), 100).catch((e) => e);
    await d.settle();
    net.isolate('n2');
    await d.advance(100);
    expect(await to2).toBeInstanceOf(NodeDownError);
    expect(await to3).toBeInstanceOf(AskTimeoutError);
  });
});
