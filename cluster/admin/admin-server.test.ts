import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ErrorCode, ParleyError } from '../../runtime/index.ts';
import { AdminClient } from './client.ts';
import { type FakeCluster, fakeCluster } from './fake-cluster.ts';
import { startAdminServer } from './server.ts';
import { grpcStatusOf } from './status.ts';

describe('admin server', () => {
  let cluster: FakeCluster;
  let viaA: AdminClient;
  beforeAll(async () => {
    cluster = await fakeCluster();
    viaA = new AdminClient(cluster.address('a'));
  });
  afterAll(async () => {
    viaA.close();
    await cluster.close();
  });

  test('answers nodes and ring from the node asked', async () => {
    const nodes = await viaA.nodes();
    expect(nodes.answeredBy).toBe('a');
    expect(nodes.viewVersion).toBe(7);
    expect(nodes.nodes.map((n) => [n.id, n.status, n.shards])).toEqual([
      ['a', 'up', 6],
      ['b', 'up', 5],
      ['c', 'up', 5],
    ]);
    const ring = await viaA.ring();
    expect(ring.shardCount).toBe(16);
    expect(ring.nodes[1]).toEqual({ node: 'b', shards: 5, shardIds: [1, 4, 7, 10, 13] });
  });

  test('asks every node for actors, and lists the node that did not answer', async () => {
    const r = await viaA.actors();
    expect(r.actors.map((x) => `${x.node} ${x.key}`)).toEqual([
      'a user:alice',
      'a group:g1',
      'b user:bob',
    ]);
    expect(r.errors).toEqual([
      {
        node: 'c',
        code: 'UNAVAILABLE',
        message: `admin API at ${cluster.address('c')} is unreachable: connect ECONNREFUSED ${cluster.address('c')}`,
      },
    ]);
  });

  test('forwards actors, tree and stats of one node to that node', async () => {
    expect((await viaA.actors('b')).actors.map((x) => x.key)).toEqual(['user:bob']);
    const tree = await viaA.tree('b');
    expect(tree.trees.map((t) => [t.node, t.root.ref, t.root.children.length])).toEqual([
      ['b', 'b/1', 2],
    ]);
    const stats = await viaA.stats('b');
    expect(stats.nodes.map((s) => [s.node, s.deadLetters])).toEqual([
      ['b', { no_proc: 2, stale_incarnation: 1, mailbox_full: 0 }],
    ]);
    expect(stats.errors).toEqual([]);
  });

  test('sends inspect and kill to the key owner', async () => {
    const bob = await viaA.inspect('user:bob');
    expect(bob).toMatchObject({ key: 'user:bob', node: 'b', active: true, epoch: 42, ref: 'b/10' });
    expect(bob.devices).toEqual([
      { device: 'phone', node: 'b' },
      { device: 'laptop', node: '' },
    ]);
    expect(await viaA.kill('user:bob')).toEqual({ key: 'user:bob', node: 'b', killed: true });
    expect(cluster.admins.b!.killed).toEqual(['user:bob']);
    expect(cluster.admins.a!.killed).toEqual([]);
  });

  test('sends drain to the node named', async () => {
    expect(await viaA.drain('b')).toEqual({ node: 'b', state: 'draining', shards: 5, clients: 2 });
    expect(cluster.admins.b!.drained).toBe(1);
    expect(cluster.admins.a!.drained).toBe(0);
  });

  test('a NodeAdmin error reaches the caller with its code and the node it came from', async () => {
    const refused = viaA.inspect('user:zed');
    await expect(refused).rejects.toThrow(ParleyError);
    await expect(refused).rejects.toMatchObject({
      code: 'not_found',
      message: 'node "b": no actor for key "user:zed" on node "b"',
    });
  });

  test('an owner that is unreachable fails with unavailable naming node and address', async () => {
    await expect(viaA.inspect('user:carl')).rejects.toMatchObject({
      code: 'unavailable',
      message: `node "c": admin API at ${cluster.address('c')} is unreachable: connect ECONNREFUSED ${cluster.address('c')}`,
    });
  });

  test('refuses bad requests and unknown nodes exactly', async () => {
    await expect(viaA.inspect('')).rejects.toMatchObject({
      code: 'invalid_argument',
      message: 'key must be a non-empty string of at most 1024 characters, got ""',
    });
    await expect(viaA.drain('')).rejects.toMatchObject({
      code: 'invalid_argument',
      message: 'node must be a node id, got ""',
    });
    await expect(viaA.stats('zz')).rejects.toMatchObject({
      code: 'not_found',
      message: 'no node "zz" with an admin address in the view of node "a"',
    });
    await expect(viaA.kill('user:nobody')).rejects.toMatchObject({
      code: 'unavailable',
      message:
        'no node owns key "user:nobody" in the view of node "a" (no node up, or this node is cut off)',
    });
  });

  test('a forwarded call is answered where it lands, never forwarded again', async () => {
    const forwarded = new AdminClient(cluster.address('b'), { forwarded: true });
    try {
      // b does not own group:g1 (a does), but a forwarded call is answered locally.
      await expect(forwarded.inspect('group:g1')).rejects.toMatchObject({
        code: 'not_found',
        message: 'no actor for key "group:g1" on node "b"',
      });
      await expect(forwarded.stats('a')).rejects.toMatchObject({
        code: 'not_found',
        message: 'a call for node "a" was forwarded to node "b"; views disagree, retry',
      });
    } finally {
      forwarded.close();
    }
  });
});

