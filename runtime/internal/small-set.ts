/**
 * A set for tables that usually hold none or a few members (a user's dirty
 * cursors), the twin of `SmallMap`: up to `SMALL_MAX` members in one array
 * searched linearly, a `Set` past it for good (until `clear`); an empty one
 * is its object alone, where an empty `Set` costs ~150 B.
 *
 * Same contract as `Set` for what it offers: SameValueZero, insertion order;
 * iterators made in array mode walk a copy, so deleting while iterating is
 * safe in both modes.
 *
 * Invariant: at most one of `members` and `set` is non-null; `members` holds
 * at most `SMALL_MAX` distinct values and is null when empty.
 */
import { SMALL_MAX } from './small-map.ts';

export class SmallSet<T> implements Iterable<T> {
  private members: T[] | null = null;
  private set: Set<T> | null = null;

  get size(): number {
    if (this.set !== null) return this.set.size;
    return this.members === null ? 0 : this.members.length;
  }

  has(value: T): boolean {
    if (this.set !== null) return this.set.has(value);
    return this.indexOf(value) >= 0;
  }

  add(value: T): this {
    if (this.set !== null) {
      this.set.add(value);
      return this;
    }
    const members = this.members;
    if (members === null) this.members = [value];
    else if (this.indexOf(value) >= 0) return this;
    else if (members.length < SMALL_MAX) members.push(value);
    else {
      this.set = new Set(members).add(value);
      this.members = null;
    }
    return this;
  }

  delete(value: T): boolean {
    if (this.set !== null) return this.set.delete(value);
    const i = this.indexOf(value);
    if (i < 0) return false;
    if (this.members!.length === 1) this.members = null;
    else this.members!.splice(i, 1);
    return true;
  }

  clear(): void {
    this.members = null;
    this.set = null;
  }

  values(): IterableIterator<T> {
    if (this.set !== null) return this.set.values();
    return (this.members === null ? [] : this.members.slice()).values();
  }

  [Symbol.iterator](): IterableIterator<T> {
    return this.values();
  }

  private indexOf(value: T): number {
    const members = this.members;
    if (members === null) return -1;
    for (let i = 0; i < members.length; i++) {
      const m = members[i];
      // SameValueZero, as `Set`: NaN finds NaN, +0 finds -0.
      if (m === value || (Number.isNaN(m as number) && Number.isNaN(value as number))) return i;
    }
    return -1;
  }
}
