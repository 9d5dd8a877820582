/**
 * Inbox entries this incarnation appended or found, newest last and
 * bounded: the acks, receipts and forwards of a conversation in flight
 * name entries that were just written, and this spares a store read for
 * each. Only a cache of durable facts (an entry at a seq never changes): a
 * miss reads the store, and an idle actor drops it (`lifecycle.ts`).
 */
export interface RecentEntry {
  readonly seq: number;
  readonly from: string;
  /** The sender's device (own sends are not pushed to it). */
  readonly device: string | undefined;
}

export class RecentEntries {
  private readonly byKey = new Map<string, RecentEntry>();
  private readonly bySeq = new Map<number, string>();

  constructor(private readonly max: number) {}

  remember(key: string, entry: RecentEntry): void {
    if (this.byKey.has(key)) return;
    this.byKey.set(key, entry);
    this.bySeq.set(entry.seq, key);
    if (this.byKey.size > this.max) {
      const [oldKey, old] = this.byKey.entries().next().value!;
      this.byKey.delete(oldKey);
      this.bySeq.delete(old.seq);
    }
  }

  get(key: string): RecentEntry | undefined {
    return this.byKey.get(key);
  }

  /** The entry at inbox `seq`, when remembered. */
  atSeq(seq: number): RecentEntry | undefined {
    const key = this.bySeq.get(seq);
    return key === undefined ? undefined : this.byKey.get(key);
  }
}

/** Entries remembered per user actor. */
export const RECENT_MAX = 256;

interface HasRecent {
  recent: RecentEntries | undefined;
}

/** Remembers the entry under `key` (making the cache on first use). */
export function rememberEntry(s: HasRecent, key: string, entry: RecentEntry): void {
  (s.recent ??= new RecentEntries(RECENT_MAX)).remember(key, entry);
}
