/**
 * A cell is one live actor: its behavior and state, its mailboxes, links,
 * monitors and timers. It is also the actor's `ActorContext`.
 *
 * Invariants:
 * - At most one message is being handled at a time: `RUNNING` while a
 *   synchronous handler runs, `BUSY` while a returned promise is pending.
 *   No message is handled while either is set.
 * - System messages (exit signals, downs, link bookkeeping) are handled before
 *   any user message waiting at the same time.
 * - The cell is in the scheduler's queue at most once (`SCHEDULED`).
 * - Once `DEAD`, nothing more runs, and links, monitors, timers and the name
 *   have been released; later sends become dead letters.
 */
import type {
  Behavior,
  Down,
  ExitMessage,
  MailboxOptions,
  SpawnOptions,
  TimerRef,
} from './behavior.ts';
import { type CellInfo, describeCell } from './cell-info.ts';
import type { TimerHandle } from './clock.ts';
import { ErrorCode, ParleyError, quote } from './errors.ts';
import { type ExitReason, errorReason, formatReason } from './exit-reason.ts';
import { SmallMap } from './internal/small-map.ts';
import { type AnyRef, type MonitorRef, Ref } from './ref.ts';
import type { Runnable } from './scheduler.ts';
import type { ActorSystem } from './system.ts';
import { MailboxFullError, type SystemMessage } from './system-message.ts';

const SCHEDULED = 1;
const RUNNING = 2;
const BUSY = 4;
const DEAD = 8;
const TRAP_EXIT = 16;
const STOPPING = 32;
const TERMINATING = 64;

export class Cell<M = unknown, S = unknown> implements Runnable {
  readonly ref: Ref<M>;
  flags = 0;
  state: S = undefined as S;
  current: unknown = undefined;
  /**
   * User messages: a ring buffer (length a power of two, allocated on the first
   * message), `qh` the index of the oldest, `qn` how many. No array shifts or
   * length changes on the hot path.
   */
  private q: unknown[] | null = null;
  private qh = 0;
  private qn = 0;
  private sys: SystemMessage[] | null = null;
  /** Links, monitors and timers: usually none or one each, so small maps made on first use. */
  private links: SmallMap<string, AnyRef> | null = null;
  /** Who watches me: monitor ref → watcher. */
  private watchers: SmallMap<MonitorRef, AnyRef> | null = null;
  /** Whom I watch: monitor ref → target. */
  private watching: SmallMap<MonitorRef, AnyRef> | null = null;
  private timers: SmallMap<TimerRef, TimerHandle> | null = null;
  name: string | null = null;
  parent: AnyRef | null = null;
  stopReason: ExitReason = 'normal';

  constructor(
    readonly system: ActorSystem,
    id: number,
    readonly behavior: Behavior<M, S>,
    private readonly limits: MailboxOptions,
  ) {
    this.ref = new Ref<M>(system.node, id, system.creation, this);
  }

  // ---- ActorContext -----------------------------------------------------------

