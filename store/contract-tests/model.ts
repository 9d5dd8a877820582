/**
 * Model-based tests of the contract: fast-check draws random interleavings
 * of takeovers, appends (with duplicate keys), reads, key lookups, cursor
 * moves, pending clears and receipts for two users, each with two would-be
 * owners; every command runs against the store and a small in-memory
 * reference model, and their answers must agree. After each run the whole
 * inbox is compared: gapless seq from 1, nothing lost, every key once.
 *
 * A failure prints fast-check's seed, path and shrunk command list; rerun
 * with `FC_SEED=<seed>` to reproduce it.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { InboxEntry, ReceiptEntry, ReceiptStatus, Store } from '../contract.ts';
import { FencedError } from '../errors.ts';
import { TS, uid } from './kit.ts';

const RECIPIENTS = ['r0', 'r1', 'r2'] as const;
const CONVERSATIONS = ['u:r0', 'g:grp'] as const;
const RANK: Record<ReceiptStatus, number> = { delivered: 1, read: 2 };

interface UserModel {
  /** The current epoch (0: none taken). */
  epoch: number;
  /** The epoch each would-be owner holds (0: none). */
  held: [number, number];
  head: number;
  entries: InboxEntry[];
  conversationOf: Map<number, string>;
  keys: Map<string, number>;
  /** `${seq}\u0000${recipient}` of every mark still set. */
  pending: Set<string>;
  cursors: Record<string, number>;
  statuses: Map<string, ReceiptStatus>;
  receipts: ReceiptEntry[];
}

interface Model {
  readonly users: [UserModel, UserModel];
}

interface Real {
  readonly store: Store;
  readonly names: [string, string];
}

type Cmd = fc.AsyncCommand<Model, Real>;

function freshUser(): UserModel {
  return {
    epoch: 0,
    held: [0, 0],
    head: 0,
    entries: [],
    conversationOf: new Map(),
    keys: new Map(),
    pending: new Set(),
    cursors: {},
    statuses: new Map(),
    receipts: [],
  };
}

async function expectFencedCall(call: Promise<unknown>): Promise<void> {
  await expect(call).rejects.toBeInstanceOf(FencedError);
}

class Acquire implements Cmd {
  constructor(
    readonly u: 0 | 1,
    readonly owner: 0 | 1,
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const um = m.users[this.u];
    const epoch = await r.store.acquireEpoch(`user:${r.names[this.u]}`);
    expect(epoch).toBeGreaterThan(um.epoch);
    um.epoch = epoch;
    um.held[this.owner] = epoch;
  }
  toString = () => `acquire(u${this.u}, owner${this.owner})`;
}

interface ItemSpec {
  readonly k: number;
  readonly conv: 0 | 1;
  readonly to: readonly number[];
  readonly tag: number;
}

class Append implements Cmd {
  constructor(
    readonly u: 0 | 1,
    readonly owner: 0 | 1,
    readonly items: readonly ItemSpec[],
  ) {}
  check = (m: Readonly<Model>) => m.users[this.u].held[this.owner] > 0;
  async run(m: Model, r: Real): Promise<void> {
    const um = m.users[this.u];
    const user = r.names[this.u];
    const epoch = um.held[this.owner];
    const appends = this.items.map((it) => ({
      record: {
        key: `p${it.k % 3}/m${it.k}`,
        from: `p${it.k % 3}`,
        id: `m${it.k}`,
        to: user,
        ts: TS,
        content: { type: 'text', tag: it.tag },
      },
      conversation: CONVERSATIONS[it.conv],
      pendingFor: it.to.map((i) => RECIPIENTS[i % 3]!),
    }));
    const call = r.store.appendInbox(user, epoch, appends);
    if (epoch !== um.epoch) return expectFencedCall(call);
    const expected = appends.map((a) => {
      const prior = um.keys.get(a.record.key);
      if (prior !== undefined) return { seq: prior, duplicate: true };
      um.head += 1;
      const seq = um.head;
      um.keys.set(a.record.key, seq);
      um.entries.push({ ...a.record, user, seq });
      um.conversationOf.set(seq, a.conversation);
      for (const to of a.pendingFor) um.pending.add(`${seq}\u0000${to}`);
      return { seq, duplicate: false };
    });
    expect(await call).toEqual(expected);
  }
  toString = () => `append(u${this.u}, owner${this.owner}, ${JSON.stringify(this.items)})`;
}

