/**
 * `RedisPresence` against a real `redis-server`: the presence contract suite,
 * then what only a shared registry has to get right: two nodes seeing each
 * other's users, a node that dies without disconnecting, Redis stalled,
 * killed and restarted. (Here rather than beside the code because it needs
 * `tests/support/redis-server.ts`.)
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type { PresenceState } from '../actors/presence/index.ts';
import {
  MemoryPresence,
  RedisPresence,
  type RedisPresenceOptions,
} from '../actors/presence/index.ts';
import { runPresenceContract } from '../actors/presence/presence-contract.ts';
import { ParleyError } from '../runtime/index.ts';
import { VirtualClock } from '../runtime/testing/index.ts';
import { type RedisServer, startRedisServer } from './support/redis-server.ts';

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(() => server?.stop());

let prefixes = 0;
const freshPrefix = () => `test${process.pid}:${++prefixes}:`;

const opened: RedisPresence[] = [];
async function open(
  options: Partial<RedisPresenceOptions> & Pick<RedisPresenceOptions, 'clock'>,
): Promise<RedisPresence> {
  const presence = new RedisPresence({ redis: server.url, node: 'n1', ...options });
  opened.push(presence);
  await presence.ready();
  return presence;
}
afterAll(async () => {
  for (const p of opened) await p.close();
});

runPresenceContract('redis', (clock) => open({ clock, keyPrefix: freshPrefix() }), {
  dispose: (p) => (p as RedisPresence).close(),
});

const T0 = 1_700_000_000_000;
const TTL = 3000;

/** Two nodes on one clock and one key prefix: a cluster of two. */
async function cluster(
  log?: RedisPresenceOptions['log'],
): Promise<{ a: RedisPresence; b: RedisPresence; clock: VirtualClock }> {
  const clock = new VirtualClock(T0);
  const keyPrefix = freshPrefix();
  const a = await open({ clock, node: 'a', keyPrefix, ttlMs: TTL, refreshMs: 1000, log });
  const b = await open({ clock, node: 'b', keyPrefix, ttlMs: TTL, refreshMs: 1000 });
  return { a, b, clock };
}

function listen(presence: RedisPresence, users: readonly string[]): PresenceState[] {
  const seen: PresenceState[] = [];
  presence.subscribe(users, (s) => seen.push(s));
  return seen;
}

describe('RedisPresence across nodes', () => {
  test('each node sees the users of the other, and on which node and device they are', async () => {
    const { a, b, clock } = await cluster();
    const heardOnB = listen(b, ['alice']);
    await a.connect('alice', 'phone');
    clock.setNow(T0 + 10);
    await b.connect('alice', 'laptop');
    expect(await b.get(['alice'])).toEqual([{ user: 'alice', online: true, lastSeen: T0 }]);
    const where = await a.connections('alice');
    expect(where.sort((x, y) => x.node.localeCompare(y.node))).toEqual([
      { device: 'phone', node: 'a' },
      { device: 'laptop', node: 'b' },
    ]);
    clock.setNow(T0 + 20);
    await a.disconnect('alice', 'phone');
    expect((await a.get(['alice']))[0]?.online).toBe(true);
    expect(await b.connections('alice')).toEqual([{ device: 'laptop', node: 'b' }]);
    clock.setNow(T0 + 30);
    await b.disconnect('alice', 'laptop');
    expect(await a.get(['alice'])).toEqual([{ user: 'alice', online: false, lastSeen: T0 + 30 }]);
    await vi.waitFor(() => expect(heardOnB).toHaveLength(2));
    expect(heardOnB).toEqual([
      { user: 'alice', online: true, lastSeen: T0 },
      { user: 'alice', online: false, lastSeen: T0 + 30 },
    ]);
  });

  test('a last-seen setting made on one node holds on the other', async () => {
    const { a, b } = await cluster();
    await a.connect('bob', 'phone');
    await b.setLastSeenVisibility('bob', 'nobody');
    expect(await a.get(['bob'])).toEqual([{ user: 'bob', online: true, lastSeen: null }]);
  });

  test('a live node keeps its users online past the TTL by refreshing', async () => {
    const { a, b, clock } = await cluster();
    await a.connect('carol', 'phone');
    await a.connect('carol', 'phone');
    for (let t = 1000; t <= 3 * TTL; t += 1000) {
      clock.setNow(T0 + t);
      await a.refresh();
      await b.sweep();
    }
    expect(await b.get(['carol'])).toEqual([{ user: 'carol', online: true, lastSeen: T0 }]);
    await a.disconnect('carol', 'phone');
    expect(await b.connections('carol')).toEqual([{ device: 'phone', node: 'a' }]);
  });

  test('the users of a node that dies go offline at their TTL, and the other nodes are told', async () => {
    const { a, b, clock } = await cluster();
    const heardOnB = listen(b, ['dave', 'erin']);
    await a.connect('dave', 'phone');
    await b.connect('erin', 'phone');
    clock.setNow(T0 + 1000);
    await a.refresh();
    await b.refresh();
    await a.close(); // a crash: no disconnects
    clock.setNow(T0 + 1000 + TTL - 1);
    await b.refresh();
    expect((await b.get(['dave', 'erin'])).map((s) => s.online)).toEqual([true, true]);
    clock.setNow(T0 + 1000 + TTL);
    await b.refresh();
    expect(await b.connections('dave')).toEqual([]);
    // The sweep on b's own timer notices the expiry and publishes it.
    clock.fireDue();
    await vi.waitFor(() => expect(heardOnB).toHaveLength(3));
    expect(heardOnB).toEqual([
      { user: 'dave', online: true, lastSeen: T0 },
      { user: 'erin', online: true, lastSeen: T0 },
      { user: 'dave', online: false, lastSeen: T0 + 1000 + TTL },
    ]);
    expect(await b.get(['dave', 'erin'])).toEqual([
      { user: 'dave', online: false, lastSeen: T0 + 1000 + TTL },
      { user: 'erin', online: true, lastSeen: T0 },
    ]);
  });

  test('a user of a dead node who connects again elsewhere goes offline, then online', async () => {
    const { a, b, clock } = await cluster();
    const heardOnB = listen(b, ['fay']);
    await a.connect('fay', 'phone');
    await a.close();
    clock.setNow(T0 + TTL + 500);
    await b.connect('fay', 'phone');
    await vi.waitFor(() => expect(heardOnB).toHaveLength(3));
    expect(heardOnB).toEqual([
      { user: 'fay', online: true, lastSeen: T0 },
      { user: 'fay', online: false, lastSeen: T0 + TTL },
      { user: 'fay', online: true, lastSeen: T0 + TTL + 500 },
    ]);
  });
});

