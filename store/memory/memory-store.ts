/**
 * An in-memory `Store`: the contract without durability, for the simulator
 * and for fast tests of the actors above. It keeps the contract's semantics
 * (fencing, gapless seq, idempotent keys, monotonic receipts, CAS on groups)
 * but forgets everything when the process ends. Retention is not applied.
 */
import { ErrorCode, ParleyError, quote } from '../../runtime/index.ts';
import type {
  AppendResult,
  GroupLogEntry,
  GroupLogRecord,
  GroupMeta,
  HistoryPage,
  InboxAppend,
  InboxEntry,
  MediaMeta,
  PendingForward,
  Receipt,
  ReceiptEntry,
  ReceiptStatus,
  Store,
} from '../contract.ts';
import { FencedError } from '../errors.ts';

interface Log<E> {
  entries: E[];
  keys: Map<string, number>;
}

const rank: Record<ReceiptStatus, number> = { delivered: 1, read: 2 };

export class MemoryStore implements Store {
  private readonly epochs = new Map<string, number>();
  private readonly inboxes = new Map<
    string,
    Log<InboxEntry> & { history: Map<string, number[]> }
  >();
  private readonly pending = new Map<string, Map<string, PendingForward>>();
  private readonly cursorMap = new Map<string, Map<string, number>>();
  private readonly receiptLogs = new Map<string, ReceiptEntry[]>();
  private readonly receiptState = new Map<string, ReceiptStatus>();
  private readonly groups = new Map<string, GroupMeta>();
  private readonly groupLogs = new Map<string, Log<GroupLogEntry>>();
  private readonly media = new Map<string, MediaMeta>();
  /** When set, every call rejects with this (fault injection for tests). */
  failWith: ParleyError | null = null;

  private check(): void {
    if (this.failWith !== null) throw this.failWith;
  }

  private fence(owner: string, epoch: number): void {
    const current = this.epochs.get(owner) ?? 0;
    if (epoch !== current) {
      throw new FencedError(
        `write to ${quote(owner)} with epoch ${epoch} refused: the current epoch is ${current}`,
      );
    }
  }

  async acquireEpoch(owner: string): Promise<number> {
    this.check();
    const next = (this.epochs.get(owner) ?? 0) + 1;
    this.epochs.set(owner, next);
    return next;
  }

  private inbox(user: string) {
    let log = this.inboxes.get(user);
    if (log === undefined)
      this.inboxes.set(user, (log = { entries: [], keys: new Map(), history: new Map() }));
    return log;
  }

  async appendInbox(
    user: string,
    epoch: number,
    items: readonly InboxAppend[],
  ): Promise<AppendResult[]> {
    this.check();
    this.fence(`user:${user}`, epoch);
    const log = this.inbox(user);
    const out: AppendResult[] = [];
    const seen = new Map<string, number>();
    for (const item of items) {
      const key = item.record.key;
      const existing = log.keys.get(key) ?? seen.get(key);
      if (existing !== undefined) {
        out.push({ seq: existing, duplicate: true });
        continue;
      }
      const seq = log.entries.length + 1;
      const entry: InboxEntry = structuredClone({ ...item.record, user, seq });
      log.entries.push(entry);
      log.keys.set(key, seq);
      seen.set(key, seq);
      let h = log.history.get(item.conversation);
      if (h === undefined) log.history.set(item.conversation, (h = []));
      h.push(seq);
      for (const recipient of item.pendingFor ?? []) {
        let p = this.pending.get(user);
        if (p === undefined) this.pending.set(user, (p = new Map()));
        p.set(`${seq}\u0000${recipient}`, { recipient, entry });
      }
      out.push({ seq, duplicate: false });
    }
    return out;
  }

  async readInbox(user: string, afterSeq: number, limit: number): Promise<InboxEntry[]> {
    this.check();
    return structuredClone(
      this.inbox(user).entries.slice(Math.max(0, afterSeq), Math.max(0, afterSeq) + limit),
    );
  }

  async inboxHead(user: string): Promise<number> {
    this.check();
    return this.inbox(user).entries.length;
  }

  async findByKey(user: string, key: string): Promise<InboxEntry | undefined> {
    this.check();
    const log = this.inbox(user);
    const seq = log.keys.get(key);
    return seq === undefined ? undefined : structuredClone(log.entries[seq - 1]);
  }

  async listPending(user: string, limit: number): Promise<PendingForward[]> {
    this.check();
    const all = [...(this.pending.get(user)?.values() ?? [])];
    all.sort((a, b) => a.entry.seq - b.entry.seq || (a.recipient < b.recipient ? -1 : 1));
    return structuredClone(all.slice(0, limit));
  }

  async clearPending(user: string, seq: number, recipient: string): Promise<void> {
    this.check();
    this.pending.get(user)?.delete(`${seq}\u0000${recipient}`);
  }

