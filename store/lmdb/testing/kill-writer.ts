/**
 * Test helper for `../kill9.test.ts`, run as a child process:
 *
 *   node --import tsx store/lmdb/testing/kill-writer.ts <path> <users>
 *
 * Opens the LMDB store at <path> and appends to the inboxes of <users> users
 * (`u0`, `u1`, ...) concurrently, forever, until it is killed. It prints
 * `ready` once, then one line `ack <user> <seq> <key>` per item as soon as
 * the append promise that carried it resolved (a synchronous write to
 * stdout, so a printed line is out of the process before the next append).
 * Odd-numbered appends carry two items and a pending mark, to check that a
 * multi-row append is all-or-nothing across the crash. Before its first
 * append each writer marks its owner on the wake list and prints
 * `marked <owner>` once that resolved.
 */
import { writeSync } from 'node:fs';
import type { InboxAppend } from '../../contract.ts';
import { openLmdbStore } from '../open.ts';

const [path, usersArg] = process.argv.slice(2);
if (!path || !usersArg) throw new Error('usage: kill-writer.ts <path> <users>');
const store = await openLmdbStore({ path, sweepIntervalMs: 0 });

function item(user: string, n: number, pending: boolean): InboxAppend {
  return {
    record: {
      key: `peer/${n}`,
      from: 'peer',
      id: `${n}`,
      to: user,
      ts: n,
      content: { type: 'text', n },
    },
    conversation: 'u:peer',
    ...(pending ? { pendingFor: ['peer'] } : {}),
  };
}

async function writer(user: string): Promise<void> {
  const epoch = await store.acquireEpoch(`user:${user}`);
  await store.markWake(`user:${user}`);
  writeSync(1, `marked user:${user}\n`);
  for (let n = 0; ; n += 2) {
    const odd = (n / 2) % 2 === 1;
    const items = odd ? [item(user, n, true), item(user, n + 1, true)] : [item(user, n, false)];
    const results = await store.appendInbox(user, epoch, items);
    let out = '';
    for (const [i, r] of results.entries()) out += `ack ${user} ${r.seq} ${items[i]!.record.key}\n`;
    writeSync(1, out);
  }
}

writeSync(1, 'ready\n');
await Promise.all(Array.from({ length: Number(usersArg) }, (_, i) => writer(`u${i}`)));
