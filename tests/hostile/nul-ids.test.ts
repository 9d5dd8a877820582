/**
 * Ids with NUL and other hostile characters over a real WebSocket against a
 * server process (`bin/parley.ts`), issue 7 defect 1:
 *
 * - 40 messages with a NUL in `id` and then one valid message give 40
 *   `bad_frame` errors, one `sent` and one delivery, and no crash report.
 * - Fuzzed ids over every code point class and the whole length range: each
 *   frame is refused `bad_frame` or accepted, and an accepted message is
 *   stored exactly as sent (history returns the same id); never a crash,
 *   never `unavailable`.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '../../actors/protocol/index.ts';
import { type ServerProcess, startServerProcess } from '../support/server-process.ts';
import { type Frame, WsClient } from '../support/ws-client.ts';

const params = { seed: Number(process.env.FC_SEED), verbose: true, numRuns: 150 };
const text = (body: string) => ({ type: 'text', body });
let server: ServerProcess;

async function connect(user: string): Promise<WsClient> {
  const client = await WsClient.open(server.url, {
    token: await signDevToken(server.secret, user, 'd1'),
  });
  await client.waitFor((f) => f.type === 'welcome');
  return client;
}

const crashReports = () => server.output.split('\n').filter((l) => /"level":(50|60)/.test(l));

beforeAll(async () => {
  server = await startServerProcess();
});

afterAll(async () => {
  await server?.stop();
});

describe('NUL in ids', () => {
  it('40 NUL ids then a valid message: 40 bad_frame, one sent and one delivery, no crash', async () => {
    const alice = await connect('nul-alice');
    const bob = await connect('nul-bob');
    for (let i = 0; i < 40; i++)
      alice.send({ type: 'message', id: `n${i}\u0000x`, to: 'nul-bob', content: text('bad') });
    alice.send({ type: 'message', id: 'valid-1', to: 'nul-bob', content: text('good') });
    const errors = await alice.waitForCount((f) => f.type === 'error', 40, 5000);
    for (const e of errors) expect(e.code).toBe('bad_frame');
    await alice.waitFor((f) => f.type === 'ack' && f.id === 'valid-1' && f.status === 'sent');
    const [delivered] = await bob.waitForCount((f) => f.type === 'message', 1, 5000);
    expect(delivered).toMatchObject({ id: 'valid-1', from: 'nul-alice', content: text('good') });
    await alice.barrier();
    expect(alice.frames.filter((f) => f.type === 'error')).toHaveLength(40);
    expect(bob.frames.filter((f) => f.type === 'message')).toHaveLength(1);
    expect(crashReports()).toEqual([]);
    alice.terminate();
    bob.terminate();
  });

  it('refuses NUL in ack ids, refs and group ids with bad_frame, never unavailable', async () => {
    const alice = await connect('nul-carol');
    const frames = [
      { type: 'ack', id: 'a\u0000', from: 'nul-alice', status: 'read', ref: 'r1' },
      { type: 'ack', id: 'a', from: 'nul-alice', status: 'read', group: 'g\u0000', ref: 'r2' },
      { type: 'history', group: 'g\u0000', ref: 'r3' },
      { type: 'group.leave', group: '\u0000', ref: 'r4' },
      { type: 'message', id: 'm', group: 'g\u0000', content: text('x'), ref: 'r5' },
    ];
    for (const f of frames) alice.send(f);
    const errors = await alice.waitForCount((f) => f.type === 'error', frames.length, 5000);
    expect(errors.map((e) => [e.ref, e.code])).toEqual(frames.map((f) => [f.ref, 'bad_frame']));
    alice.terminate();
  });
});

// ---- fuzzing -----------------------------------------------------------------------

const range = (lo: number, hi: number) => fc.integer({ min: lo, max: hi });
const piece = fc
  .oneof(
    range(0, 0x1f),
    fc.constant(0x7f),
    range(0x80, 0x9f),
    range(0x20, 0x7e),
    range(0xa0, 0xd7ff),
    range(0xd800, 0xdbff),
    range(0xdc00, 0xdfff),
    range(0xe000, 0xf8ff),
    range(0xfdd0, 0xfdef),
    fc.constantFrom(0xfffe, 0xffff),
    range(0xf900, 0xfffd),
    range(0x10000, 0x10ffff),
  )
  .map((cp) => (cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp)));
const candidate = fc
  .tuple(fc.array(piece, { maxLength: 65 }), fc.integer({ min: 0, max: 65 }))
  .map(([pieces, n]) => pieces.join('').slice(0, n));

function storable(s: string): boolean {
  if (s.length < 1 || s.length > 64) return false;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0xd800 && cp <= 0xdfff)) return false;
  }
  return true;
}

describe('fuzzed ids over a real WebSocket', () => {
  it('refuses each id bad_frame or stores it exactly; never a crash, never unavailable', async () => {
    const alice = await connect('fuzz-alice');
    const stored = new Set<string>();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(candidate, fc.boolean(), async (id, asAck) => {
        const ref = `f${++n}`;
        const from = alice.mark();
        if (asAck) {
          alice.send({ type: 'ack', id, from: 'fuzz-bob', status: 'read', ref });
          await alice.barrier();
          const answers = alice.frames.slice(from).filter((f) => f.type === 'error');
          if (storable(id)) expect(answers).toEqual([]);
          else expect(answers.map((f) => [f.ref, f.code])).toEqual([[ref, 'bad_frame']]);
          return;
        }
        alice.send({ type: 'message', id, to: 'fuzz-bob', content: text('x'), ref });
        const answer = await alice.waitFor(
          (f: Frame) =>
            (f.type === 'error' && f.ref === ref) ||
            (f.type === 'ack' && f.status === 'sent' && f.id === id),
          5000,
          from,
        );
        if (storable(id)) {
          expect(answer).toMatchObject({ type: 'ack', status: 'sent', id });
          stored.add(id);
        } else expect(answer).toMatchObject({ type: 'error', code: 'bad_frame', ref });
      }),
      params,
    );
    // Every accepted id is in the history exactly as sent.
    const history = await alice.request({ type: 'history', with: 'fuzz-bob', limit: 200 });
    const ids = new Set((history.messages as Frame[]).map((m) => m.id));
    for (const id of stored) expect(ids.has(id), JSON.stringify(id)).toBe(true);
    expect(alice.frames.filter((f) => f.type === 'error' && f.code !== 'bad_frame')).toEqual([]);
    expect(crashReports()).toEqual([]);
    alice.terminate();
  }, 60_000);
});