  get self(): Ref<M> {
    return this.ref;
  }
  get node(): string {
    return this.system.node;
  }
  get clock() {
    return this.system.clock;
  }
  get random() {
    return this.system.random;
  }
  get log() {
    return this.system.log;
  }
  send<T>(to: Ref<T>, msg: T): void {
    this.system.send(to, msg);
  }
  ask<T, R>(to: Ref<T>, make: (replyTo: Ref<R>) => T, timeoutMs?: number): Promise<R> {
    return this.system.ask(to, make, timeoutMs);
  }
  spawn<T, S2>(behavior: Behavior<T, S2>, options?: SpawnOptions): Ref<T> {
    return this.system.spawn(behavior, options);
  }
  spawnLink<T, S2>(behavior: Behavior<T, S2>, options?: SpawnOptions): Ref<T> {
    return this.system.spawnInternal(behavior, options, this.ref);
  }
  link(to: AnyRef): void {
    if (to.equals(this.ref) || this.flags & DEAD) return;
    (this.links ??= new SmallMap()).set(to.key, to);
    this.system.trackRemote(this, to);
    this.system.deliverSystem(to, { k: 'link', from: this.ref });
  }
  unlink(to: AnyRef): void {
    if (this.links?.delete(to.key)) this.system.deliverSystem(to, { k: 'unlink', from: this.ref });
  }
  monitor(to: AnyRef): MonitorRef {
    const monitor = this.system.nextMonitorRef();
    (this.watching ??= new SmallMap()).set(monitor, to);
    this.system.trackRemote(this, to);
    this.system.deliverSystem(to, { k: 'monitor', from: this.ref, monitor });
    return monitor;
  }
  demonitor(monitor: MonitorRef): void {
    const to = this.watching?.get(monitor);
    if (to === undefined) return;
    this.watching!.delete(monitor);
    this.system.deliverSystem(to, { k: 'demonitor', monitor });
  }
  trapExit(on: boolean): void {
    this.flags = on ? this.flags | TRAP_EXIT : this.flags & ~TRAP_EXIT;
  }
  exit(to: AnyRef, reason: ExitReason): void {
    this.system.exit(to, reason, this.ref);
  }
  stop(reason: ExitReason = 'normal'): void {
    this.stopReason = reason;
    this.flags |= STOPPING;
  }
  isAlive(ref: AnyRef): boolean {
    return this.system.isAlive(ref);
  }
  awaitExit(ref: AnyRef): Promise<ExitReason> {
    return this.system.awaitExit(ref);
  }
  sendAfter(delayMs: number, msg: M): TimerRef {
    const timer = {} as TimerRef;
    // A dead actor's timer never fires (an async handler may outlive its actor).
    if (this.flags & DEAD) return timer;
    const timers = (this.timers ??= new SmallMap());
    timers.set(
      timer,
      this.system.clock.setTimer(delayMs, () => {
        if (timers.delete(timer)) this.enqueue(msg);
      }),
    );
    return timer;
  }
  cancelTimer(timer: TimerRef): void {
    const handle = this.timers?.get(timer);
    if (handle === undefined) return;
    this.timers!.delete(timer);
    this.system.clock.clearTimer(handle);
  }

  // ---- mailbox ----------------------------------------------------------------

  get alive(): boolean {
    return (this.flags & DEAD) === 0;
  }

  get trapsExit(): boolean {
    return (this.flags & TRAP_EXIT) !== 0;
  }

  /** User messages waiting. */
  get depth(): number {
    return this.qn;
  }

  /** Hot path: every local send ends here. */
  enqueue(msg: unknown, failSender = false): void {
    if (this.flags & DEAD) {
      this.system.deadLetter(this.ref, msg, 'dead');
      return;
    }
    let q = this.q;
    if (q === null) q = this.q = [undefined, undefined, undefined, undefined];
    const n = this.qn;
    if (n >= this.limits.capacity) {
      this.overflow(msg, failSender);
      return;
    }
    if (n === q.length) q = this.grow(q);
    q[(this.qh + n) & (q.length - 1)] = msg;
    this.qn = n + 1;
    if ((this.flags & (SCHEDULED | RUNNING | BUSY)) === 0) {
      this.flags |= SCHEDULED;
      this.system.scheduler.schedule(this);
    }
  }

  takeWhile<T extends M>(accept: (msg: M) => msg is T, max: number): T[] {
    const taken: T[] = [];
    if ((this.sys !== null && this.sys.length > 0) || this.flags & DEAD) return taken;
    const q = this.q;
    while (this.qn > 0 && taken.length < max) {
      const msg = q![this.qh] as M;
      if (!accept(msg)) break;
      taken.push(msg);
      q![this.qh] = undefined;
      this.qh = (this.qh + 1) & (q!.length - 1);
      this.qn--;
    }
    // A ring grown by a burst is given back once drained.
    if (this.qn === 0 && q !== null && q.length > 1024) {
      this.q = null;
      this.qh = 0;
    }
    return taken;
  }

