/**
 * A map for tables that usually hold none or a few entries (an actor's links
 * and monitors, a user's sessions, a device's presence). An empty `Map` costs
 * ~180 B (its hash table is made with room for four entries); an empty
 * `SmallMap` costs its object, and up to `SMALL_MAX` entries live in one flat
 * array `[k0, v0, k1, v1, ...]` searched linearly. Past `SMALL_MAX` it moves
 * to a `Map` for good (until `clear`).
 *
 * Same contract as `Map` for what it offers: keys compare by SameValueZero,
 * iteration is in insertion order, re-setting a key keeps its place.
 * Iterators made in array mode walk a copy, so deleting while iterating is
 * safe in both modes.
 *
 * Invariant: at most one of `pairs` and `map` is non-null; `pairs` holds at
 * most `SMALL_MAX` distinct keys and is null when empty.
 */
export const SMALL_MAX = 8;

export class SmallMap<K, V> implements ReadonlyMap<K, V> {
  private pairs: unknown[] | null = null;
  private map: Map<K, V> | null = null;

  get size(): number {
    if (this.map !== null) return this.map.size;
    return this.pairs === null ? 0 : this.pairs.length >> 1;
  }

  get(key: K): V | undefined {
    if (this.map !== null) return this.map.get(key);
    const i = this.indexOf(key);
    return i < 0 ? undefined : (this.pairs![i + 1] as V);
  }

  has(key: K): boolean {
    if (this.map !== null) return this.map.has(key);
    return this.indexOf(key) >= 0;
  }

  set(key: K, value: V): this {
    if (this.map !== null) {
      this.map.set(key, value);
      return this;
    }
    const pairs = this.pairs;
    if (pairs === null) {
      this.pairs = [key, value];
      return this;
    }
    const i = this.indexOf(key);
    if (i >= 0) {
      pairs[i + 1] = value;
    } else if (pairs.length < SMALL_MAX * 2) {
      pairs.push(key, value);
    } else {
      const map = new Map<K, V>();
      for (let j = 0; j < pairs.length; j += 2) map.set(pairs[j] as K, pairs[j + 1] as V);
      map.set(key, value);
      this.map = map;
      this.pairs = null;
    }
    return this;
  }

  delete(key: K): boolean {
    if (this.map !== null) return this.map.delete(key);
    const i = this.indexOf(key);
    if (i < 0) return false;
    if (this.pairs!.length === 2) this.pairs = null;
    else this.pairs!.splice(i, 2);
    return true;
  }

  clear(): void {
    this.pairs = null;
    this.map = null;
  }

  keys(): IterableIterator<K> {
    if (this.map !== null) return this.map.keys();
    return this.column(0) as IterableIterator<K>;
  }

  values(): IterableIterator<V> {
    if (this.map !== null) return this.map.values();
    return this.column(1) as IterableIterator<V>;
  }

  entries(): IterableIterator<[K, V]> {
    if (this.map !== null) return this.map.entries();
    const out: [K, V][] = [];
    const pairs = this.pairs;
    if (pairs !== null)
      for (let j = 0; j < pairs.length; j += 2) out.push([pairs[j] as K, pairs[j + 1] as V]);
    return out.values();
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  forEach(fn: (value: V, key: K, map: ReadonlyMap<K, V>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this);
  }

  private indexOf(key: K): number {
    const pairs = this.pairs;
    if (pairs === null) return -1;
    for (let j = 0; j < pairs.length; j += 2) {
      const k = pairs[j];
      // SameValueZero, as `Map`: NaN finds NaN, +0 finds -0.
      if (k === key || (Number.isNaN(k as number) && Number.isNaN(key as number))) return j;
    }
    return -1;
  }

  /** A copy of the keys (`at` 0) or values (`at` 1). */
  private column(at: 0 | 1): IterableIterator<unknown> {
    const pairs = this.pairs;
    const out: unknown[] = [];
    if (pairs !== null) for (let j = at; j < pairs.length; j += 2) out.push(pairs[j]);
    return out.values();
  }
}
