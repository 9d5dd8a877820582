/**
 * The actor system of one node: spawns actors, routes messages to local cells
 * or through the transport, keeps the name registry, runs `ask`, counts dead
 * letters and writes crash reports.
 *
 * Guarantees (see DESIGN.md): one message at a time per actor; per-pair FIFO
 * locally and across nodes (the transport is FIFO per node pair and the
 * receiver enqueues in arrival order); at-most-once delivery; a lost node fires
 * `noconnection` for every link and monitor that crossed to it, and rejects at
 * once every ask waiting on it (`NodeDownError`).
 *
 * Incarnations: every start has a `creation` (Erlang's), carried in its refs
 * and in every envelope sent to an actor id; a message or signal for an actor
 * of another incarnation of this node is a `stale_incarnation` dead letter
 * (signals answer `noproc`), never delivered to a newer actor with the same
 * id. Sends to a registered name are valid across incarnations.
 */
import pino, { type Logger } from 'pino';
import {
  AskSlot,
  AskTimeoutError,
  DEFAULT_ASK_TIMEOUT_MS,
  NodeDownError,
  RemoteAsks,
} from './ask-slot.ts';
import type { Behavior, SpawnOptions } from './behavior.ts';
import { Cell } from './cell.ts';
import { type Clock, systemClock } from './clock.ts';
import { Codec } from './codec.ts';
import { type DeadLetterReason, DeadLetters } from './dead-letters.ts';
import { ErrorCode, ParleyError, quote } from './errors.ts';
import { type ErrorReason, type ExitReason, errorReason, formatReason } from './exit-reason.ts';
import { IdTable } from './internal/id-table.ts';
import { mailboxOptionsOf } from './mailbox-options.ts';
import { type Random, systemRandom } from './random.ts';
import { type AnyRef, type MonitorRef, Ref } from './ref.ts';
import { FairScheduler, type Scheduler } from './scheduler.ts';
import type { SystemMessage } from './system-message.ts';
import type { Transport } from './transport.ts';

export { AskTimeoutError, DEFAULT_ASK_TIMEOUT_MS, NodeDownError };

/** Creations are 32-bit and never 0 (0 marks a ref built without one). */
const CREATION_MAX = 0xffff_ffff;

export class NoProcError extends ParleyError {
  override readonly name = 'NoProcError';
  constructor(to: AnyRef | string) {
    super(
      ErrorCode.NotFound,
      `no actor ${typeof to === 'string' ? quote(to) : to}: it is not alive`,
    );
  }
}

export class NameTakenError extends ParleyError {
  override readonly name = 'NameTakenError';
  constructor(name: string, holder: AnyRef) {
    super(ErrorCode.AlreadyExists, `name ${quote(name)} is already registered to ${holder}`);
  }
}

export interface ActorSystemOptions {
  /** Node name, unique in the cluster; default `local`. */
  readonly node?: string;
  readonly clock?: Clock;
  readonly random?: Random;
  /** Default: a `FairScheduler` on `clock`. */
  readonly scheduler?: Scheduler;
  /** Default: pino at `PARLEY_LOG_LEVEL` (info). */
  readonly logger?: Logger;
  readonly transport?: Transport;
  /**
   * This start's incarnation, 1..2^32-1 (Erlang's `creation`). Default: the
   * transport's `creation` if it has one, else the clock's seconds mixed with
   * the random, so two starts differ.
   */
  readonly creation?: number;
}

/**
 * Wire envelopes: [0, id, msg, creation] or [0, name, msg] user message;
 * [1, id, system message, creation]. `creation` is the target's incarnation.
 */
type Envelope =
  | readonly [0, number, unknown, number]
  | readonly [0, string, unknown]
  | readonly [1, number, SystemMessage, number];

function deriveCreation(clock: Clock, random: Random): number {
  const seconds = Math.floor(clock.now() / 1000) >>> 0;
  return ((seconds ^ random.int(CREATION_MAX + 1)) >>> 0 || 1) >>> 0;
}

function checkCreation(creation: number): number {
  if (!Number.isInteger(creation) || creation < 1 || creation > CREATION_MAX) {
    throw new ParleyError(
      ErrorCode.InvalidArgument,
      `creation must be an integer in 1..${CREATION_MAX}, got ${quote(creation)}`,
    );
  }
  return creation;
}