  /** Doubles the ring, oldest message first at index 0. */
  private grow(q: unknown[]): unknown[] {
    const next: unknown[] = new Array(q.length * 2).fill(undefined);
    for (let i = 0; i < q.length; i++) next[i] = q[(this.qh + i) & (q.length - 1)];
    this.qh = 0;
    this.q = next;
    return next;
  }

  private overflow(msg: unknown, failSender: boolean): void {
    const { overflow, capacity } = this.limits;
    if (overflow === 'fail_sender' && failSender) throw new MailboxFullError(this.ref, capacity);
    this.system.deadLetter(this.ref, msg, 'mailbox_full');
    if (overflow === 'crash') {
      this.crash(
        new ParleyError(
          ErrorCode.ResourceExhausted,
          `mailbox_overflow: ${this.ref} held ${capacity} messages`,
        ),
        msg,
      );
    }
  }

  enqueueSystem(msg: SystemMessage): void {
    if (this.flags & DEAD) {
      this.system.systemToDead(this.ref, msg);
      return;
    }
    if (msg.k === 'exit') {
      // An exit signal that will not be trapped acts at once, even mid-handler (as in Erlang).
      if ((msg.reason === 'kill' && !msg.link) || (this.flags & TRAP_EXIT) === 0) {
        this.onExitSignal(msg.from, msg.reason, msg.link);
        return;
      }
    } else if (msg.k !== 'down') {
      // Link and monitor bookkeeping also acts at once: an exit signal that acts at once
      // right after it (a linked child's init crash, a kill after a monitor) must see it.
      this.bookkeep(msg);
      return;
    }
    (this.sys ??= []).push(msg);
    if ((this.flags & (SCHEDULED | RUNNING | BUSY)) === 0) {
      this.flags |= SCHEDULED;
      this.system.scheduler.schedule(this);
    }
  }

  get wantsMore(): boolean {
    const f = this.flags;
    if (f & (DEAD | BUSY)) {
      this.flags = f & ~SCHEDULED;
      return false;
    }
    if ((this.sys !== null && this.sys.length > 0) || this.qn > 0) {
      return true;
    }
    this.flags = f & ~SCHEDULED;
    return false;
  }

  // ---- running ----------------------------------------------------------------

  /** Runs `init`; called once by the system right after spawn. */
  start(): void {
    const init = this.behavior.init;
    if (init === undefined || this.flags & DEAD) return;
    this.flags |= RUNNING;
    try {
      const r = init.call(this.behavior, this);
      if (r instanceof Promise) {
        this.flags |= BUSY;
        this.await(r);
      } else {
        this.state = r;
      }
    } catch (err) {
      this.flags &= ~RUNNING;
      this.crash(err, '(init)');
      return;
    }
    this.flags &= ~RUNNING;
    if (this.flags & BUSY) return;
    // A synchronous init may have stopped the actor or sent it messages (unscheduled while RUNNING).
    if (this.flags & STOPPING) this.terminate(this.stopReason);
    else this.resume();
  }

  run(budget: number): number {
    let n = 0;
    this.flags |= RUNNING;
    const behavior = this.behavior;
    while (n < budget) {
      const sys = this.sys;
      if (sys !== null && sys.length > 0) {
        n++;
        this.handleSystem(sys.shift()!);
        if (this.flags & (DEAD | BUSY)) break;
        continue;
      }
      if (this.qn === 0) break;
      const q = this.q!;
      const msg = q[this.qh];
      q[this.qh] = undefined;
      this.qh = (this.qh + 1) & (q.length - 1);
      // A ring grown by a burst is given back once drained.
      if (--this.qn === 0 && q.length > 1024) {
        this.q = null;
        this.qh = 0;
      }
      n++;
      this.current = msg;
      try {
        const r = behavior.receive(this.state, msg as M, this);
        if (r instanceof Promise) {
          this.flags |= BUSY;
          this.await(r);
          break;
        }
        this.state = r;
      } catch (err) {
        this.flags &= ~RUNNING;
        this.crash(err, msg);
        return n;
      }
      if (this.flags & (STOPPING | DEAD)) {
        this.flags &= ~RUNNING;
        if ((this.flags & DEAD) === 0) this.terminate(this.stopReason);
        return n;
      }
    }
    this.flags &= ~RUNNING;
    return n;
  }

