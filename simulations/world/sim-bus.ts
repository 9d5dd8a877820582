/**
 * A simulated NATS: one server, a connection per node, on the run's virtual
 * clock. It offers the part of a NATS connection the cluster uses
 * (`NatsLike`: publish, subscribe, request with "no responders", flush,
 * status events), so the production transport and membership run on it
 * unchanged.
 *
 * What it guarantees, as core NATS: messages from one connection to one
 * subscriber arrive in publish order (per-pair FIFO: a later message is
 * never delivered before an earlier one, whatever latency each drew), at
 * most once... unless the scenario asks for duplicates, which the transport's
 * link numbering must catch. Faults:
 * - `cut(from, to)`: messages from `from`'s node to `to`'s are lost (one
 *   direction; cut both for a symmetric partition). Interest across a cut is
 *   invisible, as across a broken route: a request finds "no responders".
 * - `detach(node)`: the node's connection is cut off from the server: status
 *   `disconnect`, everything it publishes meanwhile is lost, nothing reaches
 *   it; `reattach` gives `reconnect` (subscriptions are kept, as the client
 *   resubscribes).
 * - `dropRate` / `duplicateRate` between different nodes (link loss).
 * - a killed connection (a crashed process) loses its interest at once.
 * Messages in flight when a cut or detach happens are lost at delivery.
 */
import type { NatsLike } from '../../cluster/index.ts';
import type { Clock, Random } from '../../runtime/index.ts';
import type { Sampler } from './distributions.ts';
import type { Trace } from './trace.ts';

const MAX_PAYLOAD = 1024 * 1024;

interface Sub {
  readonly conn: SimNatsConnection;
  readonly sid: number;
  readonly subject: string;
  readonly callback: (err: Error | null, msg: SimMsg) => void;
  closed: boolean;
}

export interface SimMsg {
  readonly subject: string;
  readonly sid: number;
  readonly reply?: string;
  readonly data: Uint8Array;
  respond(data?: Uint8Array): boolean;
}

export interface BusStats {
  published: number;
  delivered: number;
  dropped: number;
  duplicated: number;
}

/** An error shaped as nats.js's (`code` '503' is "no responders"). */
class BusError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class SimBus {
  private readonly subs = new Map<string, Sub[]>();
  private readonly cuts = new Set<string>();
  private readonly lastAt = new Map<string, number>();
  private nextConn = 0;
  private nextSid = 0;
  private nextInbox = 0;
  dropRate: number;
  duplicateRate: number;
  readonly stats: BusStats = { published: 0, delivered: 0, dropped: 0, duplicated: 0 };

  constructor(
    private readonly clock: Clock,
    private readonly random: Random,
    readonly latency: Sampler,
    private readonly trace: Trace,
    options: { dropRate: number; duplicateRate: number },
  ) {
    this.dropRate = options.dropRate;
    this.duplicateRate = options.duplicateRate;
  }

  /** A new connection for `node` (a new process start gets a new one). */
  connect(node: string): SimNatsConnection {
    return new SimNatsConnection(this, node, this.nextConn++);
  }

  cut(from: string, to: string): void {
    this.cuts.add(`${from}>${to}`);
  }

  restore(from: string, to: string): void {
    this.cuts.delete(`${from}>${to}`);
  }

  restoreAll(): void {
    this.cuts.clear();
  }

  /** Whether a message from `a`'s node can reach `b`'s now. */
  canReach(a: SimNatsConnection, b: SimNatsConnection): boolean {
    return a.attached && b.attached && !b.closed && !this.cuts.has(`${a.node}>${b.node}`);
  }

  // ---- used by connections -------------------------------------------------------

  subscribe(sub: Sub): void {
    let list = this.subs.get(sub.subject);
    if (list === undefined) this.subs.set(sub.subject, (list = []));
    list.push(sub);
  }