export class ActorSystem {
  readonly node: string;
  /** This start's incarnation: in every ref it hands out. */
  readonly creation: number;
  readonly clock: Clock;
  readonly random: Random;
  readonly scheduler: Scheduler;
  readonly log: Logger;
  readonly deadLetters: DeadLetters;
  readonly stats = { spawned: 0, crashed: 0, exited: 0 };
  private readonly cells = new IdTable<Cell<any, any> | AskSlot>();
  private readonly names = new Map<string, Cell<any, any>>();
  private readonly remoteTouching = new Set<Cell<any, any>>();
  private readonly remoteAsks = new RemoteAsks();
  private readonly transport: Transport | undefined;
  private readonly codec: Codec;
  private readonly deathHooks = new Set<(cell: Cell<any, any>, reason: ExitReason) => void>();
  private readonly exitWaiters = new Map<number, ((reason: ExitReason) => void)[]>();
  private nextId = 1;
  private nextMonitor = 1;
  private readonly sysRef: AnyRef;

  constructor(options: ActorSystemOptions = {}) {
    this.node = options.transport?.node ?? options.node ?? 'local';
    if (
      options.node !== undefined &&
      options.transport !== undefined &&
      options.node !== options.transport.node
    ) {
      throw new ParleyError(
        ErrorCode.InvalidArgument,
        `node ${quote(options.node)} differs from the transport's node ${quote(options.transport.node)}`,
      );
    }
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? systemRandom;
    const creation = options.creation ?? options.transport?.creation;
    this.creation =
      creation === undefined ? deriveCreation(this.clock, this.random) : checkCreation(creation);
    this.scheduler = options.scheduler ?? new FairScheduler(this.clock);
    this.log =
      options.logger ??
      pino({ level: process.env.PARLEY_LOG_LEVEL ?? 'info', base: { node: this.node } });
    this.deadLetters = new DeadLetters(this.log, this.clock);
    this.sysRef = new Ref(this.node, 0, this.creation);
    this.codec = new Codec((node, id, creation) => this.resolveRef(node, id, creation));
    this.transport = options.transport;
    this.transport?.attach({
      onFrame: (from, frame) => this.onFrame(from, frame),
      onNodeDown: (node) => this.onNodeDown(node),
    });
  }

  // ---- spawning -----------------------------------------------------------------

  spawn<M, S>(behavior: Behavior<M, S>, options?: SpawnOptions): Ref<M> {
    return this.spawnInternal(behavior, options, null);
  }

  /** Spawns, optionally linked to `parent` (before init runs, so an init crash reaches it). */
  spawnInternal<M, S>(
    behavior: Behavior<M, S>,
    options: SpawnOptions | undefined,
    parent: AnyRef | null,
  ): Ref<M> {
    const mailbox = mailboxOptionsOf(options?.mailbox);
    if (!(mailbox.capacity >= 1) || !Number.isInteger(mailbox.capacity)) {
      throw new ParleyError(
        ErrorCode.InvalidArgument,
        `mailbox capacity must be a positive integer, got ${quote(mailbox.capacity)}`,
      );
    }
    // A bad or taken name fails the spawn before any actor exists.
    if (options?.name !== undefined) this.checkName(options.name);
    const cell = new Cell<M, S>(this, this.nextId++, behavior, mailbox);
    this.cells.set(cell.ref.id, cell);
    this.stats.spawned++;
    if (options !== undefined) {
      if (options.trapExit) cell.trapExit(true);
      if (options.name !== undefined) this.register(options.name, cell.ref);
    }
    if (parent !== null) {
      cell.parent = parent;
      const parentCell = this.localCell(parent);
      if (parentCell !== undefined) {
        parentCell.link(cell.ref);
      } else {
        // The parent is dead (an async handler outlived its actor): linking to it answers
        // `noproc`, as a link to any dead actor does, so the child is not left an orphan.
        cell.link(parent);
      }
    }
    cell.start();
    return cell.ref;
  }

  // ---- sending ------------------------------------------------------------------

  /**
   * Sends `msg` to `to`. Never throws for a dead or remote target (it becomes a dead letter),
   * except `fail_sender` overflow and a message too big for the transport (`FrameTooLargeError`).
   */
  send<M>(to: Ref<M>, msg: M): void {
    const cell = to._cell;
    // The node and creation checks keep a ref made by another in-process node, or by an
    // earlier start of this one, off the fast path.
    if (cell !== undefined && to.creation === this.creation && to.node === this.node) {
      (cell as Cell).enqueue(msg, true);
      return;
    }
    this.sendSlow(to, msg);
  }

