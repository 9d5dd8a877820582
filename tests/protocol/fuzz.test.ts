/**
 * Hostile input against a real server process (PROTOCOL.md guarantee 7, and
 * 6 for the frames that are well formed but aimed at others' data): arbitrary
 * JSON, arbitrary text, objects with a known `type` and arbitrary fields,
 * arbitrary bytes as binary frames, and invalid UTF-8 in text frames.
 *
 * - Each refused frame gets exactly one `error` frame and nothing else; a
 *   frame the transport itself must refuse (invalid UTF-8 in a text frame)
 *   may instead end the connection with a clean close (a close code, not a
 *   cut).
 * - Well-formed frames aimed at the victims' group and messages get only
 *   `error` frames, or nothing.
 * - Afterwards the process still runs, serves `/healthz` and a normal
 *   message round trip, logged no error, and the victims' stored
 *   conversations are exactly as before.
 */
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeClientFrame, signDevToken } from '../../actors/protocol/index.ts';
import { type ServerProcess, startServerProcess } from '../support/server-process.ts';
import { type Frame, WsClient } from '../support/ws-client.ts';
import { isType, text } from './harness.ts';

const params = { seed: Number(process.env.FC_SEED), verbose: true, numRuns: 100 };

type Fuzz =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'binary'; readonly bytes: Uint8Array }
  | { readonly kind: 'badUtf8'; readonly bytes: Uint8Array }
  | { readonly kind: 'hostile'; readonly frame: Record<string, unknown> };

let server: ServerProcess;
let group = '';
const victimIds = ['m1', 'm2', 'm3', 'r1', 'g1', 'g2'];

async function connect(user: string, device = 'd1'): Promise<WsClient> {
  const c = await WsClient.open(server.url, {
    token: await signDevToken(server.secret, user, device),
  });
  await c.waitFor(isType('welcome'));
  return c;
}

async function snapshot(a: WsClient, b: WsClient): Promise<unknown[]> {
  const strip = ({ ref: _, ...rest }: Frame) => rest;
  return [
    strip(await a.request({ type: 'history', with: 'bob', limit: 200 })),
    strip(await b.request({ type: 'history', with: 'alice', limit: 200 })),
    strip(await a.request({ type: 'history', group, limit: 200 })),
  ];
}

function arbitraries(): fc.Arbitrary<Fuzz> {
  const types = fc.constantFrom(
    'message',
    'ack',
    'typing',
    'presence.subscribe',
    'settings',
    'history',
    'group.create',
    'group.add',
    'group.remove',
    'group.leave',
    'ping',
    'frobnicate',
    '',
  );
  const fields = fc.constantFrom(
    'id',
    'to',
    'group',
    'content',
    'from',
    'status',
    'users',
    'lastSeen',
    'with',
    'before',
    'limit',
    'ref',
    'name',
    'members',
    'type',
  );
  const values = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom('alice', 'bob', 'mallory', ...victimIds, 'delivered', 'read', 'started'),
    fc.record({ type: fc.constantFrom('text', 'image'), body: fc.jsonValue({ maxDepth: 1 }) }),
  );
  const typed = fc
    .tuple(types, fc.dictionary(fields, values, { maxKeys: 6 }))
    .map(([type, rest]) => JSON.stringify({ type, ...rest }));
  const invalidText = fc
    .oneof(
      fc.json({ maxDepth: 4 }),
      fc.string({ unit: 'binary', maxLength: 200 }),
      typed,
      typed.map((s) => s.slice(0, Math.max(1, s.length - 3))),
    )
    .filter((s) => !decodeClientFrame(s).ok);
  const hostile = fc.oneof(
    fc
      .constantFrom(...victimIds)
      .map((id) => ({ type: 'message', id: `x-${id}`, group: () => group })),
    fc.constant({ type: 'history', group: () => group }),
    fc.constantFrom('group.add', 'group.remove').map((type) => ({
      type,
      ref: 'h',
      group: () => group,
      members: ['mallory'],
    })),
    fc.constant({ type: 'group.leave', ref: 'h', group: () => group }),
    fc.constant({ type: 'typing', group: () => group, status: 'started' }),
    fc
      .tuple(fc.constantFrom(...victimIds), fc.constantFrom('alice', 'bob'), fc.boolean())
      .map(([id, from, read]) => ({ type: 'ack', id, from, status: read ? 'read' : 'delivered' })),
  );
  return fc.oneof(
    { weight: 6, arbitrary: invalidText.map((t) => ({ kind: 'text', text: t }) as const) },
    {
      weight: 2,
      arbitrary: fc
        .uint8Array({ maxLength: 300 })
        .map((bytes) => ({ kind: 'binary', bytes }) as const),
    },
    {
      weight: 1,
      arbitrary: fc
        .uint8Array({ minLength: 1, maxLength: 64 })
        .filter((b) => !isUtf8(b))
        .map((bytes) => ({ kind: 'badUtf8', bytes }) as const),
    },
    { weight: 2, arbitrary: hostile.map((frame) => ({ kind: 'hostile', frame }) as const) },
  );
}

