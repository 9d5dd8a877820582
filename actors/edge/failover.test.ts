/**
 * A real edge over the chat on three in-process nodes, when the node that
 * owned the user's actor dies: for seconds a survivor's view may still name
 * the dead node as the owner (failure detection takes that long), so an
 * `attach` routed meanwhile is lost on the way, as any message to a dead node
 * is. The edge must attach again until an incarnation answers; otherwise the
 * new actor stores the messages but never pushes them to this device.
 */
import { describe, expect, it } from 'vitest';
import { ackedIds, chatCluster } from '../chat/cluster-world.ts';
import { MemoryPresence } from '../presence/index.ts';
import { edgeBehavior } from './edge-actor.ts';
import type { EdgeSocket } from './edge-socket.ts';

const seed = Number(process.env.FC_SEED);
const text = (body: string) => ({ type: 'text', body }) as const;

class FakeSocket implements EdgeSocket {
  readonly sent: string[] = [];
  bufferedAmount = 0;
  pongs = 0;
  send(json: string): void {
    this.sent.push(json);
  }
  close(): void {}
  ping(): void {
    this.pongs++;
  }
  /** Ids of the `message` frames written, first copies in order (a replay repeats what the device did not ack; the SDK drops repeats). */
  messageIds(): string[] {
    const ids = this.sent
      .map((s) => JSON.parse(s) as { type: string; id?: string })
      .filter((f) => f.type === 'message')
      .map((f) => f.id!);
    return [...new Set(ids)];
  }
}

function world() {
  const w = chatCluster(seed, ['n1', 'n2', 'n3']);
  // bob's actor lives on n2; alice's on n3.
  w.view((key) => (key === 'user:bob' ? 'n2' : 'n3'));
  const edgeOn = (node: string) => {
    const socket = new FakeSocket();
    const n = w.node(node);
    n.system.spawn(
      edgeBehavior({
        socket,
        user: 'bob',
        device: 'phone',
        directory: n.directory,
        presence: new MemoryPresence({ clock: w.det.clock }),
      }),
      { trapExit: true },
    );
    return socket;
  };
  return { w, edgeOn };
}

describe('edge: failover of the user actor to another node', () => {
  it('attaches again when its attach went to an owner that is gone (a reconnect to a survivor with a stale view)', async () => {
    const { w, edgeOn } = world();
    await w.det.advance(2000);
    w.network.isolate('n2');
    // bob's device reconnects to n3 before n3 noticed: the attach goes to n2.
    const socket = edgeOn('n3');
    await w.det.advance(500);
    // The survivors drop n2: bob's key moves to n3.
    w.view(() => 'n3', ['n1', 'n3']);
    await w.det.advance(2000);
    const alice = w.connect('alice', 'laptop', 'n3');
    alice.send({ type: 'message', id: 'm1', to: 'bob', content: text('hi') });
    await w.det.advance(10_000);
    expect(ackedIds(alice)).toEqual(['m1']);
    expect((await w.store.readInbox('bob', 0, 10)).map((e) => e.id)).toEqual(['m1']);
    expect(socket.messageIds()).toEqual(['m1']);
  });

  it('attaches again when its re-attach after the noconnection went through a survivor that still routed to the dead node', async () => {
    const { w, edgeOn } = world();
    await w.det.advance(2000);
    // bob's device is on n1, served by bob's actor on n2.
    const socket = edgeOn('n1');
    const alice = w.connect('alice', 'laptop', 'n3');
    alice.send({ type: 'message', id: 'm1', to: 'bob', content: text('before') });
    await w.det.advance(3000);
    expect(socket.messageIds()).toEqual(['m1']);
    // n1 already moved bob's key to n3; n3 has not noticed yet, and forwards to n2.
    w.view(() => 'n3', ['n1']);
    w.network.isolate('n2');
    await w.det.advance(500);
    w.view(() => 'n3', ['n3']);
    await w.det.advance(2000);
    alice.send({ type: 'message', id: 'm2', to: 'bob', content: text('after') });
    await w.det.advance(10_000);
    expect(ackedIds(alice)).toEqual(['m1', 'm2']);
    expect(socket.messageIds()).toEqual(['m1', 'm2']);
  });
});