  private sendSlow(to: AnyRef, msg: unknown): void {
    if (to.node === this.node) {
      if (to.creation !== this.creation) {
        this.deadLetter(to, msg, 'stale_incarnation');
        return;
      }
      const cell = this.cells.get(to.id);
      if (cell === undefined) this.deadLetter(to, msg, 'dead');
      else {
        to._cell = cell;
        cell instanceof Cell ? cell.enqueue(msg, true) : cell.enqueue(msg);
      }
      return;
    }
    this.sendRemote(to.node, [0, to.id, msg, to.creation], to, msg);
  }

  /** Sends to the actor registered as `name` on `node` (default: this node). */
  sendNamed(name: string, msg: unknown, node: string = this.node): void {
    if (node === this.node) {
      const cell = this.names.get(name);
      if (cell === undefined) this.deadLetters.record(`${name}@${node}`, msg, 'no_such_name');
      else cell.enqueue(msg, true);
      return;
    }
    this.sendRemote(node, [0, name, msg], name, msg);
  }

  private sendRemote(node: string, envelope: Envelope, to: AnyRef | string, msg: unknown): void {
    const transport = this.transport;
    if (transport === undefined || !transport.reachable(node)) {
      this.deadLetters.record(String(to), msg, 'noconnection');
      return;
    }
    transport.send(node, this.codec.encode(envelope));
  }

  /** Delivers a system message locally or across nodes; a missing target answers as OTP does. */
  deliverSystem(to: AnyRef, msg: SystemMessage): void {
    if (to.node === this.node) {
      if (to.id === 0) return;
      const cell = to.creation === this.creation ? this.cells.get(to.id) : undefined;
      if (cell instanceof Cell) cell.enqueueSystem(msg);
      else this.systemToDead(to, msg);
      return;
    }
    const transport = this.transport;
    if (transport === undefined || !transport.reachable(to.node)) {
      this.answerDead(to, msg, 'noconnection');
      return;
    }
    transport.send(to.node, this.codec.encode([1, to.id, msg, to.creation] satisfies Envelope));
  }

  /** A system message reached no actor: links and monitors get `noproc`. */
  systemToDead(to: AnyRef, msg: SystemMessage): void {
    this.answerDead(to, msg, 'noproc');
  }

  private answerDead(to: AnyRef, msg: SystemMessage, reason: 'noproc' | 'noconnection'): void {
    if (msg.k === 'link') this.deliverSystem(msg.from, { k: 'exit', from: to, reason, link: true });
    else if (msg.k === 'monitor')
      this.deliverSystem(msg.from, { k: 'down', monitor: msg.monitor, from: to, reason });
  }

  /** Sends an exit signal to `to`, as `from` (default: the system). */
  exit(to: AnyRef, reason: ExitReason, from: AnyRef = this.sysRef): void {
    this.deliverSystem(to, { k: 'exit', from, reason, link: false });
  }

  // ---- ask ----------------------------------------------------------------------

  /**
   * Request/reply: `make` builds the request around a reply ref; the promise
   * takes the first message sent to that ref. Rejects with `AskTimeoutError`
   * after `timeoutMs` (default 5000), `NoProcError` at once when a local
   * target is not alive, `NodeDownError` (code `unavailable`) at once when a
   * remote target's node is unreachable or is lost while the ask waits. A
   * reply after the timeout is a dead letter (`late_reply`).
   */
  ask<M, R>(
    to: Ref<M>,
    make: (replyTo: Ref<R>) => M,
    timeoutMs = DEFAULT_ASK_TIMEOUT_MS,
  ): Promise<R> {
    if (to.node === this.node) {
      if (to.creation !== this.creation || !(this.cells.get(to.id) instanceof Cell)) {
        return Promise.reject(new NoProcError(to));
      }
      return this.askVia(String(to), null, (request) => this.send(to, request), make, timeoutMs);
    }
    return this.askVia(String(to), to.node, (request) => this.send(to, request), make, timeoutMs);
  }

  /** `ask` the actor registered as `name` on `node` (default: this node). */
  askNamed<M, R>(
    name: string,
    make: (replyTo: Ref<R>) => M,
    timeoutMs = DEFAULT_ASK_TIMEOUT_MS,
    node: string = this.node,
  ): Promise<R> {
    if (node === this.node && !this.names.has(name)) return Promise.reject(new NoProcError(name));
    return this.askVia(
      `${name}@${node}`,
      node === this.node ? null : node,
      (request) => this.sendNamed(name, request, node),
      make,
      timeoutMs,
    );
  }

