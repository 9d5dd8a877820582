import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli, USAGE } from './cli.ts';
import { deadPort, type FakeCluster, fakeCluster } from './fake-cluster.ts';

const NOW = 1_700_000_000_000 + 90_000;

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

async function cli(argv: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env,
    nowMs: () => NOW,
  });
  return { code, out, err };
}

/** `--json` output: exactly one JSON document. */
function json(run: Run): unknown {
  expect(run.out.endsWith('\n')).toBe(true);
  return JSON.parse(run.out);
}

describe('parleyctl against admin servers', () => {
  let cluster: FakeCluster;
  let a: string;
  let c: string;
  const ask = (...argv: string[]) => cli(['--admin', a, ...argv]);
  beforeAll(async () => {
    cluster = await fakeCluster();
    a = cluster.address('a');
    c = cluster.address('c');
  });
  afterAll(() => cluster.close());

  test('nodes: a table of the view, marking the node that answered', async () => {
    expect(await ask('nodes')).toEqual({
      code: 0,
      err: '',
      out: `NODE  STATUS  CREATION  SHARDS  HTTP                   ADMIN           UP
a *   up      100       6       http://127.0.0.1:8080  127.0.0.1:7070  1m30s
b     up      101       5       http://127.0.0.1:8081  127.0.0.1:7071  1m30s
c     up      102       5       http://127.0.0.1:8082  127.0.0.1:7072  1m30s
view 7, 3 node(s), answered by a (*)
`,
    });
    const doc = json(await ask('nodes', '--json')) as { answeredBy: string; nodes: unknown[] };
    expect(doc.answeredBy).toBe('a');
    expect(doc.nodes[1]).toEqual({
      id: 'b',
      status: 'up',
      creation: 101,
      http: 'http://127.0.0.1:8081',
      ws: 'ws://127.0.0.1:8081/ws',
      admin: '127.0.0.1:7071',
      startedAtMs: 1_700_000_000_000,
      shards: 5,
    });
  });

  test('ring: shards per node', async () => {
    expect(await ask('ring')).toEqual({
      code: 0,
      err: '',
      out: `NODE  SHARDS  SHARE  SHARD IDS
a     6       37.5%  0,3,6,9,12,15
b     5       31.3%  1,4,7,10,13
c     5       31.3%  2,5,8,11,14
16 shards, view 7
`,
    });
    expect(json(await ask('--json', 'ring'))).toMatchObject({ shardCount: 16, viewVersion: 7 });
  });

  test('actors of every node: the rows that came, exit 1 and a line naming the node that did not', async () => {
    expect(await ask('actors')).toEqual({
      code: 1,
      out: `NODE  KEY         STATE   MAILBOX  REF
a     user:alice  active  0        a/10
a     group:g1    active  1        a/11
b     user:bob    active  0        b/10
3 actor(s)
`,
      err: `parleyctl: node "c" did not answer (UNAVAILABLE): admin API at ${c} is unreachable: connect ECONNREFUSED ${c}\n`,
    });
    const run = await ask('actors', '--json');
    expect(run.code).toBe(1);
    expect(json(run)).toMatchObject({
      actors: [{ key: 'user:alice' }, { key: 'group:g1' }, { key: 'user:bob' }],
      errors: [{ node: 'c', code: 'UNAVAILABLE' }],
    });
  });

  test('actors --node N: only that node, forwarded by the node asked', async () => {
    expect(await ask('actors', '--node', 'b')).toEqual({
      code: 0,
      err: '',
      out: `NODE  KEY       STATE   MAILBOX  REF
b     user:bob  active  0        b/10
1 actor(s)
`,
    });
  });

  test('inspect KEY: the owner answers, user devices or group members', async () => {
    expect(await ask('inspect', 'user:bob')).toEqual({
      code: 0,
      err: '',
      out: `key      user:bob
owner    b
shard    3
active   yes
ref      b/10
mailbox  0
epoch    42
devices  phone@b, laptop (offline)
`,
    });
    expect((await ask('inspect', 'group:g1')).out).toContain('owner    a\n');
    expect((await ask('inspect', 'group:g1')).out).toContain('members  5\n');
    expect(json(await ask('inspect', 'user:bob', '--json'))).toEqual({
      key: 'user:bob',
      node: 'b',
      shard: 3,
      active: true,
      ref: 'b/10',
      mailbox: 0,
      epoch: 42,
      devices: [
        { device: 'phone', node: 'b' },
        { device: 'laptop', node: '' },
      ],
      members: 0,
    });
  });

  test('inspect of an unknown key fails with exit 1 and the reason', async () => {
    expect(await ask('inspect', 'user:zed')).toEqual({
      code: 1,
      out: '',
      err: 'parleyctl: node "b": no actor for key "user:zed" on node "b"\n',
    });
    const run = await ask('--json', 'inspect', 'user:zed');
    expect(json(run)).toEqual({
      error: { code: 'not_found', message: 'node "b": no actor for key "user:zed" on node "b"' },
    });
  });

  test('kill KEY: on the owner, once', async () => {
    expect(await ask('kill', 'user:alice')).toEqual({
      code: 0,
      err: '',
      out: 'killed user:alice on node a; it restarts on its next message\n',
    });
    expect(cluster.admins.a!.killed).toEqual(['user:alice']);
    expect(json(await ask('kill', 'user:alice', '--json'))).toEqual({
      key: 'user:alice',
      node: 'a',
      killed: false,
    });
  });

  test('tree --node N: the supervision tree, indented', async () => {
    expect(await ask('tree', '--node', 'b')).toEqual({
      code: 0,
      err: '',
      out: `node b
└─ root [supervisor] (supervisor) b/1
   ├─ activator [activator] (worker, permanent) b/2
   └─ edges [supervisor] (supervisor, permanent) b/3
      └─ edge-1 [edge] (worker, temporary) b/4
`,
    });
    const doc = json(await ask('tree', '--json')) as {
      trees: { node: string }[];
      errors: unknown[];
    };
    expect(doc.trees.map((t) => t.node)).toEqual(['a', 'b']);
    expect(doc.errors).toHaveLength(1);
  });

  test('drain NODE: forwarded to that node', async () => {
    expect(await ask('drain', 'b')).toEqual({
      code: 0,
      err: '',
      out: 'node b is draining: 5 shard(s) and 2 client(s) to move; it leaves the cluster when done\n',
    });
    expect(cluster.admins.b!.drained).toBe(1);
    expect((await ask('drain', 'b')).out).toBe('node b is already draining\n');
    expect(await ask('drain', 'zz')).toEqual({
      code: 1,
      out: '',
      err: 'parleyctl: no node "zz" with an admin address in the view of node "a"\n',
    });
  });

  test('stats: a row per node and its counters', async () => {
    expect(await ask('stats', '--node', 'a')).toEqual({
      code: 0,
      err: '',
      out: `NODE  ACTORS  QUEUED  MESSAGES  DEAD  CLIENTS  UP    RSS       HEAP
a     6       3       1234      3     2        1h2m  150.0MiB  40.0MiB
a dead letters: no_proc=2 stale_incarnation=1
a store: appends=50
a transport: frames_in=10 frames_out=12
`,
    });
    const doc = json(await ask('stats', '--json')) as { nodes: { node: string }[] };
    expect(doc.nodes.map((n) => n.node)).toEqual(['a', 'b']);
    expect(doc.nodes[0]).toMatchObject({ deadLetters: { mailbox_full: 0 }, store: { fenced: 0 } });
  });

  test('takes the address from PARLEY_ADMIN, and --admin over it', async () => {
    const viaEnv = await cli(['ring', '--json'], { PARLEY_ADMIN: a });
    expect(viaEnv.code).toBe(0);
    const dead = `127.0.0.1:${await deadPort()}`;
    expect((await cli(['--admin', a, 'ring'], { PARLEY_ADMIN: dead })).code).toBe(0);
  });
});