  async advanceCursor(user: string, device: string, seq: number): Promise<number> {
    this.check();
    let c = this.cursorMap.get(user);
    if (c === undefined) this.cursorMap.set(user, (c = new Map()));
    const next = Math.max(c.get(device) ?? 0, seq);
    c.set(device, next);
    return next;
  }

  async cursors(user: string): Promise<Record<string, number>> {
    this.check();
    return Object.fromEntries(this.cursorMap.get(user) ?? []);
  }

  async recordReceipts(
    sender: string,
    epoch: number,
    receipts: readonly Receipt[],
  ): Promise<ReceiptEntry[]> {
    this.check();
    this.fence(`user:${sender}`, epoch);
    let log = this.receiptLogs.get(sender);
    if (log === undefined) this.receiptLogs.set(sender, (log = []));
    const out: ReceiptEntry[] = [];
    for (const r of receipts) {
      const k = `${sender}\u0000${r.id}\u0000${r.by}`;
      const current = this.receiptState.get(k);
      if (current !== undefined && rank[current] >= rank[r.status]) continue;
      this.receiptState.set(k, r.status);
      const entry: ReceiptEntry = { ...r, rseq: log.length + 1 };
      log.push(entry);
      out.push(entry);
    }
    return structuredClone(out);
  }

  async readReceipts(sender: string, afterRseq: number, limit: number): Promise<ReceiptEntry[]> {
    this.check();
    return structuredClone(
      (this.receiptLogs.get(sender) ?? []).slice(afterRseq, afterRseq + limit),
    );
  }

  async receiptStatus(sender: string, id: string, by: string): Promise<ReceiptStatus | undefined> {
    this.check();
    return this.receiptState.get(`${sender}\u0000${id}\u0000${by}`);
  }

  async history(
    user: string,
    conversation: string,
    beforeSeq: number | null,
    limit: number,
  ): Promise<HistoryPage> {
    this.check();
    const log = this.inbox(user);
    const seqs = (log.history.get(conversation) ?? []).filter(
      (s) => beforeSeq === null || s < beforeSeq,
    );
    const page = seqs.slice(-limit);
    return {
      entries: structuredClone(page.map((s) => log.entries[s - 1]!)),
      nextBeforeSeq: seqs.length > page.length ? page[0]! : null,
    };
  }

  async getGroup(id: string): Promise<GroupMeta | undefined> {
    this.check();
    return structuredClone(this.groups.get(id));
  }

  async saveGroup(meta: Omit<GroupMeta, 'version'>, expectedVersion: number): Promise<GroupMeta> {
    this.check();
    const current = this.groups.get(meta.id);
    const version = current?.version ?? 0;
    if (version !== expectedVersion) {
      if (expectedVersion === 0)
        throw new ParleyError(ErrorCode.AlreadyExists, `group ${quote(meta.id)} already exists`);
      throw new FencedError(
        `group ${quote(meta.id)} is at version ${version}, not ${expectedVersion}`,
      );
    }
    const saved: GroupMeta = structuredClone({ ...meta, version: version + 1 });
    this.groups.set(meta.id, saved);
    return structuredClone(saved);
  }

  async appendGroupLog(
    group: string,
    epoch: number,
    records: readonly GroupLogRecord[],
  ): Promise<AppendResult[]> {
    this.check();
    this.fence(`group:${group}`, epoch);
    let log = this.groupLogs.get(group);
    if (log === undefined) this.groupLogs.set(group, (log = { entries: [], keys: new Map() }));
    const out: AppendResult[] = [];
    for (const r of records) {
      const existing = log.keys.get(r.key);
      if (existing !== undefined) {
        out.push({ seq: existing, duplicate: true });
        continue;
      }
      const gseq = log.entries.length + 1;
      log.entries.push(structuredClone({ ...r, group, gseq }));
      log.keys.set(r.key, gseq);
      out.push({ seq: gseq, duplicate: false });
    }
    return out;
  }

  async readGroupLog(group: string, afterGseq: number, limit: number): Promise<GroupLogEntry[]> {
    this.check();
    return structuredClone(
      (this.groupLogs.get(group)?.entries ?? []).slice(afterGseq, afterGseq + limit),
    );
  }

  async groupHistory(
    group: string,
    beforeGseq: number | null,
    limit: number,
  ): Promise<{ entries: GroupLogEntry[]; nextBeforeSeq: number | null }> {
    this.check();
    const all = (this.groupLogs.get(group)?.entries ?? []).filter(
      (e) => beforeGseq === null || e.gseq < beforeGseq,
    );
    const page = all.slice(-limit);
    return {
      entries: structuredClone(page),
      nextBeforeSeq: all.length > page.length ? page[0]!.gseq : null,
    };
  }

  async putMedia(meta: MediaMeta): Promise<void> {
    this.check();
    this.media.set(meta.id, structuredClone(meta));
  }

  async getMedia(id: string): Promise<MediaMeta | undefined> {
    this.check();
    return structuredClone(this.media.get(id));
  }

  async close(): Promise<void> {}
}
