/**
 * Random schedules against an in-process node (LMDB, real WebSockets, raw
 * clients): three users with two devices each send 1:1 messages, resend
 * earlier ids, ack `delivered`/`read`, disconnect (cleanly or by cutting the
 * socket, acks in flight or not) and reconnect, in any order. After a final
 * reconnect of every device, PROTOCOL.md's guarantees must hold:
 *
 * - no loss (1, 3, 9): every message acked `sent` has reached every device of
 *   its recipient, and every device of the sender that never sent it itself
 *   (the copy), at some point of that device's life;
 * - shown once (3): within one user, a (from, id) always carries the same seq;
 * - order (4): within each connection, seq strictly increases, and each
 *   sender's messages come in the sender's own order (its history: the order
 *   the server stored them, which is the order of their `sent` acks);
 *   messages sent once from one device come in the order of that device's acks;
 * - receipts (5): a sender's device never sees `delivered` after `read` from
 *   the same recipient for the same message, nor for an earlier message.
 *
 * One seed (FC_SEED) drives the schedules; fast-check prints the failing one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatNode, startNode } from '../../actors/node.ts';
import { signDevToken } from '../../actors/protocol/index.ts';
import { TEST_JWT_SECRET } from '../support/server-process.ts';
import { type Frame, WsClient } from '../support/ws-client.ts';
import { text } from './harness.ts';

const params = {
  seed: Number(process.env.FC_SEED),
  verbose: true,
  numRuns: 15,
};
const USERS = 3;
const DEVICES = 2;
const CONVERGE_MS = 10_000;

type Op =
  | { readonly k: 'send'; readonly from: number; readonly dev: number; readonly to: number }
  | { readonly k: 'resend'; readonly from: number; readonly dev: number; readonly pick: number }
  | { readonly k: 'drop'; readonly user: number; readonly dev: number; readonly cut: boolean }
  | { readonly k: 'connect'; readonly user: number; readonly dev: number }
  | {
      readonly k: 'ack';
      readonly user: number;
      readonly dev: number;
      readonly pick: number;
      readonly read: boolean;
    }
  | { readonly k: 'settle' }
  /** Lets the server run for a moment: varies how far deliveries got when the next op comes. */
  | { readonly k: 'pause'; readonly ms: number };

const user = fc.nat({ max: USERS - 1 });
const dev = fc.nat({ max: DEVICES - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ k: fc.constant('send'), from: user, dev, to: user }) },
  {
    weight: 2,
    arbitrary: fc.record({ k: fc.constant('resend'), from: user, dev, pick: fc.nat() }),
  },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('drop'), user, dev, cut: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('connect'), user, dev }) },
  {
    weight: 4,
    arbitrary: fc.record({ k: fc.constant('ack'), user, dev, pick: fc.nat(), read: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.constant({ k: 'settle' } as const) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('pause'), ms: fc.nat({ max: 15 }) }) },
);

interface Device {
  readonly user: string;
  readonly name: string;
  /** Every connection this device had, in order; the last may be open. */
  readonly conns: WsClient[];
  open: WsClient | undefined;
  /** Ids this device sent (first attempts and resends). */
  readonly sentIds: Set<string>;
}

interface Attempt {
  readonly id: string;
  readonly to: string;
}

let node: ChatNode;
let dir: string;
let runs = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-schedules-'));
  node = await startNode({
    host: '127.0.0.1',
    port: 0,
    dataDir: dir,
    jwtSecret: TEST_JWT_SECRET,
    logger: pino({ level: 'error' }),
  });
});

afterAll(async () => {
  await node?.close();
  await rm(dir, { recursive: true, force: true });
});

async function connect(d: Device): Promise<void> {
  const token = await signDevToken(TEST_JWT_SECRET, d.user, d.name);
  const c = await WsClient.open(`ws://127.0.0.1:${node.port}/ws`, { token });
  await c.waitFor((f) => f.type === 'welcome');
  d.conns.push(c);
  d.open = c;
}

async function drop(d: Device, cut: boolean): Promise<void> {
  const c = d.open;
  if (c === undefined) return;
  d.open = undefined;
  if (cut) c.terminate();
  await c.close();
}

