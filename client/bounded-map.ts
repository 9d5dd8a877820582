/**
 * A Map with a capacity: inserting past it evicts the oldest entry.
 *
 * "Oldest" is insertion order, refreshed by `set` on an existing key (so it
 * works as an LRU when callers `set` on use). Memory stays bounded however
 * long the client runs.
 */
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();

  constructor(
    readonly capacity: number,
    private readonly onEvict?: (key: K, value: V) => void,
  ) {
    if (!(Number.isInteger(capacity) && capacity > 0))
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  /** Sets and moves `key` to the newest position, evicting the oldest entry when full. */
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) {
      const oldest = this.map.entries().next().value;
      if (oldest !== undefined) {
        this.map.delete(oldest[0]);
        this.onEvict?.(oldest[0], oldest[1]);
      }
    }
  }

  /** Replaces the value of a present key in place, keeping its position. */
  update(key: K, value: V): void {
    if (this.map.has(key)) this.map.set(key, value);
  }

  /** Keys, oldest first. */
  keys(): IterableIterator<K> {
    return this.map.keys();
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }
}