  private askVia<M, R>(
    target: string,
    node: string | null,
    deliver: (request: M) => void,
    make: (replyTo: Ref<R>) => M,
    timeoutMs: number,
  ): Promise<R> {
    if (node !== null && (this.transport === undefined || !this.transport.reachable(node))) {
      return Promise.reject(new NodeDownError(target, node, 'unreachable'));
    }
    return new Promise<R>((resolve, reject) => {
      const slot = new AskSlot(
        this.nextId++,
        this,
        resolve as (v: unknown) => void,
        reject,
        target,
        node,
      );
      this.cells.set(slot.id, slot);
      this.remoteAsks.add(slot);
      slot.timer = this.clock.setTimer(timeoutMs, () => {
        if (this.cells.delete(slot.id)) {
          this.remoteAsks.delete(slot);
          reject(new AskTimeoutError(target, timeoutMs));
        }
      });
      const replyTo = new Ref<R>(this.node, slot.id, this.creation, slot);
      try {
        deliver(make(replyTo));
      } catch (err) {
        // `make` threw, a full `fail_sender` mailbox or the transport refused the request.
        this.dropAsk(slot);
        reject(err);
      }
    });
  }

  settleAsk(slot: AskSlot, msg: unknown): void {
    if (this.cells.get(slot.id) !== slot) {
      this.deadLetters.record(`<${this.node}.${slot.id}>`, msg, 'late_reply');
      return;
    }
    this.dropAsk(slot);
    slot.resolve(msg);
  }

  private dropAsk(slot: AskSlot): void {
    this.cells.delete(slot.id);
    this.remoteAsks.delete(slot);
    if (slot.timer !== undefined) this.clock.clearTimer(slot.timer);
  }

  // ---- registry -------------------------------------------------------------------

  /** Registers a live local actor under `name`. One name per actor; the name dies with it. */
  register(name: string, ref: AnyRef): void {
    this.checkName(name);
    const cell = this.localCell(ref);
    if (cell === undefined) throw new NoProcError(ref);
    if (cell.name !== null) {
      throw new ParleyError(
        ErrorCode.AlreadyExists,
        `${ref} is already registered as ${quote(cell.name)}`,
      );
    }
    cell.name = name;
    this.names.set(name, cell);
  }

  /** Throws unless `name` is a valid name that is free. */
  private checkName(name: string): void {
    if (typeof name !== 'string' || name.length === 0 || name.length > 255) {
      throw new ParleyError(
        ErrorCode.InvalidArgument,
        `actor name must be 1..255 characters, got ${quote(name)}`,
      );
    }
    const holder = this.names.get(name);
    if (holder !== undefined) throw new NameTakenError(name, holder.ref);
  }

  unregister(name: string): void {
    const cell = this.names.get(name);
    if (cell === undefined) return;
    this.names.delete(name);
    cell.name = null;
  }

  whereis<M = unknown>(name: string): Ref<M> | undefined {
    return this.names.get(name)?.ref as Ref<M> | undefined;
  }

  registered(): string[] {
    return [...this.names.keys()];
  }

  // ---- inspection ---------------------------------------------------------------

  isAlive(ref: AnyRef): boolean {
    return this.localCell(ref)?.alive ?? false;
  }

  /** The live local cell behind `ref`, if any. */
  localCell(ref: AnyRef): Cell<any, any> | undefined {
    if (ref.node !== this.node || ref.creation !== this.creation) return undefined;
    const cell = this.cells.get(ref.id);
    return cell instanceof Cell && cell.alive ? cell : undefined;
  }

  /** Live local actors. */
  get actorCount(): number {
    let n = 0;
    for (const c of this.cells.values()) if (c instanceof Cell) n++;
    return n;
  }

  actors(): Cell<any, any>[] {
    const out: Cell<any, any>[] = [];
    for (const c of this.cells.values()) if (c instanceof Cell) out.push(c);
    return out;
  }

  /** Calls `hook` after every actor death on this node (supervision views, metrics). Returns an unsubscribe. */
  onDeath(hook: (cell: Cell<any, any>, reason: ExitReason) => void): () => void {
    this.deathHooks.add(hook);
    return () => this.deathHooks.delete(hook);
  }

  // ---- bookkeeping called by cells ------------------------------------------------

  deadLetter(to: AnyRef, msg: unknown, reason: DeadLetterReason, count = 1): void {
    this.deadLetters.record(String(to), msg, reason, count);
  }

  nextMonitorRef(): MonitorRef {
    return `${this.node}#${this.nextMonitor++}`;
  }