class ReadInbox implements Cmd {
  constructor(
    readonly u: 0 | 1,
    readonly after: number,
    readonly limit: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const um = m.users[this.u];
    const after = this.after % (um.head + 2);
    const got = await r.store.readInbox(r.names[this.u], after, this.limit);
    expect(got).toEqual(um.entries.filter((e) => e.seq > after).slice(0, this.limit));
    expect(await r.store.inboxHead(r.names[this.u])).toBe(um.head);
  }
  toString = () => `readInbox(u${this.u}, after~${this.after}, ${this.limit})`;
}

class FindKey implements Cmd {
  constructor(
    readonly u: 0 | 1,
    readonly k: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const um = m.users[this.u];
    const key = `p${this.k % 3}/m${this.k}`;
    const seq = um.keys.get(key);
    const want = seq === undefined ? undefined : um.entries[seq - 1];
    expect(await r.store.findByKey(r.names[this.u], key)).toEqual(want);
  }
  toString = () => `findByKey(u${this.u}, m${this.k})`;
}

class Cursor implements Cmd {
  constructor(
    readonly u: 0 | 1,
    readonly device: 0 | 1,
    readonly seq: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const um = m.users[this.u];
    const device = `d${this.device}`;
    const seq = this.seq % (um.head + 3);
    const want = Math.max(um.cursors[device] ?? 0, seq);
    um.cursors[device] = want;
    expect(await r.store.advanceCursor(r.names[this.u], device, seq)).toBe(want);
    expect(await r.store.cursors(r.names[this.u])).toEqual(um.cursors);
  }
  toString = () => `advanceCursor(u${this.u}, d${this.device}, ~${this.seq})`;
}

function pendingList(um: UserModel): { seq: number; recipient: string }[] {
  return [...um.pending]
    .map((p) => {
      const [seq, recipient] = p.split('\u0000') as [string, string];
      return { seq: Number(seq), recipient };
    })
    .sort((a, b) => a.seq - b.seq || (a.recipient < b.recipient ? -1 : 1));
}

class ListPending implements Cmd {
  constructor(
    readonly u: 0 | 1,
    readonly limit: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const um = m.users[this.u];
    const want = pendingList(um)
      .slice(0, this.limit)
      .map((p) => ({ recipient: p.recipient, entry: um.entries[p.seq - 1] }));
    expect(await r.store.listPending(r.names[this.u], this.limit)).toEqual(want);
  }
  toString = () => `listPending(u${this.u}, ${this.limit})`;
}

class ClearPending implements Cmd {
  constructor(
    readonly u: 0 | 1,
    readonly pick: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const um = m.users[this.u];
    const marks = pendingList(um);
    const mark = marks[this.pick % Math.max(1, marks.length)] ?? {
      seq: 1 + (this.pick % (um.head + 1)),
      recipient: RECIPIENTS[this.pick % 3]!,
    };
    um.pending.delete(`${mark.seq}\u0000${mark.recipient}`);
    await r.store.clearPending(r.names[this.u], mark.seq, mark.recipient);
  }
  toString = () => `clearPending(u${this.u}, ~${this.pick})`;
}

interface ReceiptSpec {
  readonly k: number;
  readonly by: number;
  readonly read: boolean;
}

