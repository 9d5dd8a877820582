/**
 * `Rows`: values ordered by strictly increasing seq, each with its expiry by
 * the store's clock, the in-memory form of one time-ordered partition (an
 * inbox, a conversation's history, a receipt log, a group log).
 *
 * A row is live while `expMs > now` (expMs Infinity: kept forever), the
 * same rule as the other stores (written + TTL <= now: expired). Every read
 * skips expired rows; `prune` also forgets them from the front, which is
 * where they are as long as the clock does not run backwards (a row in the
 * middle that expired early is skipped until it reaches the front).
 */

export interface Row<T> {
  readonly seq: number;
  readonly value: T;
  readonly expMs: number;
}

/** The expiry of a row written at `nowMs` with `ttlMs` (0: kept forever). */
export function expiryOf(ttlMs: number, nowMs: number): number {
  return ttlMs === 0 ? Number.POSITIVE_INFINITY : nowMs + ttlMs;
}

export class Rows<T> {
  private readonly rows: Row<T>[] = [];

  get size(): number {
    return this.rows.length;
  }

  /** Adds a row after every row there is (`seq` greater than the last one). */
  push(seq: number, value: T, expMs: number): void {
    const last = this.rows.at(-1);
    if (last !== undefined && seq <= last.seq)
      throw new Error(`Rows.push: seq ${seq} does not follow ${last.seq}`);
    this.rows.push({ seq, value, expMs });
  }

  /** The live value of `seq`, if any. */
  get(seq: number, nowMs: number): T | undefined {
    const i = this.indexOf(seq);
    const row = this.rows[i];
    return row !== undefined && row.seq === seq && row.expMs > nowMs ? row.value : undefined;
  }

  /**
   * Live rows with seq > `afterSeq`, ascending, at most `limit`; with `map`,
   * their images, skipping the rows it maps to undefined.
   */
  after<U = T>(
    afterSeq: number,
    limit: number,
    nowMs: number,
    map?: (value: T) => U | undefined,
  ): U[] {
    const out: U[] = [];
    for (let i = this.indexOf(afterSeq + 1); i < this.rows.length && out.length < limit; i++) {
      const row = this.rows[i]!;
      if (row.expMs <= nowMs) continue;
      const value = map === undefined ? (row.value as unknown as U) : map(row.value);
      if (value !== undefined) out.push(value);
    }
    return out;
  }

  /**
   * The newest `limit` live rows with seq < `beforeSeq` (all when null),
   * oldest first, and the seq to pass for the next older page (the oldest
   * returned when an older live row exists, else null). With `map`, their
   * images, skipping (as if expired) the rows it maps to undefined.
   */
  page<U = T>(
    beforeSeq: number | null,
    limit: number,
    nowMs: number,
    map?: (value: T) => U | undefined,
  ): { values: U[]; nextBeforeSeq: number | null } {
    const newest: Row<U>[] = [];
    const end = beforeSeq === null ? this.rows.length : this.indexOf(beforeSeq);
    // One row more than asked tells whether an older page exists.
    for (let i = end - 1; i >= 0 && newest.length <= limit; i--) {
      const row = this.rows[i]!;
      if (row.expMs <= nowMs) continue;
      const value = map === undefined ? (row.value as unknown as U) : map(row.value);
      if (value !== undefined) newest.push({ seq: row.seq, value, expMs: row.expMs });
    }
    const more = newest.length > limit;
    const rows = newest.slice(0, limit).reverse();
    return {
      values: rows.map((r) => r.value),
      nextBeforeSeq: more ? (rows[0]?.seq ?? null) : null,
    };
  }

  /** Forgets the expired rows at the front; calls `gone` with each. */
  prune(nowMs: number, gone?: (row: Row<T>) => void): void {
    let n = 0;
    while (n < this.rows.length && this.rows[n]!.expMs <= nowMs) n++;
    if (n === 0) return;
    const expired = this.rows.splice(0, n);
    if (gone !== undefined) for (const row of expired) gone(row);
  }

  /** The index of the first row with seq >= `seq` (binary search). */
  private indexOf(seq: number): number {
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rows[mid]!.seq < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
