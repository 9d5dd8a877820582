import { describe, expect, it } from 'vitest';
import {
  ActorSystem,
  type AnyRef,
  type Behavior,
  type Down,
  type ExitMessage,
  type ExitReason,
  InProcessNetwork,
  InProcessTransport,
  ParleyError,
  type Ref,
  type TransportHandler,
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

/** A transport handler that records what reaches it. */
function recorder(): TransportHandler & { frames: string[]; downs: string[]; ups: string[] } {
  const frames: string[] = [];
  const downs: string[] = [];
  const ups: string[] = [];
  return {
    frames,
    downs,
    ups,
    onFrame: (from, frame) => frames.push(`${from}:${[...frame].join(',')}`),
    onNodeDown: (node) => downs.push(node),
    onNodeUp: (node) => ups.push(node),
  };
}

function network(...nodes: string[]) {
  const clock = new VirtualClock(0);
  const net = new InProcessNetwork(clock);
  const ends = nodes.map((n) => {
    const t = net.join(n);
    const h = recorder();
    t.attach(h);
    return { t, h };
  });
  return { clock, net, ends };
}

describe('InProcessNetwork', () => {
  it('delivers frames later (on clock.defer), in send order per pair, as copies', () => {
    const { clock, net, ends } = network('a', 'b');
    const [a, b] = ends;
    const frame = new Uint8Array([1, 2]);
    a!.t.send('b', frame);
    frame[0] = 9;
    a!.t.send('b', new Uint8Array([3]));
    b!.t.send('a', new Uint8Array([4]));
    expect(b!.h.frames).toEqual([]);
    expect(clock.runDeferred()).toBe(1);
    expect(b!.h.frames).toEqual(['a:1,2', 'a:3']);
    expect(a!.h.frames).toEqual(['b:4']);
    expect(net.stats).toEqual({ delivered: 3, dropped: 0 });
  });

  it('refuses a node name that already joined, and a second attach', () => {
    const { net, ends } = network('a');
    const dup = thrown(() => net.join('a'));
    expect(dup).toBeInstanceOf(ParleyError);
    expect(dup).toMatchObject({
      code: 'already_exists',
      message: 'node "a" already joined this network',
    });
    const again = thrown(() => ends[0]!.t.attach(recorder()));
    expect(again).toBeInstanceOf(ParleyError);
    expect(again).toMatchObject({
      code: 'already_exists',
      message: 'transport of node "a" is already attached',
    });
  });

  it('drops frames to unknown nodes and counts them', () => {
    const { clock, net, ends } = network('a');
    ends[0]!.t.send('nowhere', new Uint8Array([1]));
    clock.runDeferred();
    expect(net.stats).toEqual({ delivered: 0, dropped: 1 });
    expect(ends[0]!.t.reachable('nowhere')).toBe(false);
  });

  it('partition cuts a pair both ways, tells each side once, and drops frames in flight', () => {
    const { clock, net, ends } = network('a', 'b', 'c');
    const [a, b, c] = ends;
    a!.t.send('b', new Uint8Array([1]));
    net.partition('a', 'b');
    net.partition('b', 'a');
    net.partition('a', 'a');
    expect(a!.h.downs).toEqual(['b']);
    expect(b!.h.downs).toEqual(['a']);
    expect(c!.h.downs).toEqual([]);
    expect(net.connected('a', 'b')).toBe(false);
    expect(a!.t.reachable('b')).toBe(false);
    expect(a!.t.reachable('c')).toBe(true);
    a!.t.send('b', new Uint8Array([2]));
    clock.runDeferred();
    expect(b!.h.frames).toEqual([]);
    expect(net.stats.dropped).toBe(2);
    expect(net.peers('a')).toEqual(['c']);
  });

  it('heal reconnects a pair and tells each side once', () => {
    const { clock, net, ends } = network('a', 'b');
    const [a, b] = ends;
    net.heal('a', 'b');
    expect(a!.h.ups).toEqual([]);
    net.partition('a', 'b');
    net.heal('b', 'a');
    net.heal('a', 'b');
    expect(a!.h.ups).toEqual(['b']);
    expect(b!.h.ups).toEqual(['a']);
    a!.t.send('b', new Uint8Array([5]));
    clock.runDeferred();
    expect(b!.h.frames).toEqual(['a:5']);
  });

  it('isolate cuts a node off from every other node, and rejoin brings it back', () => {
    const { net, ends } = network('a', 'b', 'c');
    const [a, b, c] = ends;
    net.isolate('a');
    expect(a!.h.downs.sort()).toEqual(['b', 'c']);
    expect(b!.h.downs).toEqual(['a']);
    expect(c!.h.downs).toEqual(['a']);
    expect(net.peers('a')).toEqual([]);
    expect(net.peers('b')).toEqual(['c']);
    net.rejoin('a');
    expect(a!.h.ups.sort()).toEqual(['b', 'c']);
    expect(net.peers('a').sort()).toEqual(['b', 'c']);
  });

  it('close leaves the network: peers see the node down once, and frames to it are dropped', async () => {
    const { clock, net, ends } = network('a', 'b');
    const [a, b] = ends;
    a!.t.send('b', new Uint8Array([1]));
    await b!.t.close();
    await b!.t.close();
    expect(b!.t.closed).toBe(true);
    expect(a!.h.downs).toEqual(['b']);
    expect(a!.t.reachable('b')).toBe(false);
    clock.runDeferred();
    expect(b!.h.frames).toEqual([]);
    expect(net.peers('a')).toEqual([]);
    net.leave('b');
    expect(a!.h.downs).toEqual(['b']);
    const b2 = net.join('b');
    expect(b2).toBeInstanceOf(InProcessTransport);
    expect(a!.t.reachable('b')).toBe(true);
  });

  it('delivers on the real clock by default', async () => {
    const net = new InProcessNetwork();
    const a = net.join('a');
    const b = net.join('b');
    const got = new Promise<string>((resolve) => {
      b.attach({ onFrame: (from, f) => resolve(`${from}:${f[0]}`), onNodeDown() {} });
    });
    a.attach(recorder());
    a.send('b', new Uint8Array([7]));
    expect(await got).toBe('a:7');
  });
});

// ---- actor systems across the in-process network -------------------------------------------

function cluster(seed = 1) {
  const d = new Deterministic(seed);
  const net = new InProcessNetwork(d.clock);
  const n1 = d.system({ transport: net.join('n1') });
  const n2 = d.system({ transport: net.join('n2') });
  return { d, net, n1, n2 };
}

type Cmd =
  | { readonly k: 'link'; readonly to: AnyRef }
  | { readonly k: 'monitor'; readonly to: AnyRef }
  | { readonly k: 'send'; readonly to: AnyRef; readonly msg: unknown }
  | { readonly k: 'throw' };

function scripted(log: { downs: Down[]; exits: ExitMessage[] }): Behavior<Cmd, undefined> {
  return {
    receive(_s, cmd, ctx) {
      if (cmd.k === 'link') ctx.link(cmd.to);
      else if (cmd.k === 'monitor') ctx.monitor(cmd.to);
      else if (cmd.k === 'send') ctx.send(cmd.to, cmd.msg);
      else throw new Error('remote crash');
      return undefined;
    },
    down(_s, d) {
      log.downs.push(d);
      return undefined;
    },
    exit(_s, e) {
      log.exits.push(e);
      return undefined;
    },
  };
}

describe('actor systems on the in-process network', () => {
  it('take their node name from the transport and refuse a different one', () => {
    const net = new InProcessNetwork(new VirtualClock());
    const d = new Deterministic(1);
    expect(d.system({ transport: net.join('x') }).node).toBe('x');
    const err = thrown(
      () => new ActorSystem({ node: 'y', transport: net.join('z'), logger: d.log.logger }),
    );
    expect(err).toBeInstanceOf(ParleyError);
    expect(err).toMatchObject({
      code: 'invalid_argument',
      message: `node "y" differs from the transport's node "z"`,
    });
  });

  it('deliver a message to a remote actor as a copy made at send time', async () => {
    const { d, n1, n2 } = cluster();
    const remote = probe<{ list: number[] }>(n2);
    const msg = { list: [1, 2] };
    n1.spawn<string, undefined>({
      init(ctx) {
        ctx.send(remote.ref, msg);
        msg.list.push(3);
        return undefined;
      },
      receive: () => undefined,
    });
    await d.settle();
    expect(remote.messages).toEqual([{ list: [1, 2] }]);
    expect(remote.messages[0]).not.toBe(msg);
  });

  it('route a ref that came from another in-process node through the network, not by reference', async () => {
    const { d, net, n1, n2 } = cluster();
    const remote = probe<string>(n2);
    n1.send(remote.ref, 'through the network');
    await d.settle();
    expect(remote.messages).toEqual(['through the network']);
    net.partition('n1', 'n2');
    n1.send(remote.ref, 'lost in the partition');
    await d.settle();
    expect(remote.messages).toEqual(['through the network']);
    expect(n1.deadLetters.counts.noconnection).toBe(1);
  });

  it('deliver to a remote registered name, and count an unknown one on the receiving node', async () => {
    const { d, n1, n2 } = cluster();
    const svc = probe<string>(n2, { name: 'svc' });
    n1.sendNamed('svc', 'hello', 'n2');
    n1.sendNamed('nobody', 'hello?', 'n2');
    await d.settle();
    expect(svc.messages).toEqual(['hello']);
    expect(n2.deadLetters.counts.no_such_name).toBe(1);
  });

  it('count a message to a dead remote actor as a dead letter on the receiving node', async () => {
    const { d, n1, n2 } = cluster();
    const remote = probe(n2);
    n2.exit(remote.ref, 'kill');
    n1.send(remote.ref, 'too late');
    await d.settle();
    expect(n2.deadLetters.counts.dead).toBe(1);
  });

  it('answer an ask across nodes, and a local ref that made a round trip is the live ref again', async () => {
    const { d, n1, n2 } = cluster();
    const local = probe<string>(n1);
    const echo = n2.spawn<{ ref: AnyRef; replyTo: Ref<AnyRef> }, undefined>({
      receive(_s, m, ctx) {
        expect(m.ref._cell).toBeUndefined();
        ctx.send(m.replyTo, m.ref);
        return undefined;
      },
    });
    const back = n1.ask<{ ref: AnyRef; replyTo: Ref<AnyRef> }, AnyRef>(echo, (replyTo) => ({
      ref: local.ref,
      replyTo,
    }));
    await d.settle();
    expect(await back).toBe(local.ref);
  });

  it('time out an ask to a remote actor that does not answer', async () => {
    const { d, n1, n2 } = cluster();
    const silent = n2.spawn({ receive: () => undefined });
    const asked = n1.ask(silent, (replyTo) => ({ replyTo }), 50).catch((e: unknown) => e);
    await d.advance(50);
    expect(await asked).toMatchObject({
      name: 'AskTimeoutError',
      message: 'ask to <n2.1> got no reply within 50 ms',
    });
  });

  it('deliver a down across nodes when a monitored remote actor crashes, and no down after demonitor', async () => {
    const { d, n1, n2 } = cluster();
    const target = n2.spawn(scripted({ downs: [], exits: [] }));
    const other = n2.spawn(scripted({ downs: [], exits: [] }));
    const watcher = probe(n1);
    const cell = n1.localCell(watcher.ref)!;
    const mon = cell.monitor(target);
    cell.demonitor(cell.monitor(other));
    await d.settle();
    n2.send(target, { k: 'throw' });
    n2.send(other, { k: 'throw' });
    await d.settle();
    expect(watcher.downs).toHaveLength(1);
    expect(watcher.downs[0]).toMatchObject({
      monitor: mon,
      reason: { error: 'Error', message: 'remote crash' },
    });
    expect(watcher.downs[0]!.ref.equals(target)).toBe(true);
  });

  it('deliver a down noproc for a remote actor that is already dead', async () => {
    const { d, n1, n2 } = cluster();
    const target = n2.spawn({ receive: () => undefined });
    n2.exit(target, 'kill');
    const watcher = probe(n1);
    n1.localCell(watcher.ref)!.monitor(target);
    await d.settle();
    expect(watcher.downs.map((x) => x.reason)).toEqual(['noproc']);
  });

  it('propagate a crash across a link, both ways', async () => {
    const { d, n1, n2 } = cluster();
    const log = { downs: [], exits: [] };
    const a = n1.spawn(scripted(log));
    const b = n2.spawn(scripted(log));
    const c = n2.spawn(scripted(log));
    n1.send(a, { k: 'link', to: b });
    n2.send(c, { k: 'link', to: a });
    await d.settle();
    n2.send(b, { k: 'throw' });
    await d.settle();
    expect(n1.isAlive(a)).toBe(false);
    expect(n2.isAlive(c)).toBe(false);
  });

  it('fire noconnection for every monitor and link across an isolated node, in both directions', async () => {
    const { d, net, n1, n2 } = cluster();
    const deaths = new Map<string, ExitReason>();
    for (const sys of [n1, n2]) sys.onDeath((cell, reason) => deaths.set(String(cell.ref), reason));
    const l1 = { downs: [] as Down[], exits: [] as ExitMessage[] };
    const l2 = { downs: [] as Down[], exits: [] as ExitMessage[] };
    const watcher1 = n1.spawn(scripted(l1));
    const watcher2 = n2.spawn(scripted(l2));
    const target1 = n1.spawn(scripted(l1));
    const target2 = n2.spawn(scripted(l2));
    const linker1 = n1.spawn(scripted(l1));
    const linked2 = n2.spawn(scripted(l2));
    const trap1 = n1.spawn(scripted(l1), { trapExit: true });
    const linker2 = n2.spawn(scripted(l2));
    n1.send(watcher1, { k: 'monitor', to: target2 });
    n2.send(watcher2, { k: 'monitor', to: target1 });
    n1.send(linker1, { k: 'link', to: linked2 });
    n2.send(linker2, { k: 'link', to: trap1 });
    await d.settle();
    net.isolate('n2');
    await d.settle();
    expect(l1.downs.map((x) => [String(x.ref), x.reason])).toEqual([['<n2.2>', 'noconnection']]);
    expect(l2.downs.map((x) => [String(x.ref), x.reason])).toEqual([['<n1.2>', 'noconnection']]);
    expect(deaths.get(String(linker1))).toBe('noconnection');
    expect(deaths.get(String(linked2))).toBe('noconnection');
    expect(deaths.get(String(linker2))).toBe('noconnection');
    expect(l1.exits.map((e) => [String(e.from), e.reason])).toEqual([['<n2.4>', 'noconnection']]);
    expect(n1.isAlive(trap1)).toBe(true);
    n1.send(target2, { k: 'throw' });
    await d.settle();
    expect(n1.deadLetters.counts.noconnection).toBe(1);
    net.rejoin('n2');
    n2.send(target2, { k: 'throw' });
    n1.send(target1, { k: 'throw' });
    await d.settle();
    expect(l1.downs).toHaveLength(1);
    expect(l2.downs).toHaveLength(1);
  });

  it('deliver a down noconnection at once for a monitor on a node that cannot be reached', async () => {
    const { d, net, n1, n2 } = cluster();
    const target = n2.spawn({ receive: () => undefined });
    net.partition('n1', 'n2');
    const watcher = probe(n1);
    n1.localCell(watcher.ref)!.monitor(target);
    await d.settle();
    expect(watcher.downs.map((x) => x.reason)).toEqual(['noconnection']);
  });

  it('tell the peers when a node shuts down', async () => {
    const { d, n1, n2 } = cluster();
    const target = n2.spawn({ receive: () => undefined });
    const watcher = probe(n1);
    n1.localCell(watcher.ref)!.monitor(target);
    await d.settle();
    await n2.shutdown();
    await d.settle();
    expect(watcher.downs.map((x) => x.reason)).toEqual(['noconnection']);
  });

  it('drop a remote message to a full fail_sender mailbox as a dead letter and keep delivering the frames after it', async () => {
    const { d, n1, n2 } = cluster();
    const got: string[] = [];
    n2.spawn<string, undefined>(
      {
        receive(_s, m) {
          got.push(m);
          return new Promise<undefined>(() => {});
        },
      },
      { name: 'full', mailbox: { capacity: 1, overflow: 'fail_sender' } },
    );
    const other = probe<string>(n2);
    n1.sendNamed('full', 'blocks', 'n2');
    await d.settle();
    n1.sendNamed('full', 'fills', 'n2');
    n1.sendNamed('full', 'overflows', 'n2');
    n1.send(other.ref, 'after');
    await d.settle();
    expect(got).toEqual(['blocks']);
    expect(other.messages).toEqual(['after']);
    expect(n2.deadLetters.counts.mailbox_full).toBe(1);
  });

  it('log and drop a frame that cannot be decoded', async () => {
    const { d, net, n1 } = cluster();
    const raw = net.join('raw');
    raw.attach(recorder());
    raw.send('n1', new Uint8Array([0x92, 0x01]));
    await d.settle();
    expect(d.log.lines.find((l) => l.msg === 'undecodable frame dropped')).toMatchObject({
      level: 50,
      from: 'raw',
      bytes: 2,
    });
    expect(n1.actorCount).toBe(0);
  });
});
