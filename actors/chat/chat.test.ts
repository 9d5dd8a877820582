import { describe, expect, it } from 'vitest';
import { InProcessNetwork, ParleyError, type Ref } from '../../runtime/index.ts';
import { Deterministic, probe } from '../../runtime/testing/index.ts';
import { MemoryStore, type Store } from '../../store/index.ts';
import type { ClientFrame } from '../protocol/index.ts';
import {
  ACTIVATOR_NAME,
  activator,
  functionPlacement,
  VirtualDirectory,
} from '../virtual/index.ts';
import { type ChatEnv, DEFAULT_CHAT_CONFIG } from './env.ts';
import { groupActor } from './group-actor.ts';
import type { EdgeMsg } from './messages.ts';
import { userActor } from './user/actor.ts';
import { wakeOwners } from './wake.ts';

const seed = Number(process.env.FC_SEED);

/** Places keys on `nodes` by a stable hash, so actors of one test land on different nodes. */
function placementOver(nodes: string[]) {
  return functionPlacement((key: string) => {
    let h = 0;
    for (let i = 0; i < key.length; i++) h = (Math.imul(h, 31) + key.charCodeAt(i)) | 0;
    return nodes[Math.abs(h) % nodes.length]!;
  });
}

function world(s = seed, nodeCount = 1, store: Store = new MemoryStore()) {
  const det = new Deterministic(s);
  const names = Array.from({ length: nodeCount }, (_, i) => `n${i + 1}`);
  const network = new InProcessNetwork(det.clock);
  const placement = placementOver(names);
  const systems = names.map((name) =>
    nodeCount === 1 ? det.system({ node: name }) : det.system({ transport: network.join(name) }),
  );
  for (const sys of systems) {
    const directory = new VirtualDirectory(sys, placement);
    const env: ChatEnv = { store, directory, config: DEFAULT_CHAT_CONFIG };
    sys.spawn(
      activator(
        {
          user: (id, act) => userActor(id, env, act),
          group: (id, act) => groupActor(id, env, act),
        },
        directory,
      ),
      { name: ACTIVATOR_NAME },
    );
  }
  // Edges live on the first node; the actors they talk to are spread by placement.
  const system = systems[0]!;
  const directory = new VirtualDirectory(system, placement);
  const frames = (edge: { messages: EdgeMsg[] }) =>
    edge.messages.flatMap((m) =>
      m.t === 'push'
        ? [JSON.parse(m.json)]
        : m.t === 'push_many'
          ? m.json.map((j) => JSON.parse(j))
          : [],
    );
  const connect = (user: string, device = 'd1') => {
    const edge = probe<EdgeMsg>(system);
    directory.send(`user:${user}`, { t: 'attach', device, edge: edge.ref });
    return {
      edge,
      frames: () => frames(edge),
      send: (frame: ClientFrame) =>
        directory.send(`user:${user}`, {
          t: 'client',
          device,
          edge: edge.ref as Ref<EdgeMsg>,
          frame,
        }),
    };
  };
  return { det, system, systems, store, directory, connect, placement };
}

