/**
 * Refs: the address of an actor, `<node.id>` in one incarnation (`creation`)
 * of its node. Plain data on the wire (the codec writes only `node`, `id` and
 * `creation`); a local ref also caches its cell so the local send path needs
 * no table lookup.
 *
 * Invariants: ids are never reused within one start of a node, and every
 * start of a node has its own `creation` (Erlang's creation), so a ref to a
 * dead actor stays dead, even after its node restarted under the same name
 * and handed the same id to a new actor: a message for another incarnation is
 * a `stale_incarnation` dead letter. `equals` and `key` include the creation.
 * Creation 0 is never a live node's: a ref built by hand without one reaches
 * no actor.
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
    /** The incarnation of `node` the actor lives in (`ActorSystem.creation`). */
    readonly creation = 0,
    cell?: Mailbox,
  ) {
    this._cell = cell;
  }

  /** A string key, unique in the cluster across restarts: `node.id.creation`. */
  get key(): string {
    return `${this.node}.${this.id}.${this.creation}`;
  }

  toString(): string {
    return `<${this.node}.${this.id}>`;
  }

  toJSON(): { node: string; id: number; creation: number } {
    return { node: this.node, id: this.id, creation: this.creation };
  }

  equals(other: AnyRef): boolean {
    return this.id === other.id && this.creation === other.creation && this.node === other.node;
  }
}

/** Monitor references are cluster-unique strings: `node#n`. */
export type MonitorRef = string;

/** A ref to an actor of any message type (refs are contravariant in their message type). */
export type AnyRef = Ref<any>;