  /** Closures are made per async call, not per cell: idle actors stay small. */
  private await(r: Promise<S>): void {
    r.then(
      (next) => this.onSettled(next),
      (err) => this.onRejected(err),
    );
  }

  private onSettled(next: S): void {
    if (this.flags & (DEAD | TERMINATING)) return;
    this.state = next;
    this.flags &= ~BUSY;
    if (this.flags & STOPPING) {
      this.terminate(this.stopReason);
      return;
    }
    this.resume();
  }

  private onRejected(err: unknown): void {
    if (this.flags & (DEAD | TERMINATING)) return;
    this.flags &= ~BUSY;
    this.crash(err, this.current);
  }

  private resume(): void {
    if ((this.flags & (SCHEDULED | DEAD | BUSY)) === 0 && this.wantsMore) {
      this.flags |= SCHEDULED;
      this.system.scheduler.schedule(this);
    }
  }

  private handleSystem(msg: SystemMessage): void {
    switch (msg.k) {
      case 'exit':
        this.onExitSignal(msg.from, msg.reason, msg.link);
        return;
      case 'down': {
        if (this.watching === null || !this.watching.delete(msg.monitor)) return;
        const handler = this.behavior.down;
        if (handler === undefined) {
          this.system.log.warn(
            { actor: String(this.ref), behavior: this.behavior.name, monitor: msg.monitor },
            'down message with no down handler: ignored',
          );
          return;
        }
        const down: Down = {
          type: 'down',
          monitor: msg.monitor,
          ref: msg.from,
          reason: msg.reason,
        };
        this.invoke(() => handler.call(this.behavior, this.state, down, this), down);
        return;
      }
      default:
        this.bookkeep(msg);
    }
  }

  private bookkeep(msg: SystemMessage): void {
    switch (msg.k) {
      case 'link':
        (this.links ??= new SmallMap()).set(msg.from.key, msg.from);
        this.system.trackRemote(this, msg.from);
        return;
      case 'unlink':
        this.links?.delete(msg.from.key);
        return;
      case 'monitor':
        (this.watchers ??= new SmallMap()).set(msg.monitor, msg.from);
        this.system.trackRemote(this, msg.from);
        return;
      case 'demonitor':
        this.watchers?.delete(msg.monitor);
        return;
    }
  }

  /** OTP's rules for an incoming exit signal. */
  private onExitSignal(from: AnyRef, reason: ExitReason, link: boolean): void {
    if (link && this.links !== null && !this.links.delete(from.key)) {
      // A link signal from an actor we already unlinked: dropped, as in Erlang.
      return;
    }
    if (reason === 'kill' && !link) {
      this.die('killed');
      return;
    }
    if (this.flags & TRAP_EXIT) {
      // Like gen_server: an exit from the parent stops a trapping actor (running terminate).
      if (this.parent !== null && from.equals(this.parent)) {
        this.terminate(reason);
        return;
      }
      const handler = this.behavior.exit;
      const exit: ExitMessage = { type: 'exit', from, reason };
      if (handler === undefined) {
        this.system.log.warn(
          {
            actor: String(this.ref),
            behavior: this.behavior.name,
            from: String(from),
            reason: formatReason(reason),
          },
          'trapped exit with no exit handler: ignored',
        );
        return;
      }
      this.invoke(() => handler.call(this.behavior, this.state, exit, this), exit);
      return;
    }
    // OTP: a `normal` signal is ignored, unless an actor sends it to itself (exit(self(), normal)).
    if (reason === 'normal' && !from.equals(this.ref)) return;
    this.die(reason);
  }

