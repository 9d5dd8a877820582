/**
 * For tests of the admin server and parleyctl: two fake nodes `a` and `b`
 * serving real admin servers on loopback, and `c` in their view with an
 * admin address nothing listens on (a dead node). Keys: `user:alice` and
 * `group:g1` on a, `user:bob` on b, `user:carl` on c; `user:nobody` has no
 * owner; any other key belongs to b (which answers `not_found`).
 */
import { createServer } from 'node:net';
import { type FakeAdmin, fakeAdmin } from './fake-admin.ts';
import { type AdminServer, startAdminServer } from './server.ts';
import type { AdminPeer } from './types.ts';

/** A port nothing listens on (bound, then released). */
export async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface FakeCluster {
  readonly admins: Record<string, FakeAdmin>;
  readonly servers: Record<string, AdminServer>;
  readonly address: (node: string) => string;
  readonly peers: AdminPeer[];
  close(): Promise<void>;
}

/** Nodes a and b serving admin APIs, and c in the view with an admin address nothing answers on. */
export async function fakeCluster(token?: string): Promise<FakeCluster> {
  const members = ['a', 'b', 'c'];
  const keys: Record<string, string[]> = { a: ['user:alice', 'group:g1'], b: ['user:bob'] };
  const owners: Record<string, string> = {
    'user:alice': 'a',
    'group:g1': 'a',
    'user:bob': 'b',
    'user:carl': 'c',
  };
  const peers: AdminPeer[] = [];
  const admins: Record<string, FakeAdmin> = {};
  const servers: Record<string, AdminServer> = {};
  for (const node of ['a', 'b']) {
    admins[node] = fakeAdmin({ node, members, keys: keys[node]! });
    servers[node] = await startAdminServer({
      port: 0,
      local: admins[node]!,
      peers: () => peers,
      ownerOf: (key) => owners[key] ?? (key === 'user:nobody' ? undefined : 'b'),
      self: node,
      token,
    });
    peers.push({ node, admin: `127.0.0.1:${servers[node]!.port}` });
  }
  peers.push({ node: 'c', admin: `127.0.0.1:${await deadPort()}` });
  return {
    admins,
    servers,
    peers,
    address: (node) => peers.find((p) => p.node === node)!.admin,
    close: async () => {
      for (const s of Object.values(servers)) await s.close();
    },
  };
}