  trackRemote(cell: Cell<any, any>, other: AnyRef): void {
    if (other.node !== this.node) this.remoteTouching.add(cell);
  }

  release(cell: Cell<any, any>): void {
    this.cells.delete(cell.ref.id);
    if (cell.name !== null) {
      this.names.delete(cell.name);
    }
    this.remoteTouching.delete(cell);
  }

  /**
   * Resolves with the exit reason once the local actor `ref` is dead (at once,
   * with `noproc`, if it is not alive). Lets a supervisor wait for a child it
   * has unlinked, without a message.
   */
  awaitExit(ref: AnyRef): Promise<ExitReason> {
    if (this.localCell(ref) === undefined) return Promise.resolve('noproc');
    return new Promise((resolve) => {
      const list = this.exitWaiters.get(ref.id);
      if (list === undefined) this.exitWaiters.set(ref.id, [resolve]);
      else list.push(resolve);
    });
  }

  afterDeath(cell: Cell<any, any>, reason: ExitReason): void {
    this.stats.exited++;
    const waiters = this.exitWaiters.get(cell.ref.id);
    if (waiters !== undefined) {
      this.exitWaiters.delete(cell.ref.id);
      for (const w of waiters) w(reason);
    }
    for (const hook of this.deathHooks) {
      try {
        hook(cell, reason);
      } catch (err) {
        this.log.error({ actor: String(cell.ref), err: errorReason(err) }, 'death hook failed');
      }
    }
  }

  crashReport(cell: Cell<any, any>, reason: ErrorReason, msg: unknown): void {
    this.stats.crashed++;
    this.log.error(
      {
        actor: String(cell.ref),
        name: cell.name ?? undefined,
        behavior: cell.behavior.name ?? 'anonymous',
        parent: cell.parent === null ? undefined : String(cell.parent),
        message: quote(msg),
        reason: formatReason(reason),
        stack: reason.stack,
      },
      'crash report',
    );
  }

  // ---- remote -------------------------------------------------------------------

  private resolveRef(node: string, id: number, creation: number): AnyRef {
    if (node === this.node && creation === this.creation) {
      const cell = this.cells.get(id);
      if (cell instanceof Cell) return cell.ref;
    }
    return new Ref(node, id, creation);
  }

  private onFrame(from: string, frame: Uint8Array): void {
    let envelope: Envelope;
    try {
      envelope = this.codec.decode(frame) as Envelope;
    } catch (err) {
      this.log.error({ from, err: String(err), bytes: frame.length }, 'undecodable frame dropped');
      return;
    }
    if (envelope[0] === 0) {
      const to = envelope[1];
      if (typeof to === 'string') {
        // Not `sendNamed`: a remote sender is never failed (`fail_sender` drops its message).
        const cell = this.names.get(to);
        if (cell === undefined)
          this.deadLetters.record(`${to}@${this.node}`, envelope[2], 'no_such_name');
        else cell.enqueue(envelope[2]);
      } else if (envelope[3] !== this.creation) {
        this.deadLetters.record(`<${this.node}.${to}>`, envelope[2], 'stale_incarnation');
      } else {
        const cell = this.cells.get(to);
        if (cell === undefined)
          this.deadLetters.record(`<${this.node}.${to}>`, envelope[2], 'dead');
        else cell instanceof Cell ? cell.enqueue(envelope[2]) : cell.enqueue(envelope[2]);
      }
      return;
    }
    this.deliverSystem(new Ref(this.node, envelope[1], envelope[3]), envelope[2]);
  }

  private onNodeDown(node: string): void {
    for (const cell of [...this.remoteTouching]) cell.nodeDown(node);
    for (const slot of this.remoteAsks.take(node)) {
      if (this.cells.get(slot.id) !== slot) continue;
      this.dropAsk(slot);
      slot.reject(new NodeDownError(slot.target, node, 'down'));
    }
  }

  // ---- shutdown -----------------------------------------------------------------

  /** Kills every actor on this node and closes the transport. */
  async shutdown(): Promise<void> {
    for (const cell of this.actors()) cell.die('killed');
    for (const slot of [...this.cells.values()]) {
      if (!(slot instanceof AskSlot)) continue;
      if (slot.timer !== undefined) this.clock.clearTimer(slot.timer);
      slot.reject(
        new ParleyError(
          ErrorCode.Stopped,
          `ask to ${slot.target} got no reply: node ${quote(this.node)} shut down`,
        ),
      );
    }
    this.cells.clear();
    await this.transport?.close();
  }
}
