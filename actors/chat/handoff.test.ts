import { describe, expect, it } from 'vitest';
import { ParleyError } from '../../runtime/index.ts';
import { MemoryStore } from '../../store/index.ts';
import { ackedIds, chatCluster } from './cluster-world.ts';
import { DEFAULT_CHAT_CONFIG } from './env.ts';

const seed = Number(process.env.FC_SEED);
const text = (body: string) => ({ type: 'text', body }) as const;

async function inboxIds(
  store: MemoryStore | { readInbox: MemoryStore['readInbox'] },
  user: string,
) {
  return (await store.readInbox(user, 0, 1000)).map((e) => `${e.from}/${e.id}`);
}

describe('chat over a changing placement', () => {
  it('hands a user actor off under a stream of sends: every message acked once, delivered in order', async () => {
    const w = chatCluster(seed, ['n1', 'n2', 'n3']);
    w.view((key) => (key === 'user:alice' ? 'n1' : 'n3'));
    await w.det.advance(2000);
    const alice = w.connect('alice');
    for (let i = 1; i <= 10; i++)
      alice.send({ type: 'message', id: `m${i}`, to: 'bob', content: text(`${i}`) });
    // Some sends are stored, some in flight, some queued when alice's key moves to n2.
    for (let i = 0; i < 15; i++) {
      w.det.scheduler.runReady();
      w.det.clock.runDeferred();
    }
    w.view((key) => (key === 'user:alice' ? 'n2' : 'n3'));
    for (let i = 11; i <= 20; i++)
      alice.send({ type: 'message', id: `m${i}`, to: 'bob', content: text(`${i}`) });
    await w.det.advance(10_000);
    const ids = Array.from({ length: 20 }, (_, i) => `m${i + 1}`);
    expect(ackedIds(alice)).toEqual(ids);
    expect(await inboxIds(w.store, 'bob')).toEqual(ids.map((id) => `alice/${id}`));
    const lists = await w.answer(
      Promise.all(['n1', 'n2'].map((n) => w.node('n1').directory.list(n))),
    );
    expect(lists.map((l) => l.actors.map((a) => a.key))).toEqual([[], ['user:alice']]);
    expect(lists[0]!.handoffs).toBe(1);
    // One owner after the other: n1's epoch issued the first seqs, n2's the rest.
    const epochs = w.issued.filter((x) => x.user === 'alice').map((x) => x.epoch);
    expect(epochs).toEqual([...epochs].sort((a, b) => a - b));
  });

  it("fences the old owner's late write in a split brain, and the resend lands once", async () => {
    const w = chatCluster(seed, ['n1', 'n2']);
    // Both nodes believe they own alice.
    w.node('n1').placement.set(() => 'n1');
    w.node('n2').placement.set(() => 'n2');
    await w.det.advance(2000);
    const phone = w.connect('alice', 'phone', 'n1');
    const laptop = w.connect('alice', 'laptop', 'n2');
    phone.send({ type: 'message', id: 'p1', to: 'bob', content: text('from n1') });
    await w.det.settle();
    laptop.send({ type: 'message', id: 'l1', to: 'bob', content: text('from n2') });
    await w.det.settle();
    phone.send({ type: 'message', id: 'p2', to: 'bob', content: text('late') });
    await w.det.settle();
    expect(ackedIds(phone)).toEqual(['p1']);
    expect(ackedIds(laptop)).toEqual(['l1']);
    // No answer for p2: a real edge submits it again when the fenced actor's `down` arrives.
    expect(await inboxIds(w.store, 'alice')).toEqual(['alice/p1', 'alice/l1']);
    expect(
      w.det.log.lines.some((l) => String(l.msg).includes('user actor fenced by a newer owner')),
    ).toBe(true);
    expect((await w.answer(w.node('n1').directory.list())).actors.map((a) => a.key)).not.toContain(
      'user:alice',
    );
    // The views agree again; the phone resends p2 with the same id.
    w.view(() => 'n2');
    await w.det.advance(2000);
    phone.send({ type: 'message', id: 'p2', to: 'bob', content: text('late') });
    await w.det.advance(5000);
    expect(ackedIds(phone)).toEqual(['p1', 'p2']);
    expect(await inboxIds(w.store, 'alice')).toEqual(['alice/p1', 'alice/l1', 'alice/p2']);
    expect(await inboxIds(w.store, 'bob')).toEqual(['alice/p1', 'alice/l1', 'alice/p2']);
  });

  it('wakes a key this node gains with a forward pending, without any message for it', async () => {
    const memory = new MemoryStore();
    let bobDown = true;
    const store = new Proxy(memory, {
      get(target, prop, receiver) {
        if (prop === 'appendInbox')
          return (user: string, ...rest: unknown[]) =>
            user === 'bob' && bobDown
              ? Promise.reject(new ParleyError('unavailable', 'bob is down'))
              : (target.appendInbox as (...a: unknown[]) => unknown).call(target, user, ...rest);
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const w = chatCluster(seed, ['n1', 'n2'], { store });
    w.view((key) => (key === 'user:bob' ? 'n2' : 'n1'));
    await w.det.advance(2000);
    const alice = w.connect('alice');
    alice.send({ type: 'message', id: 'm1', to: 'bob', content: text('pending') });
    await w.det.settle();
    expect(ackedIds(alice)).toEqual(['m1']);
    // Alice's key moves to n2; her actor on n1 hands off; nothing more is sent to her.
    w.view(() => 'n2');
    await w.det.advance(2000);
    const n2 = await w.answer(w.node('n1').directory.list('n2'));
    expect(n2.actors.map((a) => a.key).sort()).toEqual(['user:alice', 'user:bob']);
    bobDown = false;
    await w.det.advance(DEFAULT_CHAT_CONFIG.resendIntervalMs * 2);
    expect(await inboxIds(memory, 'bob')).toEqual(['alice/m1']);
    expect(w.node('n2').waker.woken).toBeGreaterThanOrEqual(1);
  });

  it('answers inspect for a group with its epoch and member count', async () => {
    const w = chatCluster(seed, ['n1', 'n2']);
    w.view((key) => (key.startsWith('group:') ? 'n2' : 'n1'));
    await w.det.advance(2000);
    const alice = w.connect('alice');
    alice.send({ type: 'group.create', ref: 'r1', name: 'g', members: ['bob', 'carol'] });
    await w.det.settle();
    const group = alice.frames().find((f) => f.type === 'group')!.id as string;
    const r = await w.answer(w.node('n1').directory.inspect(`group:${group}`));
    expect(r).toMatchObject({ node: 'n2', owner: 'n2', active: true, epoch: 1, members: 3 });
    expect(r.devices).toBeUndefined();
  });

  it('forgets a session whose edge node went down', async () => {
    const w = chatCluster(seed, ['n1', 'n2']);
    w.view(() => 'n1');
    await w.det.advance(2000);
    const here = w.connect('alice', 'phone', 'n1');
    const there = w.connect('alice', 'laptop', 'n2');
    here.attach();
    there.attach();
    await w.det.settle();
    const devices = async () => {
      const r = await w.answer(w.node('n1').directory.inspect('user:alice'));
      return r.devices;
    };
    expect(await devices()).toEqual(['phone', 'laptop']);
    w.network.isolate('n2');
    await w.det.settle();
    expect(await devices()).toEqual(['phone']);
    expect((await w.answer(w.node('n1').directory.inspect('user:alice'))).epoch).toBe(1);
  });
});