/** Every frame of a device's life, in arrival order. */
function lifetime(d: Device): Frame[] {
  return d.conns
    .flatMap((c) => c.frames.map((f, i) => ({ f, at: c.arrivals[i]! })))
    .sort((x, y) => x.at - y.at)
    .map((x) => x.f);
}

async function run(ops: readonly Op[]): Promise<void> {
  const tag = `r${++runs}`;
  const users = Array.from({ length: USERS }, (_, u) => `${tag}u${u}`);
  const devices = users.map((u) =>
    Array.from(
      { length: DEVICES },
      (_, i): Device => ({
        user: u,
        name: `d${i}`,
        conns: [],
        open: undefined,
        sentIds: new Set(),
      }),
    ),
  );
  const attempts = users.map((): Attempt[] => []);
  let counter = 0;
  try {
    for (const d of devices.flat()) await connect(d);
    for (const o of ops) await apply(o);
    // The final reconnect of every device.
    for (const d of devices.flat()) await drop(d, false);
    for (const d of devices.flat()) await connect(d);
    await converge();
    check(await storedOrder());
  } finally {
    for (const d of devices.flat()) d.open?.terminate();
  }

  async function apply(o: Op): Promise<void> {
    switch (o.k) {
      case 'connect': {
        const d = devices[o.user]![o.dev]!;
        if (d.open === undefined) await connect(d);
        return;
      }
      case 'drop':
        return drop(devices[o.user]![o.dev]!, o.cut);
      case 'send': {
        const d = devices[o.from]![o.dev]!;
        if (d.open === undefined) return;
        const to = o.to === o.from ? (o.to + 1) % USERS : o.to;
        const attempt = { id: `${tag}-${o.from}-${++counter}`, to: users[to]! };
        attempts[o.from]!.push(attempt);
        d.sentIds.add(attempt.id);
        d.open.send({ type: 'message', ...attempt, content: text(attempt.id) });
        return;
      }
      case 'resend': {
        const d = devices[o.from]![o.dev]!;
        const mine = attempts[o.from]!;
        if (d.open === undefined || mine.length === 0) return;
        const attempt = mine[o.pick % mine.length]!;
        d.sentIds.add(attempt.id);
        d.open.send({ type: 'message', ...attempt, content: text(attempt.id) });
        return;
      }
      case 'ack': {
        const c = devices[o.user]![o.dev]!.open;
        const got = c?.all('message') ?? [];
        if (c === undefined || got.length === 0) return;
        const m = got[o.pick % got.length]!;
        c.send({ type: 'ack', id: m.id, from: m.from, status: o.read ? 'read' : 'delivered' });
        return;
      }
      case 'settle':
        // A round trip through each user actor: what each device sent before is acked.
        await Promise.all(
          devices
            .flat()
            .map((d) => d.open?.request({ type: 'history', with: users[0]!, limit: 1 })),
        );
        return;
      case 'pause':
        await new Promise((r) => setTimeout(r, o.ms));
        return;
    }
  }

  /** Messages acked `sent`, by sender index: id → recipient. */
  function acked(): Map<string, Attempt>[] {
    return devices.map((ds, u) => {
      const ids = new Set(
        ds.flatMap((d) =>
          lifetime(d)
            .filter(isSent)
            .map((f) => f.id as string),
        ),
      );
      return new Map(attempts[u]!.filter((a) => ids.has(a.id)).map((a) => [a.id, a]));
    });
  }

  /** What is still missing: `device ← from/id` lines. */
  function missing(): string[] {
    const out: string[] = [];
    acked().forEach((sent, s) => {
      for (const a of sent.values()) {
        const r = users.indexOf(a.to);
        const want = [
          ...devices[r]!,
          ...devices[s]!.filter((d) => !d.sentIds.has(a.id)), // the copies
        ];
        for (const d of want) {
          const has = lifetime(d).some(
            (f) => f.type === 'message' && f.from === users[s] && f.id === a.id,
          );
          if (!has) out.push(`${d.user}/${d.name} ← ${users[s]}/${a.id}`);
        }
      }
    });
    return out;
  }

  async function converge(): Promise<void> {
    const deadline = Date.now() + CONVERGE_MS;
    while (missing().length > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(missing(), 'acked messages that never reached a device').toEqual([]);
  }

  function check(order: Map<string, Map<string, number>>): void {
    // Shown once: one seq per (from, id) within a user, over every device and connection.
    for (const ds of devices) {
      const seqOf = new Map<string, number>();
      for (const f of ds.flatMap(lifetime)) {
        if (f.type !== 'message') continue;
        const key = `${f.from}/${f.id}`;
        const seen = seqOf.get(key);
        if (seen !== undefined) expect(f.seq, `seq of ${key} at ${ds[0]!.user}`).toBe(seen);
        seqOf.set(key, f.seq as number);
      }
    }
    for (const d of devices.flat()) {
      for (const c of d.conns) {
        const msgs = c.all('message');
        // seq strictly increasing on one connection.
        const seqs = msgs.map((m) => m.seq as number);
        expect(
          seqs.every((q, i) => i === 0 || q > seqs[i - 1]!),
          `seq not strictly increasing on connection ${d.conns.indexOf(c)} of ${d.user}/${d.name}: ${JSON.stringify(c.frames.map((f, i) => [c.arrivals[i], f.type, f.id, f.seq, f.status]))}`,
        ).toBe(true);
        // Each sender's messages in the order the sender's actor stored them.
        for (const [sender, stored] of order) {
          const fromSender = msgs
            .filter((m) => m.from === sender && stored.has(m.id as string))
            .map((m) => stored.get(m.id as string)!);
          expect(fromSender).toEqual([...fromSender].sort((x, y) => x - y));
        }
      }
    }
    // Messages sent once from one device arrive in the order of that device's acks.
    for (const d of devices.flat()) {
      const once = new Set(
        [...d.sentIds].filter((id) => devices.flat().filter((x) => x.sentIds.has(id)).length === 1),
      );
      const ackOrder = uniq(
        lifetime(d)
          .filter((f) => isSent(f) && once.has(f.id as string))
          .map((f) => f.id as string),
      );
      const rank = new Map(ackOrder.map((id, i) => [id, i]));
      for (const r of devices.flat())
        for (const c of r.conns) {
          const got = c
            .all('message', (m) => m.from === d.user && rank.has(m.id as string))
            .map((m) => rank.get(m.id as string)!);
          expect(got).toEqual([...got].sort((x, y) => x - y));
        }
    }
    // Receipts never go down, and read covers every earlier message of the conversation.
    for (const d of devices.flat()) {
      const stored = order.get(d.user) ?? new Map<string, number>();
      const readUpTo = new Map<string, number>();
      for (const f of lifetime(d)) {
        if (f.type !== 'ack' || f.status === 'sent') continue;
        const at = stored.get(f.id as string);
        expect(at, `receipt for unknown message ${String(f.id)}`).toBeDefined();
        const by = f.by as string;
        if (f.status === 'read') readUpTo.set(by, Math.max(readUpTo.get(by) ?? 0, at!));
        else
          expect(at!, `delivered ${String(f.id)} by ${by} after a read`).toBeGreaterThan(
            readUpTo.get(by) ?? 0,
          );
      }
    }
  }

  /** Sender → (id → its position in the sender's own inbox), from the sender's history. */
  async function storedOrder(): Promise<Map<string, Map<string, number>>> {
    const out = new Map<string, Map<string, number>>();
    for (const [u, ds] of devices.entries()) {
      const positions = new Map<string, number>();
      for (const peer of users) {
        if (peer === users[u]) continue;
        const page = await ds[0]!.open!.request({ type: 'history', with: peer, limit: 200 });
        expect(page.next).toBeNull();
        for (const m of page.messages as Frame[])
          if (m.from === users[u]) positions.set(m.id as string, m.seq as number);
      }
      out.set(users[u]!, positions);
    }
    return out;
  }
}

const isSent = (f: Frame): boolean => f.type === 'ack' && f.status === 'sent';
const uniq = <T>(xs: readonly T[]): T[] => [...new Set(xs)];

describe('random schedules of sends, resends, acks, drops and reconnects', () => {
  it('lose nothing acked, show each message once, keep order and monotonic receipts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 25, maxLength: 50 }), async (ops) => {
        await run(ops);
      }),
      params,
    );
  });
});