for (const nodeCount of [1, 2]) {
  describe(`user actor: 1:1 (${nodeCount} node${nodeCount > 1 ? 's' : ''})`, () => {
    it('acks sent after storing, delivers to the recipient, and relays receipts', async () => {
      const w = world(seed, nodeCount);
      const alice = w.connect('alice');
      const bob = w.connect('bob');
      await w.det.settle();
      alice.send({ type: 'message', id: 'm1', to: 'bob', content: { type: 'text', body: 'hi' } });
      await w.det.settle();
      expect(alice.frames()).toContainEqual(
        expect.objectContaining({ type: 'ack', id: 'm1', status: 'sent' }),
      );
      const msg = bob.frames().find((f) => f.type === 'message');
      expect(msg).toMatchObject({
        id: 'm1',
        from: 'alice',
        to: 'bob',
        seq: 1,
        content: { type: 'text', body: 'hi' },
      });
      bob.send({ type: 'ack', id: 'm1', from: 'alice', status: 'delivered' });
      await w.det.settle();
      expect(alice.frames()).toContainEqual(
        expect.objectContaining({ type: 'ack', id: 'm1', status: 'delivered', by: 'bob' }),
      );
      bob.send({ type: 'ack', id: 'm1', from: 'alice', status: 'read' });
      bob.send({ type: 'ack', id: 'm1', from: 'alice', status: 'delivered' });
      await w.det.settle();
      const receipts = alice
        .frames()
        .filter((f) => f.type === 'ack' && f.status !== 'sent')
        .map((f) => f.status);
      expect(receipts).toEqual(['delivered', 'read']);
    });

    it('replays the inbox to a device that connects later, then only what it has not acked', async () => {
      const w = world(seed, nodeCount);
      const alice = w.connect('alice');
      await w.det.settle();
      for (let i = 1; i <= 3; i++)
        alice.send({
          type: 'message',
          id: `m${i}`,
          to: 'bob',
          content: { type: 'text', body: `${i}` },
        });
      await w.det.settle();
      const bob = w.connect('bob');
      await w.det.settle();
      expect(
        bob
          .frames()
          .filter((f) => f.type === 'message')
          .map((f) => [f.id, f.seq]),
      ).toEqual([
        ['m1', 1],
        ['m2', 2],
        ['m3', 3],
      ]);
      bob.send({ type: 'ack', id: 'm2', from: 'alice', status: 'delivered' });
      await w.det.settle();
      const again = w.connect('bob');
      await w.det.settle();
      expect(
        again
          .frames()
          .filter((f) => f.type === 'message')
          .map((f) => f.id),
      ).toEqual(['m1', 'm3']);
    });

    it('keeps replaying an unacked message after a later one was acked, and skips the acked one', async () => {
      const w = world(seed, nodeCount);
      const alice = w.connect('alice');
      const carol = w.connect('carol');
      await w.det.settle();
      alice.send({ type: 'message', id: 'a1', to: 'bob', content: { type: 'text', body: '1' } });
      await w.det.settle();
      carol.send({ type: 'message', id: 'c1', to: 'bob', content: { type: 'text', body: '2' } });
      await w.det.settle();
      const bob = w.connect('bob');
      await w.det.settle();
      expect(
        bob
          .frames()
          .filter((f) => f.type === 'message')
          .map((f) => f.id),
      ).toEqual(['a1', 'c1']);
      bob.send({ type: 'ack', id: 'c1', from: 'carol', status: 'delivered' });
      await w.det.settle();
      const again = w.connect('bob');
      await w.det.settle();
      expect(
        again
          .frames()
          .filter((f) => f.type === 'message')
          .map((f) => f.id),
      ).toEqual(['a1']);
      again.send({ type: 'ack', id: 'a1', from: 'alice', status: 'read' });
      await w.det.advance(DEFAULT_CHAT_CONFIG.cursorFlushMs + DEFAULT_CHAT_CONFIG.tickMs); // cursors are written lazily
      expect((await w.store.cursors('bob')).d1).toBe(2);
      const third = w.connect('bob');
      await w.det.settle();
      expect(third.frames().filter((f) => f.type === 'message')).toEqual([]);
    });

    it("moves a device's cursor over its own sends, which are never pushed to it", async () => {
      const w = world(seed, nodeCount);
      const alice = w.connect('alice', 'phone');
      const bob = w.connect('bob');
      await w.det.settle();
      alice.send({ type: 'message', id: 'p1', to: 'bob', content: { type: 'text', body: 'mine' } });
      await w.det.settle();
      bob.send({
        type: 'message',
        id: 'b1',
        to: 'alice',
        content: { type: 'text', body: 'reply' },
      });
      await w.det.settle();
      alice.send({ type: 'ack', id: 'b1', from: 'bob', status: 'delivered' });
      await w.det.advance(DEFAULT_CHAT_CONFIG.cursorFlushMs + DEFAULT_CHAT_CONFIG.tickMs); // cursors are written lazily
      expect((await w.store.cursors('alice')).phone).toBe(2);
    });

    it('answers a resent id with the same sent ack and never delivers it twice', async () => {
      const w = world(seed, nodeCount);
      const alice = w.connect('alice');
      const bob = w.connect('bob');
      await w.det.settle();
      alice.send({ type: 'message', id: 'x', to: 'bob', content: { type: 'text', body: 'once' } });
      await w.det.settle();
      alice.send({ type: 'message', id: 'x', to: 'bob', content: { type: 'text', body: 'once' } });
      await w.det.settle();
      const acks = alice.frames().filter((f) => f.type === 'ack' && f.status === 'sent');
      expect(acks).toHaveLength(2);
      expect(acks[0].ts).toBe(acks[1].ts);
      expect(bob.frames().filter((f) => f.type === 'message')).toHaveLength(1);
    });

    it('copies own sends to the other devices of the sender, not back to the sending one', async () => {
      const w = world(seed, nodeCount);
      const phone = w.connect('alice', 'phone');
      const laptop = w.connect('alice', 'laptop');
      await w.det.settle();
      phone.send({
        type: 'message',
        id: 'p1',
        to: 'bob',
        content: { type: 'text', body: 'from phone' },
      });
      await w.det.settle();
      expect(laptop.frames().filter((f) => f.type === 'message')).toEqual([
        expect.objectContaining({ id: 'p1', from: 'alice', to: 'bob', seq: 1 }),
      ]);
      expect(phone.frames().filter((f) => f.type === 'message')).toEqual([]);
    });

    it('gives no sent ack when the store is down, and stores the resend once it is back', async () => {
      const store = new MemoryStore();
      const w = world(seed, nodeCount, store);
      const alice = w.connect('alice');
      await w.det.settle();
      store.failWith = new ParleyError('unavailable', 'database down');
      alice.send({ type: 'message', id: 'm1', to: 'bob', content: { type: 'text', body: 'hi' } });
      await w.det.settle();
      expect(alice.frames().filter((f) => f.type === 'ack')).toEqual([]);
      expect(alice.frames()).toContainEqual(
        expect.objectContaining({ type: 'error', code: 'unavailable', id: 'm1' }),
      );
      store.failWith = null;
      alice.send({ type: 'message', id: 'm1', to: 'bob', content: { type: 'text', body: 'hi' } });
      await w.det.settle();
      expect(alice.frames()).toContainEqual(
        expect.objectContaining({ type: 'ack', id: 'm1', status: 'sent' }),
      );
      const bob = w.connect('bob');
      await w.det.settle();
      expect(
        bob
          .frames()
          .filter((f) => f.type === 'message')
          .map((f) => f.id),
      ).toEqual(['m1']);
    });
  });

  describe(`group actor (${nodeCount} node${nodeCount > 1 ? 's' : ''})`, () => {
    it('creates a group, fans a message out to every member in order, and refuses non-members', async () => {
      const w = world(seed, nodeCount);
      const alice = w.connect('alice');
      const bob = w.connect('bob');
      const carol = w.connect('carol');
      const mallory = w.connect('mallory');
      await w.det.settle();
      alice.send({ type: 'group.create', ref: 'r1', name: 'friends', members: ['bob', 'carol'] });
      await w.det.settle();
      const created = alice.frames().find((f) => f.type === 'group' && f.ref === 'r1');
      expect(created).toMatchObject({
        name: 'friends',
        members: ['alice', 'bob', 'carol'],
        admins: ['alice'],
      });
      const group = created.id as string;
      expect(bob.frames()).toContainEqual(expect.objectContaining({ type: 'group', id: group }));
      alice.send({ type: 'message', id: 'g1', group, content: { type: 'text', body: 'one' } });
      await w.det.settle();
      bob.send({ type: 'message', id: 'g2', group, content: { type: 'text', body: 'two' } });
      await w.det.settle();
      for (const member of [alice, bob, carol]) {
        const got = member.frames().filter((f) => f.type === 'message');
        expect(got.map((f) => f.gseq)).toEqual(
          member === alice ? [2] : member === bob ? [1] : [1, 2],
        );
      }
      mallory.send({
        type: 'message',
        id: 'bad',
        group,
        content: { type: 'text', body: 'let me in' },
      });
      await w.det.settle();
      expect(mallory.frames()).toContainEqual(
        expect.objectContaining({ type: 'error', code: 'forbidden', id: 'bad' }),
      );
      bob.send({ type: 'group.add', ref: 'r2', group, members: ['mallory'] });
      await w.det.settle();
      expect(bob.frames()).toContainEqual(
        expect.objectContaining({ type: 'error', code: 'forbidden', ref: 'r2' }),
      );
    });
  });
}