  unsubscribe(sub: Sub): void {
    sub.closed = true;
    const list = this.subs.get(sub.subject);
    if (list === undefined) return;
    const i = list.indexOf(sub);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.subs.delete(sub.subject);
  }

  sid(): number {
    return ++this.nextSid;
  }

  inbox(conn: SimNatsConnection): string {
    return `_INBOX.${conn.id}.${++this.nextInbox}`;
  }

  publish(from: SimNatsConnection, subject: string, data: Uint8Array, reply?: string): void {
    this.stats.published++;
    if (!from.attached || from.closed) {
      this.stats.dropped++;
      return;
    }
    const list = this.subs.get(subject);
    if (list === undefined) return;
    for (const sub of list) this.route(from, sub, subject, data, reply);
  }

  /** Subscribers of `subject` that a message from `from` can reach now. */
  reachable(from: SimNatsConnection, subject: string): number {
    let n = 0;
    for (const sub of this.subs.get(subject) ?? []) if (this.canReach(from, sub.conn)) n++;
    return n;
  }

  private route(
    from: SimNatsConnection,
    sub: Sub,
    subject: string,
    data: Uint8Array,
    reply: string | undefined,
  ): void {
    const to = sub.conn;
    const remote = to.node !== from.node;
    if (remote && this.dropRate > 0 && this.random.next() < this.dropRate) {
      this.stats.dropped++;
      return;
    }
    const copies =
      remote && this.duplicateRate > 0 && this.random.next() < this.duplicateRate ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    const pair = `${from.id}>${to.id}`;
    const now = this.clock.now();
    const at = Math.max(this.lastAt.get(pair) ?? 0, now + this.latency());
    this.lastAt.set(pair, at);
    const bytes = data.slice();
    for (let c = 0; c < copies; c++) {
      this.clock.setTimer(at - now, () => {
        if (sub.closed || !this.canReach(from, to)) {
          this.stats.dropped++;
          return;
        }
        this.stats.delivered++;
        this.trace.add(`b${from.node}>${to.node}:${subject}:${bytes.length}`);
        const msg: SimMsg = {
          subject,
          sid: sub.sid,
          ...(reply !== undefined ? { reply } : {}),
          data: bytes,
          respond: (answer?: Uint8Array) => {
            if (reply === undefined) return false;
            to.publish(reply, answer ?? new Uint8Array(0));
            return true;
          },
        };
        sub.callback(null, msg);
      });
    }
  }

  noResponders(subject: string): Error {
    return new BusError('503', `no responders for ${subject}`);
  }

  timeout(subject: string): Error {
    return new BusError('TIMEOUT', `request to ${subject} timed out`);
  }

  get clockRef(): Clock {
    return this.clock;
  }
}

type StatusEvent = { readonly type: string; readonly data: string };

/** The `status()` stream of a connection: an async iterator over pushed events. */
class StatusStream implements AsyncIterableIterator<StatusEvent> {
  private readonly queue: StatusEvent[] = [];
  private waiting: ((r: IteratorResult<StatusEvent>) => void) | undefined;
  private ended = false;

  push(e: StatusEvent): void {
    if (this.ended) return;
    const w = this.waiting;
    if (w !== undefined) {
      this.waiting = undefined;
      w({ value: e, done: false });
    } else this.queue.push(e);
  }