type Op =
  | { kind: 'connect'; node: 0 | 1; user: string; device: string }
  | { kind: 'disconnect'; pick: number }
  | { kind: 'visibility'; user: string; visibility: 'everyone' | 'nobody' }
  | { kind: 'get' };

const USERS = ['u1', 'u2', 'u3'];
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('connect' as const),
    node: fc.constantFrom(0 as const, 1 as const),
    user: fc.constantFrom(...USERS),
    device: fc.constantFrom('phone', 'laptop'),
  }),
  fc.record({ kind: fc.constant('disconnect' as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant('visibility' as const),
    user: fc.constantFrom(...USERS),
    visibility: fc.constantFrom('everyone' as const, 'nobody' as const),
  }),
  fc.record({ kind: fc.constant('get' as const) }),
);

describe('RedisPresence against the in-memory model', () => {
  test('two nodes on Redis answer and notify exactly as one MemoryPresence does', async () => {
    const seed = Number(process.env.FC_SEED);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(opArb, fc.nat(400)), { maxLength: 25 }), async (steps) => {
        const clock = new VirtualClock(T0);
        const keyPrefix = freshPrefix();
        const nodes = [
          await open({ clock, node: 'a', keyPrefix, ttlMs: 3_600_000 }),
          await open({ clock, node: 'b', keyPrefix, ttlMs: 3_600_000 }),
        ];
        const model = new MemoryPresence({ clock });
        const heard: string[] = [];
        const expected: string[] = [];
        nodes[1]!.subscribe(USERS, (s) => heard.push(JSON.stringify(s)));
        model.subscribe(USERS, (s) => expected.push(JSON.stringify(s)));
        const sessions: { node: 0 | 1; user: string; device: string }[] = [];
        try {
          for (const [op, advanceMs] of steps) {
            clock.setNow(clock.now() + advanceMs);
            if (op.kind === 'connect') {
              await nodes[op.node]!.connect(op.user, op.device);
              await model.connect(op.user, op.device);
              sessions.push(op);
            } else if (op.kind === 'disconnect' && sessions.length > 0) {
              const [c] = sessions.splice(op.pick % sessions.length, 1);
              await nodes[c!.node]!.disconnect(c!.user, c!.device);
              await model.disconnect(c!.user, c!.device);
            } else if (op.kind === 'visibility') {
              await nodes[0]!.setLastSeenVisibility(op.user, op.visibility);
              await model.setLastSeenVisibility(op.user, op.visibility);
            } else if (op.kind === 'get') {
              expect(await nodes[1]!.get(USERS)).toEqual(await model.get(USERS));
            }
          }
          expect(await nodes[0]!.get(USERS)).toEqual(await model.get(USERS));
          await vi.waitFor(() => expect(heard).toHaveLength(expected.length));
          expect(heard).toEqual(expected);
        } finally {
          for (const n of nodes) await n.close();
        }
      }),
      { seed, numRuns: 30, verbose: true },
    );
  });
});