describe('after a crash', () => {
  it('wakes a sender with forwards pending at the crash, so they reach the recipient without the sender coming back', async () => {
    const store = new MemoryStore();
    // Bob's inbox refuses writes: alice's forward stays pending, as if the node died before it landed.
    const bobDown = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'appendInbox') {
          return (user: string, ...rest: unknown[]) =>
            user === 'bob'
              ? Promise.reject(new ParleyError('unavailable', 'bob is down'))
              : (target.appendInbox as (...a: unknown[]) => unknown).call(target, user, ...rest);
        }
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const before = world(seed, 1, bobDown);
    const alice = before.connect('alice');
    await before.det.settle();
    alice.send({
      type: 'message',
      id: 'm1',
      to: 'bob',
      content: { type: 'text', body: 'survive' },
    });
    await before.det.settle();
    expect(alice.frames()).toContainEqual(
      expect.objectContaining({ type: 'ack', id: 'm1', status: 'sent' }),
    );
    expect(await store.listWake(null, 10)).toEqual(['user:alice']);
    await before.system.shutdown();

    const after = world(seed, 1, store);
    expect(await wakeOwners(after.system, store, after.directory, after.placement)).toBe(1);
    await after.det.advance(DEFAULT_CHAT_CONFIG.tickMs + 10);
    const bob = after.connect('bob');
    await after.det.settle();
    expect(
      bob
        .frames()
        .filter((f) => f.type === 'message')
        .map((f) => f.id),
    ).toEqual(['m1']);
    // Cleared once the sender is quiet (not at each confirm).
    await after.det.advance(DEFAULT_CHAT_CONFIG.quietMs + DEFAULT_CHAT_CONFIG.tickMs);
    expect(await store.listWake(null, 10)).toEqual([]);
  });
});