class Receipts implements Cmd {
  constructor(
    readonly u: 0 | 1,
    readonly owner: 0 | 1,
    readonly specs: readonly ReceiptSpec[],
  ) {}
  check = (m: Readonly<Model>) => m.users[this.u].held[this.owner] > 0;
  async run(m: Model, r: Real): Promise<void> {
    const um = m.users[this.u];
    const sender = r.names[this.u];
    const epoch = um.held[this.owner];
    const list = this.specs.map((s) => ({
      id: `m${s.k}`,
      by: RECIPIENTS[s.by % 3]!,
      status: (s.read ? 'read' : 'delivered') as ReceiptStatus,
      ts: TS,
    }));
    const call = r.store.recordReceipts(sender, epoch, list);
    if (epoch !== um.epoch) return expectFencedCall(call);
    const raised: ReceiptEntry[] = [];
    for (const rc of list) {
      const pair = `${rc.id}\u0000${rc.by}`;
      const current = um.statuses.get(pair);
      if (current !== undefined && RANK[rc.status] <= RANK[current]) continue;
      um.statuses.set(pair, rc.status);
      const entry = { ...rc, rseq: um.receipts.length + 1 };
      um.receipts.push(entry);
      raised.push(entry);
    }
    expect(await call).toEqual(raised);
    const last = list.at(-1);
    if (last)
      expect(await r.store.receiptStatus(sender, last.id, last.by)).toBe(
        um.statuses.get(`${last.id}\u0000${last.by}`),
      );
  }
  toString = () => `recordReceipts(u${this.u}, owner${this.owner}, ${JSON.stringify(this.specs)})`;
}

class ReadReceipts implements Cmd {
  constructor(
    readonly u: 0 | 1,
    readonly after: number,
    readonly limit: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const um = m.users[this.u];
    const after = this.after % (um.receipts.length + 2);
    expect(await r.store.readReceipts(r.names[this.u], after, this.limit)).toEqual(
      um.receipts.filter((e) => e.rseq > after).slice(0, this.limit),
    );
  }
  toString = () => `readReceipts(u${this.u}, after~${this.after}, ${this.limit})`;
}

class History implements Cmd {
  constructor(
    readonly u: 0 | 1,
    readonly conv: 0 | 1,
    readonly before: number | null,
    readonly limit: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const um = m.users[this.u];
    const conversation = CONVERSATIONS[this.conv];
    const before = this.before === null ? null : this.before % (um.head + 2);
    const inConv = um.entries.filter(
      (e) => um.conversationOf.get(e.seq) === conversation && (before === null || e.seq < before),
    );
    const entries = inConv.slice(Math.max(0, inConv.length - this.limit));
    const more = inConv.length > this.limit;
    expect(await r.store.history(r.names[this.u], conversation, before, this.limit)).toEqual({
      entries,
      nextBeforeSeq: more ? (entries[0]?.seq ?? null) : null,
    });
  }
  toString = () =>
    `history(u${this.u}, ${CONVERSATIONS[this.conv]}, before~${this.before}, ${this.limit})`;
}

const u01 = fc.constantFrom<0 | 1>(0, 1);
const item = fc.record({
  k: fc.nat(7),
  conv: u01,
  to: fc.array(fc.nat(2), { maxLength: 2 }),
  tag: fc.nat(99),
});

const commands = [
  fc.tuple(u01, u01).map(([u, o]) => new Acquire(u, o)),
  fc
    .tuple(u01, u01, fc.array(item, { minLength: 1, maxLength: 3 }))
    .map(([u, o, items]) => new Append(u, o, items)),
  fc
    .tuple(u01, u01, fc.array(item, { minLength: 1, maxLength: 2 }))
    .map(([u, o, items]) => new Append(u, o, items)),
  fc
    .tuple(u01, fc.nat(20), fc.integer({ min: 1, max: 5 }))
    .map(([u, a, l]) => new ReadInbox(u, a, l)),
  fc.tuple(u01, fc.nat(7)).map(([u, k]) => new FindKey(u, k)),
  fc.tuple(u01, u01, fc.nat(20)).map(([u, d, s]) => new Cursor(u, d, s)),
  fc.tuple(u01, fc.integer({ min: 1, max: 4 })).map(([u, l]) => new ListPending(u, l)),
  fc.tuple(u01, fc.nat(20)).map(([u, p]) => new ClearPending(u, p)),
  fc
    .tuple(
      u01,
      u01,
      fc.array(fc.record({ k: fc.nat(4), by: fc.nat(2), read: fc.boolean() }), {
        minLength: 1,
        maxLength: 3,
      }),
    )
    .map(([u, o, specs]) => new Receipts(u, o, specs)),
  fc
    .tuple(u01, fc.nat(10), fc.integer({ min: 1, max: 4 }))
    .map(([u, a, l]) => new ReadReceipts(u, a, l)),
  fc
    .tuple(u01, u01, fc.option(fc.nat(20), { nil: null }), fc.integer({ min: 1, max: 4 }))
    .map(([u, c, b, l]) => new History(u, c, b, l)),
];