/** Resolves lazy fields (the group id is known only once the victims made it). */
function resolve(frame: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(frame).map(([k, v]) => [k, typeof v === 'function' ? v() : v]),
  );
}

describe('fuzzing the edge of a server process', () => {
  let alice: WsClient;
  let bob: WsClient;
  let before: unknown[];

  beforeAll(async () => {
    server = await startServerProcess();
    alice = await connect('alice');
    bob = await connect('bob');
    const created = await alice.request({
      type: 'group.create',
      name: 'victims',
      members: ['bob'],
    });
    group = created.id as string;
    for (const id of ['m1', 'm2', 'm3']) {
      alice.send({ type: 'message', id, to: 'bob', content: text(id) });
      await alice.waitFor(isType('ack', { id, status: 'sent' }));
    }
    bob.send({ type: 'message', id: 'r1', to: 'alice', content: text('r1') });
    await bob.waitFor(isType('ack', { id: 'r1', status: 'sent' }));
    for (const id of ['g1', 'g2']) {
      alice.send({ type: 'message', id, group, content: text(id) });
      await alice.waitFor(isType('ack', { id, status: 'sent' }));
    }
    await bob.waitFor(isType('message', { id: 'g2' }));
    before = await snapshot(alice, bob);
  });

  afterAll(async () => {
    alice?.terminate();
    bob?.terminate();
    await server?.stop();
  });

  it('answers hostile frames with error frames only, or a clean close', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(arbitraries(), { minLength: 1, maxLength: 12 }), async (fuzz) => {
        const m = await connect('mallory', `f${++run}`);
        try {
          let refused = 0;
          let hostile = 0;
          let closedByServer = false;
          for (const f of fuzz) {
            if (f.kind === 'text') {
              m.sendText(f.text);
              refused++;
            } else if (f.kind === 'binary') {
              m.sendBinary(f.bytes);
              refused++;
            } else if (f.kind === 'hostile') {
              m.send(resolve(f.frame));
              hostile++;
            } else {
              m.sendTextBytes(f.bytes);
              closedByServer = true;
              break;
            }
          }
          if (closedByServer) {
            const closed = await m.closed;
            expect(closed.code).not.toBe(1006);
            expect(closed.code).toBeGreaterThanOrEqual(1000);
          } else {
            // Group operations and posts reach the group through mallory's user actor,
            // in order: the answer to this history request comes after theirs.
            m.send({ type: 'history', group, ref: 'final' });
            await m.waitFor((f) => f.ref === 'final', 10_000);
            await m.barrier();
          }
          const answers = m.frames.slice(1).filter((f) => f.ref !== 'final' && f.type !== 'pong');
          for (const a of answers) expect(a.type, JSON.stringify(a)).toBe('error');
          if (!closedByServer) {
            expect(answers.length).toBeGreaterThanOrEqual(refused);
            expect(answers.length).toBeLessThanOrEqual(refused + hostile);
          }
        } finally {
          m.terminate();
        }
      }),
      params,
    );
  });

  it('still runs, serves /healthz and a message round trip, with the victims’ data unchanged', async () => {
    expect(server.running).toBe(true);
    const health = await fetch(`${server.httpUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await snapshot(alice, bob)).toEqual(before);
    alice.send({ type: 'message', id: 'after', to: 'bob', content: text('still here') });
    await alice.waitFor(isType('ack', { id: 'after', status: 'sent' }));
    expect(await bob.waitFor(isType('message', { id: 'after' }))).toMatchObject({
      from: 'alice',
      content: text('still here'),
    });
    expect(alice.isOpen && bob.isOpen).toBe(true);
    // No frame made the server fail inside (the edge logs those at error level).
    expect(server.output.split('\n').filter((l) => /"level":(50|60)/.test(l))).toEqual([]);
  });
});