  private invoke(call: () => S | Promise<S>, what: unknown): void {
    this.current = what;
    try {
      const r = call();
      if (r instanceof Promise) {
        this.flags |= BUSY;
        this.await(r);
        return;
      }
      this.state = r;
    } catch (err) {
      this.crash(err, what);
      return;
    }
    if (this.flags & STOPPING) this.terminate(this.stopReason);
  }

  // ---- dying ------------------------------------------------------------------

  crash(err: unknown, msg: unknown): void {
    if (this.flags & (DEAD | TERMINATING)) return;
    const reason = errorReason(err);
    this.system.crashReport(this, reason, msg);
    this.terminate(reason);
  }

  /** Runs `terminate` (awaiting it when async), then dies. */
  terminate(reason: ExitReason): void {
    if (this.flags & (DEAD | TERMINATING)) return;
    this.flags |= TERMINATING;
    const t = this.behavior.terminate;
    if (t !== undefined && reason !== 'killed') {
      try {
        const r = t.call(this.behavior, this.state, reason, this);
        if (r instanceof Promise) {
          this.flags |= BUSY;
          r.then(
            () => this.die(reason),
            (err) => {
              this.system.log.error(
                { actor: String(this.ref), err: errorReason(err) },
                'terminate failed',
              );
              this.die(reason);
            },
          );
          return;
        }
      } catch (err) {
        this.system.log.error(
          { actor: String(this.ref), err: errorReason(err) },
          'terminate failed',
        );
      }
    }
    this.die(reason);
  }

  /** Releases everything and tells links and watchers. Idempotent. */
  die(reason: ExitReason): void {
    if (this.flags & DEAD) return;
    this.flags = (this.flags | DEAD) & ~(SCHEDULED | BUSY | STOPPING);
    const ref = this.ref;
    if (this.timers !== null) {
      for (const handle of this.timers.values()) this.system.clock.clearTimer(handle);
      this.timers = null;
    }
    this.system.release(this);
    const left = this.depth;
    if (left > 0) this.system.deadLetter(ref, this.q![this.qh], 'exited_with_mailbox', left);
    this.q = null;
    this.qn = 0;
    this.sys = null;
    const propagated = reason === 'kill' ? 'killed' : reason;
    if (this.links !== null) {
      for (const to of this.links.values()) {
        this.system.deliverSystem(to, { k: 'exit', from: ref, reason: propagated, link: true });
      }
      this.links = null;
    }
    if (this.watchers !== null) {
      for (const [monitor, watcher] of this.watchers) {
        this.system.deliverSystem(watcher, { k: 'down', monitor, from: ref, reason: propagated });
      }
      this.watchers = null;
    }
    if (this.watching !== null) {
      for (const [monitor, to] of this.watching)
        this.system.deliverSystem(to, { k: 'demonitor', monitor });
      this.watching = null;
    }
    this.system.afterDeath(this, propagated);
  }

  /** The node `node` is gone: every link and monitor to it fires `noconnection`. */
  nodeDown(node: string): void {
    if (this.flags & DEAD) return;
    if (this.watching !== null) {
      for (const [monitor, to] of this.watching) {
        if (to.node === node)
          this.enqueueSystem({ k: 'down', monitor, from: to, reason: 'noconnection' });
      }
    }
    if (this.watchers !== null) {
      for (const [monitor, w] of this.watchers) if (w.node === node) this.watchers.delete(monitor);
    }
    if (this.links !== null) {
      for (const to of this.links.values()) {
        if (to.node === node)
          this.enqueueSystem({ k: 'exit', from: to, reason: 'noconnection', link: true });
      }
    }
  }

  /** Refs this actor is linked to (for inspection and supervisors). */
  linkedRefs(): AnyRef[] {
    return this.links === null ? [] : [...this.links.values()];
  }

  describe(): CellInfo {
    return describeCell(this);
  }

  toString(): string {
    return `${this.ref}${this.name ? `(${this.name})` : ''} ${quote(this.behavior.name ?? 'anonymous')}`;
  }
}