  end(): void {
    this.ended = true;
    const w = this.waiting;
    this.waiting = undefined;
    w?.({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<StatusEvent>> {
    const e = this.queue.shift();
    if (e !== undefined) return Promise.resolve({ value: e, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<StatusEvent> {
    return this;
  }
}

/** One node's connection to the simulated server. */
export class SimNatsConnection {
  attached = true;
  closed = false;
  readonly info = { max_payload: MAX_PAYLOAD };
  private readonly mySubs = new Set<Sub>();
  private readonly streams = new Set<StatusStream>();
  private pendingFlush: (() => void)[] = [];

  constructor(
    private readonly bus: SimBus,
    readonly node: string,
    readonly id: number,
  ) {}

  /** This connection as the cluster code types it. */
  get nats(): NatsLike {
    return this as unknown as NatsLike;
  }

  publish(subject: string, data?: Uint8Array, opts?: { reply?: string }): void {
    if (this.closed) throw new BusError('CONNECTION_CLOSED', 'connection closed');
    this.bus.publish(this, subject, data ?? new Uint8Array(0), opts?.reply);
  }

  subscribe(
    subject: string,
    opts: { callback: (err: Error | null, msg: SimMsg) => void },
  ): { unsubscribe(): void; getSubject(): string } {
    const sub: Sub = {
      conn: this,
      sid: this.bus.sid(),
      subject,
      callback: opts.callback,
      closed: false,
    };
    this.mySubs.add(sub);
    this.bus.subscribe(sub);
    return {
      unsubscribe: () => {
        this.mySubs.delete(sub);
        this.bus.unsubscribe(sub);
      },
      getSubject: () => subject,
    };
  }

  request(subject: string, data?: Uint8Array, opts?: { timeout?: number }): Promise<SimMsg> {
    const clock = this.bus.clockRef;
    const timeoutMs = opts?.timeout ?? 1000;
    return new Promise<SimMsg>((resolve, reject) => {
      if (this.closed) {
        reject(new BusError('CONNECTION_CLOSED', 'connection closed'));
        return;
      }
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clock.clearTimer(timer);
        sub.unsubscribe();
        fn();
      };
      const inbox = this.bus.inbox(this);
      const sub = this.subscribe(inbox, { callback: (_err, msg) => settle(() => resolve(msg)) });
      const timer = clock.setTimer(timeoutMs, () =>
        settle(() => reject(this.bus.timeout(subject))),
      );
      if (this.attached && this.bus.reachable(this, subject) === 0) {
        // The server answers at once that nobody is interested (after a round trip).
        clock.setTimer(this.bus.latency() * 2, () =>
          settle(() => reject(this.bus.noResponders(subject))),
        );
        return;
      }
      this.bus.publish(this, subject, data ?? new Uint8Array(0), inbox);
    });
  }

  flush(): Promise<void> {
    if (this.closed) return Promise.reject(new BusError('CONNECTION_CLOSED', 'connection closed'));
    return new Promise((resolve) => {
      if (!this.attached) {
        this.pendingFlush.push(resolve);
        return;
      }
      this.bus.clockRef.setTimer(this.bus.latency() * 2, resolve);
    });
  }

  isClosed(): boolean {
    return this.closed;
  }

  status(): AsyncIterableIterator<StatusEvent> {
    const s = new StatusStream();
    if (this.closed) s.end();
    else this.streams.add(s);
    return s;
  }

  async close(): Promise<void> {
    this.kill();
  }

  async drain(): Promise<void> {
    this.kill();
  }

  /** The process died: interest gone at once, nothing more in or out. */
  kill(): void {
    if (this.closed) return;
    this.closed = true;
    for (const sub of this.mySubs) this.bus.unsubscribe(sub);
    this.mySubs.clear();
    for (const s of this.streams) s.end();
    this.streams.clear();
    this.pendingFlush = [];
  }

  /** Cut off from the server (a network fault between this node and NATS). */
  detach(): void {
    if (!this.attached || this.closed) return;
    this.attached = false;
    for (const s of this.streams) {
      s.push({ type: 'disconnect', data: 'sim' });
      s.push({ type: 'reconnecting', data: 'sim' });
    }
  }

  reattach(): void {
    if (this.attached || this.closed) return;
    this.attached = true;
    for (const s of this.streams) s.push({ type: 'reconnect', data: 'sim' });
    const waiting = this.pendingFlush;
    this.pendingFlush = [];
    for (const resolve of waiting) this.bus.clockRef.setTimer(this.bus.latency() * 2, resolve);
  }
}