describe('parleyctl with a token', () => {
  let cluster: FakeCluster;
  beforeAll(async () => {
    cluster = await fakeCluster('t0ken');
  });
  afterAll(() => cluster.close());

  test('sends PARLEY_ADMIN_TOKEN, and says so when it is missing', async () => {
    const admin = cluster.address('a');
    expect((await cli(['--admin', admin, 'nodes'], { PARLEY_ADMIN_TOKEN: 't0ken' })).code).toBe(0);
    expect(await cli(['--admin', admin, 'nodes'])).toEqual({
      code: 1,
      out: '',
      err: 'parleyctl: the admin API of node "a" requires a token (set PARLEY_ADMIN_TOKEN)\n',
    });
  });
});

describe('parleyctl failures and usage', () => {
  test('an unreachable address: exit 1 and one line naming it', async () => {
    const admin = `127.0.0.1:${await deadPort()}`;
    expect(await cli(['--admin', admin, 'nodes'])).toEqual({
      code: 1,
      out: '',
      err: `parleyctl: admin API at ${admin} is unreachable: connect ECONNREFUSED ${admin}\n`,
    });
    expect(json(await cli(['--admin', admin, 'nodes', '--json']))).toEqual({
      error: {
        code: 'unavailable',
        message: `admin API at ${admin} is unreachable: connect ECONNREFUSED ${admin}`,
      },
    });
  });

  test('an address that accepts but never answers: exit 1 after the deadline', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const admin = `127.0.0.1:${(silent.address() as { port: number }).port}`;
    try {
      const started = performance.now();
      expect(await cli(['--admin', admin, '--timeout-ms', '300', 'nodes'])).toEqual({
        code: 1,
        out: '',
        err: `parleyctl: admin API at ${admin} did not answer within 300 ms\n`,
      });
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  test('--help prints the usage on stdout, exit 0', async () => {
    expect(await cli(['--help'])).toEqual({ code: 0, out: USAGE, err: '' });
    expect(USAGE).toContain('drain NODE');
  });

  test.each([
    [[], 'no command given'],
    [['frob'], 'unknown command "frob"'],
    [['inspect'], 'inspect needs KEY'],
    [['inspect', 'a', 'b'], 'inspect needs KEY'],
    [['nodes', 'extra'], 'nodes takes no arguments, got "extra"'],
    [['drain'], 'drain needs NODE'],
    [['inspect', '--node', 'a', 'user:x'], 'inspect does not take --node'],
    [['actors', '--node'], '--node needs a value'],
    [['nodes', '--admin', 'localhost'], '--admin must be HOST:PORT, got "localhost"'],
    [['nodes', '--admin', 'h:99999'], '--admin must be HOST:PORT, got "h:99999"'],
    [['nodes', '--timeout-ms', '0'], '--timeout-ms must be a positive integer, got "0"'],
    [['nodes', '--verbose'], 'unknown option "--verbose"'],
  ])('usage error %j: exit 2, "%s"', async (argv, message) => {
    expect(await cli(argv)).toEqual({
      code: 2,
      out: '',
      err: `parleyctl: ${message}\nRun 'parleyctl --help' for usage.\n`,
    });
  });

  test('a usage error with --json still prints one JSON document', async () => {
    const run = await cli(['frob', '--json']);
    expect(run.code).toBe(2);
    expect(json(run)).toEqual({ error: { code: 'usage', message: 'unknown command "frob"' } });
  });
});
