/**
 * A table from actor id to entry, for ids that only grow: fixed-size pages
 * indexed by `id >>> PAGE_BITS`, a page freed when its last entry leaves.
 * Lookups are two array reads, and inserting a million entries costs a
 * fraction of a `Map`'s rehashing.
 *
 * Invariant: `size` equals the number of defined slots in all pages.
 */
const PAGE_BITS = 14;
const PAGE_SIZE = 1 << PAGE_BITS;
const MASK = PAGE_SIZE - 1;

interface Page<T> {
  readonly slots: (T | undefined)[];
  live: number;
}

export class IdTable<T> {
  private readonly pages: (Page<T> | undefined)[] = [];
  size = 0;

  get(id: number): T | undefined {
    const page = this.pages[Math.floor(id / PAGE_SIZE)];
    return page === undefined ? undefined : page.slots[id & MASK];
  }

  set(id: number, value: T): void {
    const index = Math.floor(id / PAGE_SIZE);
    let page = this.pages[index];
    if (page === undefined) {
      page = { slots: new Array<T | undefined>(PAGE_SIZE).fill(undefined), live: 0 };
      this.pages[index] = page;
    }
    if (page.slots[id & MASK] === undefined) {
      page.live++;
      this.size++;
    }
    page.slots[id & MASK] = value;
  }

  delete(id: number): boolean {
    const index = Math.floor(id / PAGE_SIZE);
    const page = this.pages[index];
    if (page === undefined || page.slots[id & MASK] === undefined) return false;
    page.slots[id & MASK] = undefined;
    this.size--;
    if (--page.live === 0) this.pages[index] = undefined;
    return true;
  }

  *values(): IterableIterator<T> {
    for (const page of this.pages) {
      if (page === undefined) continue;
      for (const v of page.slots) if (v !== undefined) yield v;
    }
  }

  clear(): void {
    this.pages.length = 0;
    this.size = 0;
  }
}
