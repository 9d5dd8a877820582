/**
 * Durability under `kill -9`: a child process appends as fast as it can and
 * prints every acknowledged item; the test SIGKILLs it mid-run, reopens the
 * same directory, and checks that every acknowledged item is there at its
 * seq, that every user's inbox is gapless from 1, and that every append that
 * landed (acknowledged or not) landed whole: entry, key index, history row
 * and pending marks; and that every acknowledged wake mark is listed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { InboxEntry } from '../contract.ts';
import { openLmdbStore } from './open.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const script = join(here, 'testing', 'kill-writer.ts');
const USERS = 8;
const ACKS_BEFORE_KILL = 4000;

const root = await mkdtemp(join(tmpdir(), 'parley-kill9-'));
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

interface Ack {
  readonly user: string;
  readonly seq: number;
  readonly key: string;
}

/** Runs the writer until `acks` items were acknowledged, then SIGKILLs it. */
function runAndKill(
  path: string,
  acks: number,
): Promise<{ acked: Ack[]; marked: string[]; signal: string | null }> {
  return new Promise((done, fail) => {
    const child: ChildProcess = spawn(
      process.execPath,
      ['--import', 'tsx', script, path, `${USERS}`],
      {
        cwd: repo,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let buffered = '';
    let stderr = '';
    const acked: Ack[] = [];
    const marked: string[] = [];
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const [tag, user, seq, key] = line.split(' ');
        if (tag === 'marked' && user) marked.push(user);
        if (tag !== 'ack' || !user || !seq || !key) continue;
        acked.push({ user, seq: Number(seq), key });
      }
      if (acked.length >= acks && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    child.on('error', fail);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') fail(new Error(`writer exited early (code ${code}): ${stderr}`));
      else done({ acked, marked, signal });
    });
  });
}

async function readAll(
  store: Awaited<ReturnType<typeof openLmdbStore>>,
  user: string,
): Promise<InboxEntry[]> {
  const all: InboxEntry[] = [];
  for (;;) {
    const page = await store.readInbox(user, all.at(-1)?.seq ?? 0, 1000);
    if (page.length === 0) return all;
    all.push(...page);
  }
}

describe('lmdb store under kill -9', () => {
  it('every append acknowledged before SIGKILL is there after reopening, gapless and whole', async () => {
    const path = join(root, 'store');
    const { acked, marked, signal } = await runAndKill(path, ACKS_BEFORE_KILL);
    expect(signal).toBe('SIGKILL');
    expect(acked.length).toBeGreaterThanOrEqual(ACKS_BEFORE_KILL);

    const store = await openLmdbStore({ path, sweepIntervalMs: 0 });
    try {
      for (let u = 0; u < USERS; u++) {
        const user = `u${u}`;
        const entries = await readAll(store, user);
        const head = await store.inboxHead(user);
        expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: head }, (_, i) => i + 1));
        const history = await store.history(user, 'u:peer', null, 10_000);
        expect(history.entries).toEqual(entries);
        const pending = new Set((await store.listPending(user, 10_000)).map((p) => p.entry.seq));
        for (const e of entries) {
          expect(await store.findByKey(user, e.key)).toEqual(e);
          // Items of odd-numbered appends (n % 4 in {2, 3}) carry a pending mark.
          const n = (e.content as unknown as { n: number }).n;
          expect(pending.has(e.seq)).toBe(n % 4 >= 2);
        }
      }
      for (const a of acked) expect((await store.findByKey(a.user, a.key))?.seq).toBe(a.seq);
      // Every writer acked its mark before its first append, so all of them did.
      expect(marked).toHaveLength(USERS);
      expect(await store.listWake(null, 100)).toEqual([...marked].sort());
      // The store goes on after the crash: a new owner continues the sequence.
      const epoch = await store.acquireEpoch('user:u0');
      const head = await store.inboxHead('u0');
      const [res] = await store.appendInbox('u0', epoch, [
        {
          record: {
            key: 'after/1',
            from: 'after',
            id: '1',
            to: 'u0',
            ts: 1,
            content: { type: 't' },
          },
          conversation: 'u:after',
        },
      ]);
      expect(res).toEqual({ seq: head + 1, duplicate: false });
    } finally {
      await store.close();
    }
  }, 60_000);
});
