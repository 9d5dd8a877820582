/**
 * Refs: the address of an actor, `<node.id>`. Plain data on the wire (the
 * codec writes only `node` and `id`); a local ref also caches its cell so the
 * local send path needs no table lookup.
 *
 * Invariant: ids are never reused within a node's lifetime, so a ref to a
 * dead actor stays dead (a restarted child gets a new ref, as in Erlang).
 */

/** What a ref may point at locally: an actor cell or a pending ask. */
export interface Mailbox {
  enqueue(msg: unknown): void;
}

export class Ref<M = unknown> {
  /** Phantom: the messages this actor accepts. */
  declare readonly __msg?: (m: M) => void;
  /** Local target, cached; undefined for remote refs and unresolved decoded refs. */
  _cell: Mailbox | undefined;

  constructor(
    readonly node: string,
    readonly id: number,
    cell?: Mailbox,
  ) {
    this._cell = cell;
  }

  /** A string key, unique in the cluster: `node.id`. */
  get key(): string {
    return `${this.node}.${this.id}`;
  }

  toString(): string {
    return `<${this.node}.${this.id}>`;
  }

  toJSON(): { node: string; id: number } {
    return { node: this.node, id: this.id };
  }

  equals(other: AnyRef): boolean {
    return this.id === other.id && this.node === other.node;
  }
}

/** Monitor references are cluster-unique strings: `node#n`. */
export type MonitorRef = string;

/** A ref to an actor of any message type (refs are contravariant in their message type). */
export type AnyRef = Ref<any>;