/** Runs the model-based property against `store`. */
export async function checkInboxModel(store: Store, seed: number, numRuns: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.commands(commands, { maxCommands: 30 }), async (cmds) => {
      const model: Model = { users: [freshUser(), freshUser()] };
      const real: Real = { store, names: [uid('model-a'), uid('model-b')] };
      // Each user starts owned by owner 0, so most runs exercise the happy path.
      for (const u of [0, 1] as const) await new Acquire(u, 0).run(model, real);
      await fc.asyncModelRun(() => ({ model, real }), cmds);
      for (const u of [0, 1] as const) {
        const um = model.users[u];
        const all = await store.readInbox(real.names[u], 0, 1000);
        expect(all.map((e) => e.seq)).toEqual(Array.from({ length: um.head }, (_, i) => i + 1));
        expect(all).toEqual(um.entries);
        for (const [key, seq] of um.keys)
          expect((await store.findByKey(real.names[u], key))?.seq).toBe(seq);
      }
    }),
    { seed, numRuns, verbose: true },
  );
}

/**
 * Concurrency property: random bursts of appends (many with the same keys)
 * and a takeover, all issued at once. Whatever the interleaving: accepted
 * fresh seqs are exactly 1..head, each key holds one seq, and every accepted
 * result can be read back under its key.
 */
export async function checkConcurrentAppends(
  store: Store,
  seed: number,
  numRuns: number,
): Promise<void> {
  const op = fc.record({ k: fc.nat(9), late: fc.boolean() });
  await fc.assert(
    fc.asyncProperty(
      fc.array(op, { minLength: 1, maxLength: 25 }),
      fc.nat(25),
      async (ops, takeoverAt) => {
        const user = uid('burst');
        const owner = `user:${user}`;
        const first = await store.acquireEpoch(owner);
        let takeover: Promise<number> | undefined;
        const calls = ops.map((o, i) => {
          if (i === takeoverAt) takeover = store.acquireEpoch(owner);
          const epoch = o.late && takeover ? takeover : Promise.resolve(first);
          const rec = {
            record: {
              key: `k/${o.k}`,
              from: 'k',
              id: `${o.k}`,
              to: user,
              ts: TS,
              content: { type: 't' },
            },
            conversation: 'u:k',
          };
          return epoch
            .then((e) => store.appendInbox(user, e, [rec]))
            .then(
              ([res]) => ({ key: rec.record.key, res: res! }),
              (err: unknown) => {
                expect(err).toBeInstanceOf(FencedError);
                return null;
              },
            );
        });
        const done = (await Promise.all(calls)).filter((d) => d !== null);
        const seqOf = new Map<string, number>();
        for (const d of done) {
          const known = seqOf.get(d.key);
          if (known !== undefined) expect(d.res.seq).toBe(known);
          seqOf.set(d.key, d.res.seq);
        }
        const fresh = done.filter((d) => !d.res.duplicate).map((d) => d.res.seq);
        fresh.sort((a, b) => a - b);
        expect(fresh).toEqual(Array.from({ length: fresh.length }, (_, i) => i + 1));
        expect(new Set(seqOf.values()).size).toBe(seqOf.size);
        expect(await store.inboxHead(user)).toBe(fresh.length);
        for (const [key, seq] of seqOf) expect((await store.findByKey(user, key))?.seq).toBe(seq);
      },
    ),
    { seed, numRuns, verbose: true },
  );
}