describe('admin server token', () => {
  let cluster: FakeCluster;
  beforeAll(async () => {
    cluster = await fakeCluster('s3cret');
  });
  afterAll(() => cluster.close());

  test('refuses a call without the token, or with a wrong one', async () => {
    const none = new AdminClient(cluster.address('a'));
    const wrong = new AdminClient(cluster.address('a'), { token: 'guess' });
    try {
      await expect(none.nodes()).rejects.toMatchObject({
        code: 'forbidden',
        message: 'the admin API of node "a" requires a token (set PARLEY_ADMIN_TOKEN)',
      });
      await expect(wrong.nodes()).rejects.toMatchObject({
        code: 'forbidden',
        message: 'the admin API of node "a" refused the token given (check PARLEY_ADMIN_TOKEN)',
      });
    } finally {
      none.close();
      wrong.close();
    }
  });

  test('accepts the token, and forwards it to the peers', async () => {
    const client = new AdminClient(cluster.address('a'), { token: 's3cret' });
    try {
      expect((await client.nodes()).answeredBy).toBe('a');
      expect((await client.actors('b')).actors.map((x) => x.key)).toEqual(['user:bob']);
    } finally {
      client.close();
    }
  });
});

describe('admin status mapping', () => {
  test('maps every ParleyError code to a gRPC status', () => {
    expect(Object.values(ErrorCode).map((c) => [c, grpcStatusOf(c)])).toEqual([
      ['invalid_argument', status.INVALID_ARGUMENT],
      ['not_found', status.NOT_FOUND],
      ['already_exists', status.ALREADY_EXISTS],
      ['forbidden', status.PERMISSION_DENIED],
      ['timeout', status.DEADLINE_EXCEEDED],
      ['unavailable', status.UNAVAILABLE],
      ['resource_exhausted', status.RESOURCE_EXHAUSTED],
      ['fenced', status.ABORTED],
      ['stopped', status.UNAVAILABLE],
      ['indeterminate', status.UNKNOWN],
      ['internal', status.INTERNAL],
    ]);
  });

  test('a port already taken fails startAdminServer with unavailable', async () => {
    const cluster = await fakeCluster();
    try {
      const port = cluster.servers.a!.port;
      await expect(
        startAdminServer({
          port,
          local: cluster.admins.a!,
          peers: () => [],
          ownerOf: () => undefined,
          self: 'x',
        }),
      ).rejects.toMatchObject({
        code: 'unavailable',
        message: expect.stringMatching(`^admin API could not listen on 127.0.0.1:${port}: `),
      });
    } finally {
      await cluster.close();
    }
  });
});
