/**
 * The in-memory state of `MemoryStore`, per user and per group, and how it
 * expires. A user's or group's state is pruned whenever it is looked up, so
 * expired rows (with the key index rows and pending marks that go with an
 * inbox entry, and the status of an expired receipt) do not pile up. Heads,
 * epochs and cursors never expire.
 */
import type { Content, GroupLogEntry, ReceiptEntry, ReceiptStatus } from '../contract.ts';
import type { StoredEntry } from '../group-ref.ts';
import { Rows } from './rows.ts';

/** A conversation's summary in the chat list (`chats.ts` keeps it). */
export interface ChatRow {
  /** As kept: a group reference is resolved when read. */
  last: StoredEntry;
  unread: number;
  readUpTo: number;
}

export interface UserState {
  /** The highest seq issued. */
  head: number;
  /** Entries as kept: group references are resolved by the reads (`../group-ref.ts`). */
  readonly inbox: Rows<StoredEntry>;
  /** Idempotency key -> seq; a key counts only while its inbox row lives. */
  readonly keys: Map<string, number>;
  /** Conversation -> its history rows (they outlive inbox rows by their own TTL). */
  readonly history: Map<string, Rows<StoredEntry>>;
  /** seq -> recipients that must still confirm it; in seq order, as appends come in order. A mark counts only while its inbox row lives. */
  readonly pending: Map<number, Set<string>>;
  readonly cursors: Map<string, number>;
  /** The highest rseq issued. */
  rhead: number;
  readonly receipts: Rows<ReceiptEntry>;
  /** `${id}\0${by}` -> the stored status, expiring with its newest receipt. */
  readonly statuses: Map<string, { readonly status: ReceiptStatus; readonly expMs: number }>;
  /** The chat list: conversation -> its summary (`chats.ts`); never expires. */
  readonly chats: Map<string, ChatRow>;
}

export interface GroupState {
  /** The highest gseq issued. */
  head: number;
  readonly log: Rows<GroupLogEntry>;
  /** Idempotency key -> gseq; a key counts only while its log row lives. */
  readonly keys: Map<string, number>;
}

export class Users {
  private readonly byId = new Map<string, UserState>();

  /** The state of `user` if there is any, pruned at `nowMs`. */
  read(user: string, nowMs: number): UserState | undefined {
    const u = this.byId.get(user);
    if (u !== undefined) prune(u, nowMs);
    return u;
  }

  /** The state of `user`, created if new, pruned at `nowMs`. */
  write(user: string, nowMs: number): UserState {
    const u = this.read(user, nowMs);
    if (u !== undefined) return u;
    const fresh: UserState = {
      head: 0,
      inbox: new Rows(),
      keys: new Map(),
      history: new Map(),
      pending: new Map(),
      cursors: new Map(),
      rhead: 0,
      receipts: new Rows(),
      statuses: new Map(),
      chats: new Map(),
    };
    this.byId.set(user, fresh);
    return fresh;
  }

  /** The seq appended under `key`, if its entry still lives. */
  liveSeqOf(u: UserState, key: string, nowMs: number): number | undefined {
    const seq = u.keys.get(key);
    return seq !== undefined && u.inbox.get(seq, nowMs) !== undefined ? seq : undefined;
  }

  liveStatus(u: UserState, pair: string, nowMs: number): ReceiptStatus | undefined {
    const stored = u.statuses.get(pair);
    return stored !== undefined && stored.expMs > nowMs ? stored.status : undefined;
  }

  /** The history rows of `conversation`, pruned; one left empty is forgotten. */
  conversation(u: UserState, name: string, nowMs: number): Rows<StoredEntry> | undefined {
    const rows = u.history.get(name);
    rows?.prune(nowMs);
    if (rows?.size === 0) u.history.delete(name);
    return rows;
  }

  /** The history rows of `conversation`, created if new. */
  conversationFor(u: UserState, name: string, nowMs: number): Rows<StoredEntry> {
    let rows = this.conversation(u, name, nowMs);
    if (rows === undefined) u.history.set(name, (rows = new Rows()));
    return rows;
  }
}

function prune(u: UserState, nowMs: number): void {
  u.inbox.prune(nowMs, ({ seq, value }) => {
    if (u.keys.get(value.key) === seq) u.keys.delete(value.key);
    u.pending.delete(seq);
  });
  u.receipts.prune(nowMs, ({ value }) => {
    const pair = `${value.id}\u0000${value.by}`;
    const stored = u.statuses.get(pair);
    if (stored !== undefined && stored.expMs <= nowMs) u.statuses.delete(pair);
  });
}

export class Groups {
  private readonly byId = new Map<string, GroupState>();

  /** The log state of `group` if there is any, pruned at `nowMs`. */
  read(group: string, nowMs: number): GroupState | undefined {
    const g = this.byId.get(group);
    g?.log.prune(nowMs, ({ seq, value }) => {
      if (g.keys.get(value.key) === seq) g.keys.delete(value.key);
    });
    return g;
  }

  /** The log state of `group`, created if new, pruned at `nowMs`. */
  write(group: string, nowMs: number): GroupState {
    const g = this.read(group, nowMs);
    if (g !== undefined) return g;
    const fresh: GroupState = { head: 0, log: new Rows(), keys: new Map() };
    this.byId.set(group, fresh);
    return fresh;
  }

  /** The content of live log entry `gseq` of `group` (what a reference reads; no pruning). */
  content(group: string, gseq: number, nowMs: number): Content | undefined {
    return this.byId.get(group)?.log.get(gseq, nowMs)?.content;
  }

  /** The gseq appended under `key`, if its entry still lives. */
  liveGseqOf(g: GroupState, key: string, nowMs: number): number | undefined {
    const gseq = g.keys.get(key);
    return gseq !== undefined && g.log.get(gseq, nowMs) !== undefined ? gseq : undefined;
  }
}

/** `value` without its undefined fields: what the other stores return for a record. */
export function withoutUndefined<T>(value: object): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