describe('RedisPresence when Redis fails', () => {
  test('a stalled Redis fails calls with unavailable after commandTimeoutMs, then serves again', async () => {
    const presence = await open({
      clock: new VirtualClock(T0),
      keyPrefix: freshPrefix(),
      commandTimeoutMs: 300,
    });
    process.kill(server.pid, 'SIGSTOP');
    try {
      const started = performance.now();
      const refused = presence.get(['alice']);
      await expect(refused).rejects.toThrow(ParleyError);
      await expect(refused).rejects.toMatchObject({
        code: 'unavailable',
        message: `presence redis at 127.0.0.1:${server.port} is unavailable: Command timed out`,
      });
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      process.kill(server.pid, 'SIGCONT');
    }
    await vi.waitFor(async () => expect(await presence.get(['alice'])).toHaveLength(1), {
      timeout: 10_000,
    });
  });

  test('Redis killed and restarted: calls fail fast meanwhile, then the node re-registers its connections', async () => {
    const logged: string[] = [];
    const { a, b, clock } = await cluster({
      info: (_, msg) => logged.push(msg),
      warn: (_, msg) => logged.push(msg),
    });
    const heardOnB = listen(b, ['gus', 'hal']);
    await a.connect('gus', 'phone');
    await vi.waitFor(() => expect(heardOnB).toHaveLength(1));
    server.kill();
    await vi.waitFor(
      async () => {
        await expect(a.get(['gus'])).rejects.toMatchObject({ code: 'unavailable' });
      },
      { timeout: 5000 },
    );
    const started = performance.now();
    const refused = a.connect('hal', 'laptop');
    await expect(refused).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(
        new RegExp(`^presence redis at 127\\.0\\.0\\.1:${server.port} is unavailable: `),
      ),
    });
    // Refused at once, not after the 2 s command timeout (the bound leaves room for a loaded machine).
    expect(performance.now() - started).toBeLessThan(1000);

    await server.restart(); // empty: nothing was persisted
    await vi.waitFor(async () => expect(await a.get(['gus'])).toHaveLength(1), { timeout: 10_000 });
    clock.setNow(T0 + 1000);
    await a.refresh();
    expect(await b.get(['gus', 'hal'])).toEqual([
      { user: 'gus', online: true, lastSeen: T0 + 1000 },
      { user: 'hal', online: true, lastSeen: T0 + 1000 },
    ]);
    expect(await b.connections('hal')).toEqual([{ device: 'laptop', node: 'a' }]);
    // b's listener, resubscribed, hears what a registered again.
    await vi.waitFor(
      () => expect(heardOnB.at(-1)).toEqual({ user: 'hal', online: true, lastSeen: T0 + 1000 }),
      {
        timeout: 10_000,
      },
    );
    await a.disconnect('hal', 'laptop');
    await vi.waitFor(() => expect(heardOnB.at(-1)?.online).toBe(false));
    // One line for the outage, one for the recovery: not one per reconnect attempt.
    expect(logged).toEqual(['presence redis unavailable', 'presence redis back']);
  });

  test('refreshes more users than one pipeline holds', async () => {
    const { a, b, clock } = await cluster();
    const users = Array.from({ length: 1200 }, (_, i) => `many${i}`);
    await Promise.all(users.map((u) => a.connect(u, 'phone')));
    clock.setNow(T0 + 2000);
    await a.refresh();
    clock.setNow(T0 + TTL + 1000);
    const states = await b.get(users);
    expect(states.filter((s) => s.online)).toHaveLength(users.length);
  });
});

describe('RedisPresence options', () => {
  test('rejects a refresh interval that is not below the TTL', () => {
    expect(
      () =>
        new RedisPresence({
          redis: 'redis://127.0.0.1:1',
          node: 'n',
          clock: new VirtualClock(),
          ttlMs: 100,
          refreshMs: 100,
        }),
    ).toThrow('refreshMs must be below ttlMs (100), got 100');
  });

  test('rejects an empty node id', () => {
    expect(
      () =>
        new RedisPresence({ redis: 'redis://127.0.0.1:1', node: '', clock: new VirtualClock() }),
    ).toThrow('node must be a non-empty string, got ""');
  });

  test('an unreachable Redis at start fails ready() with unavailable', async () => {
    const presence = new RedisPresence({
      redis: 'redis://127.0.0.1:1',
      node: 'n',
      clock: new VirtualClock(),
    });
    try {
      await expect(presence.ready()).rejects.toMatchObject({
        code: 'unavailable',
        message: expect.stringMatching(
          /^presence redis at 127\.0\.0\.1:1 is unavailable: .*ECONNREFUSED/,
        ),
      });
      await expect(presence.get(['x'])).rejects.toMatchObject({ code: 'unavailable' });
    } finally {
      await presence.close();
    }
  });
});
