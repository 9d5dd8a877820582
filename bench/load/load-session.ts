/**
 * An open-loop 1:1 chat load on real WebSocket connections.
 *
 * `LoadSession.open` connects `users` clients (user `2k` and `2k+1` are
 * partners: each sends to the other). `run({ rate, durationS })` then sends
 * `rate` messages a second in total, message `k` due at `t0 + k/rate` and
 * from sender `k mod users`, whatever the replies do: latencies are measured
 * from that due time, so they include any queueing, on either side
 * (coordinated omission is not hidden). Per message it records
 * send→`sent` ack, send→the recipient's `message` (matched by id), and, when
 * recipients ack `delivered` like a real client, send→the receipt back at the
 * sender. After the schedule it drains until everything is answered or
 * `drainMs` passed.
 *
 * Bounds: at most `maxInFlight` unanswered messages (past it a due message is
 * not sent and counts as `client_shed`); each message gives up after
 * `timeoutMs` (counted as `timeout_sent`, `timeout_delivered`,
 * `timeout_receipt`); connecting is bounded by `connectConcurrency` and
 * `timeoutMs`.
 */
import { brief, Latency, type LatencySummary } from './histogram.ts';
import { type CpuShare, cpuMeter } from './proc.ts';
import { mapLimit, type TokenSource } from './tokens.ts';
import { type Conn, connect, type Encoding, type ServerFrame } from './ws-client.ts';

export interface SessionOptions {
  /** One node, or the nodes of a cluster: user `i` connects to `url[i % url.length]`. */
  readonly url: string | readonly string[];
  readonly tokens: TokenSource;
  /** Even: users are paired. */
  readonly users: number;
  /** User ids are `${prefix}${i}`; make it unique per run so ids never repeat. */
  readonly prefix: string;
  /**
   * Instead of `${prefix}${i}` and round-robin: user `i`'s id and the index
   * into `url` of the node it connects to (see `chat-placement.ts`).
   */
  readonly placement?: { readonly ids: readonly string[]; readonly node: readonly number[] };
  readonly bodyBytes: number;
  /** Recipients ack `delivered` on arrival, as the SDK does. */
  readonly ack: boolean;
  readonly timeoutMs: number;
  readonly maxInFlight: number;
  readonly connectConcurrency: number;
  /** Server pid, to report its CPU share (same machine only). */
  readonly serverPid?: number;
  /** One line per second while running; default: none. */
  readonly progress?: (line: string) => void;
  /** The clients' wire: JSON text frames (default) or `parley.v1.msgpack`. */
  readonly encoding?: Encoding;
}

export interface RunOptions {
  /** Messages per second, all senders together. */
  readonly rate: number;
  readonly durationS: number;
  /** Seconds at the same rate before measuring. */
  readonly warmupS?: number;
  /** How long to wait for stragglers after the schedule; default `timeoutMs`. */
  readonly drainMs?: number;
  /** A second phase right after the first (not in the measured window): another rate for a while. */
  readonly after?: { readonly rate: number; readonly durationS: number };
  /** Told every second how the last second went. */
  readonly onSecond?: (s: SecondStats) => void;
}

/** One second of a run, as `onSecond` gets it. */
export interface SecondStats {
  /** Seconds since the schedule started. */
  readonly atS: number;
  /** The rate due in this second. */
  readonly offeredPerS: number;
  readonly sentPerS: number;
  readonly deliveredPerS: number;
  readonly inFlight: number;
  readonly sendToSent: LatencySummary;
  readonly sendToDelivered: LatencySummary;
  readonly errors: Readonly<Record<string, number>>;
}

export interface RunResult {
  readonly rate: number;
  readonly users: number;
  readonly durationS: number;
  readonly perConnectionRate: number;
  /** Messages due in the measured window. */
  readonly offered: number;
  readonly sentAcks: number;
  readonly delivered: number;
  readonly receipts: number;
  /** `sent` acks received inside the measured window, per second. */
  readonly achievedSentPerS: number;
  readonly achievedDeliveredPerS: number;
  readonly sendToSent: LatencySummary;
  readonly sendToDelivered: LatencySummary;
  readonly sendToReceipt: LatencySummary;
  /** How late the generator itself sent, against the schedule: a busy client shows here. */
  readonly clientLag: LatencySummary;
  readonly errors: Record<string, number>;
  readonly inFlightMax: number;
  readonly drainedMs: number;
  /**
   * CPU over the measured window and the drain after it (so the work the
   * window's messages caused is in, whenever it ran), 1.0 = one core.
   */
  readonly clientCpu: number;
  readonly serverCpu?: CpuShare;
  /** Server CPU time per offered message in that span, µs: all threads, main thread. */
  readonly serverUsPerMsg?: { readonly total: number; readonly main: number };
  /**
   * Payload bytes per offered message in that span, all clients together:
   * `up` client→server (the message and its receipt), `down` server→client
   * (the message, its `sent` ack, the receipt back).
   */
  readonly wireBytesPerMsg: { readonly up: number; readonly down: number };
}

interface Pending {
  readonly dueMs: number;
  readonly sender: number;
  readonly measured: boolean;
  sent: boolean;
  delivered: boolean;
  receipt: boolean;
}

const TICK_MS = 1;

export class LoadSession {
  private conns: Conn[] = [];
  /** User `i`'s id. */
  private ids: readonly string[] = [];
  private readonly pending = new Map<string, Pending>();
  private readonly errors: Record<string, number> = {};
  private counter = 0;
  private readonly body: string;
  // Per run:
  private readonly sentLat = new Latency();
  private readonly deliveredLat = new Latency();
  private readonly receiptLat = new Latency();
  private readonly lag = new Latency();
  private readonly secSent = new Latency();
  private readonly secDelivered = new Latency();
  private windowStartMs = 0;
  private windowEndMs = 0;
  private inWindowSent = 0;
  private inWindowDelivered = 0;
  /** Answers to measured messages. */
  private counts = { sent: 0, delivered: 0, receipts: 0 };
  /** Answers to any message, for the progress line. */
  private readonly secCounts = { sent: 0, delivered: 0 };

  private constructor(private readonly options: SessionOptions) {
    this.body = 'x'.repeat(options.bodyBytes);
  }

  static async open(options: SessionOptions): Promise<LoadSession> {
    if (options.users < 2 || options.users % 2 !== 0)
      throw new Error(`users must be an even number >= 2, got ${options.users}`);
    const s = new LoadSession(options);
    const indexes = Array.from({ length: options.users }, (_, i) => i);
    const urls = typeof options.url === 'string' ? [options.url] : options.url;
    const placed = options.placement;
    if (placed !== undefined && placed.ids.length !== options.users)
      throw new Error(`placement has ${placed.ids.length} ids for ${options.users} users`);
    s.ids = placed?.ids ?? indexes.map((i) => `${options.prefix}${i}`);
    s.conns = await mapLimit(indexes, options.connectConcurrency, async (i) => {
      const user = s.ids[i]!;
      const url = urls[placed === undefined ? i % urls.length : placed.node[i]!];
      if (url === undefined)
        throw new Error(
          `user ${i} placed on node ${placed?.node[i]}, not among ${urls.length} URLs`,
        );
      return connect({
        url,
        token: await options.tokens(user, 'd'),
        user,
        device: 'd',
        timeoutMs: options.timeoutMs,
        ...(options.encoding !== undefined ? { encoding: options.encoding } : {}),
        onFrame: (frame, conn) => s.onFrame(i, frame, conn),
        onClose: (code) => s.count(`close_${code}`),
      });
    });
    return s;
  }

  get users(): number {
    return this.conns.length;
  }

  /** Payload bytes all clients wrote (`up`) and read (`down`) so far. */
  private wireBytes(): { up: number; down: number } {
    let up = 0;
    let down = 0;
    for (const c of this.conns) {
      up += c.bytesOut;
      down += c.bytesIn;
    }
    return { up, down };
  }

  async close(): Promise<void> {
    const closed = this.conns.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.ws.readyState === c.ws.CLOSED) return resolve();
          const t = setTimeout(() => {
            c.ws.terminate();
            resolve();
          }, 2000);
          c.ws.once('close', () => {
            clearTimeout(t);
            resolve();
          });
          c.close();
        }),
    );
    await Promise.all(closed);
  }

  private count(what: string, n = 1): void {
    this.errors[what] = (this.errors[what] ?? 0) + n;
  }

  private onFrame(index: number, frame: ServerFrame, conn: Conn): void {
    const now = performance.now();
    switch (frame.type) {
      case 'ack': {
        const p = this.pending.get(frame.id!);
        if (p === undefined || p.sender !== index) return;
        if (frame.status === 'sent') {
          if (p.sent) {
            this.count('duplicate_sent');
            return;
          }
          p.sent = true;
          this.secCounts.sent++;
          if (p.measured) this.counts.sent++;
          if (now >= this.windowStartMs && now <= this.windowEndMs) this.inWindowSent++;
          if (p.measured) this.sentLat.recordMs(now - p.dueMs);
          // Every message in the per-second figures (warm-up and a second phase too).
          this.secSent.recordMs(now - p.dueMs);
        } else if (frame.status === 'delivered') {
          if (p.receipt) return;
          p.receipt = true;
          if (p.measured) this.counts.receipts++;
          if (p.measured) this.receiptLat.recordMs(now - p.dueMs);
        }
        this.settle(frame.id!, p);
        return;
      }
      case 'message': {
        const id = frame.id!;
        if (this.options.ack) conn.sendAck(id, frame.from!);
        const p = this.pending.get(id);
        if (p === undefined) {
          this.count('late_or_unknown_message');
          return;
        }
        if (p.delivered) {
          this.count('duplicate_delivered');
          return;
        }
        p.delivered = true;
        this.secCounts.delivered++;
        if (p.measured) this.counts.delivered++;
        if (now >= this.windowStartMs && now <= this.windowEndMs) this.inWindowDelivered++;
        if (p.measured) this.deliveredLat.recordMs(now - p.dueMs);
        this.secDelivered.recordMs(now - p.dueMs);
        this.settle(id, p);
        return;
      }
      case 'error': {
        this.count(`error_${frame.code}`);
        const p = frame.id === undefined ? undefined : this.pending.get(frame.id);
        if (p !== undefined && p.sender === index) this.pending.delete(frame.id!);
        return;
      }
      default:
        return;
    }
  }

  private settle(id: string, p: Pending): void {
    if (p.sent && p.delivered && (p.receipt || !this.options.ack)) this.pending.delete(id);
  }

  /** Gives up on messages past their deadline; the map is in due order. */
  private expire(now: number): void {
    const timeoutMs = this.options.timeoutMs;
    for (const [id, p] of this.pending) {
      if (now - p.dueMs < timeoutMs) break;
      if (!p.sent) this.count('timeout_sent');
      if (!p.delivered) this.count('timeout_delivered');
      if (this.options.ack && !p.receipt) this.count('timeout_receipt');
      this.pending.delete(id);
    }
  }

  async run(run: RunOptions): Promise<RunResult> {
    const { rate, durationS } = run;
    const warmupS = run.warmupS ?? 0;
    const drainMs = run.drainMs ?? this.options.timeoutMs;
    const users = this.conns.length;
    const progress = this.options.progress;
    for (const l of [this.sentLat, this.deliveredLat, this.receiptLat, this.lag]) l.reset();
    this.counts = { sent: 0, delivered: 0, receipts: 0 };
    for (const k of Object.keys(this.errors)) delete this.errors[k];
    this.inWindowSent = 0;
    this.inWindowDelivered = 0;
    const perConnectionRate = rate / users;
    if (perConnectionRate > 90)
      progress?.(
        `warning: ${perConnectionRate.toFixed(0)} msgs/s per connection is near the server's 100 frames/s rate limit; use more --users`,
      );

    const firstCount = Math.round(rate * (warmupS + durationS));
    const total = firstCount + (run.after ? Math.round(run.after.rate * run.after.durationS) : 0);
    const warmupCount = Math.round(rate * warmupS);
    const intervalMs = 1000 / rate;
    const firstMs = (warmupS + durationS) * 1000;
    const thenIntervalMs = run.after ? 1000 / run.after.rate : intervalMs;
    const dueOf = (k: number) =>
      k < firstCount ? t0 + k * intervalMs : t0 + firstMs + (k - firstCount) * thenIntervalMs;
    const dueBy = (now: number) =>
      now - t0 < firstMs
        ? Math.min(firstCount, Math.floor((now - t0) / intervalMs) + 1)
        : Math.min(total, firstCount + Math.floor((now - t0 - firstMs) / thenIntervalMs) + 1);
    let clientCpu0: NodeJS.CpuUsage | undefined;
    let clientT0 = 0;
    let serverMeter: { stop(): CpuShare } | undefined;
    let clientCpu = 0;
    let serverCpu: CpuShare | undefined;
    let bytes0 = { up: 0, down: 0 };
    let wireBytes = { up: 0, down: 0 };
    const startMeters = () => {
      bytes0 = this.wireBytes();
      clientCpu0 = process.cpuUsage();
      clientT0 = performance.now();
      if (this.options.serverPid !== undefined) serverMeter = cpuMeter(this.options.serverPid);
    };
    const stopMeters = () => {
      const cpu = process.cpuUsage(clientCpu0);
      const wall = performance.now() - clientT0;
      clientCpu = Math.round(((cpu.user + cpu.system) / 1000 / wall) * 100) / 100;
      serverCpu = serverMeter?.stop();
      const now = this.wireBytes();
      wireBytes = { up: now.up - bytes0.up, down: now.down - bytes0.down };
    };
    const t0 = performance.now() + 20;
    this.windowStartMs = t0 + warmupS * 1000;
    this.windowEndMs = this.windowStartMs + durationS * 1000;
    let k = 0;
    let inFlightMax = 0;
    let offered = 0;
    let lastSecond = performance.now();
    let lastCounts = { ...this.secCounts };
    const everySecond = (now: number) => {
      if (now - lastSecond < 1000) return;
      const dt = (now - lastSecond) / 1000;
      this.expire(now);
      const offeredNow = k >= total ? 0 : k < firstCount ? rate : run.after!.rate;
      run.onSecond?.({
        atS: Math.round((now - t0) / 100) / 10,
        offeredPerS: offeredNow,
        sentPerS: Math.round((this.secCounts.sent - lastCounts.sent) / dt),
        deliveredPerS: Math.round((this.secCounts.delivered - lastCounts.delivered) / dt),
        inFlight: this.pending.size,
        sendToSent: this.secSent.summary(),
        sendToDelivered: this.secDelivered.summary(),
        errors: { ...this.errors },
      });
      progress?.(
        `${((now - t0) / 1000).toFixed(0)}s offered ${offeredNow}/s` +
          ` sent ${Math.round((this.secCounts.sent - lastCounts.sent) / dt)}/s` +
          ` delivered ${Math.round((this.secCounts.delivered - lastCounts.delivered) / dt)}/s` +
          ` inflight ${this.pending.size}` +
          ` | send→sent ${brief(this.secSent.summary())}` +
          ` | send→delivered ${brief(this.secDelivered.summary())}` +
          ` | errors ${JSON.stringify(this.errors)}`,
      );
      this.secSent.reset();
      this.secDelivered.reset();
      lastSecond = now;
      lastCounts = { ...this.secCounts };
    };
    const sendDue = () => {
      const now = performance.now();
      const due = dueBy(now);
      for (; k < due; k++) {
        if (k === warmupCount) startMeters();
        const dueMs = dueOf(k);
        const measured = k >= warmupCount && k < firstCount;
        if (measured) {
          offered++;
          this.lag.recordMs(now - dueMs);
        }
        if (this.pending.size >= this.options.maxInFlight) {
          this.count('client_shed');
          continue;
        }
        const sender = k % users;
        const conn = this.conns[sender]!;
        if (conn.ws.readyState !== conn.ws.OPEN) {
          this.count('client_not_open');
          continue;
        }
        const id = `${sender.toString(36)}.${(this.counter++).toString(36)}`;
        this.pending.set(id, {
          dueMs,
          sender,
          measured,
          sent: false,
          delivered: false,
          receipt: false,
        });
        conn.sendMessage(id, this.ids[sender ^ 1]!, this.body);
      }
      if (this.pending.size > inFlightMax) inFlightMax = this.pending.size;
      everySecond(now);
    };
    await new Promise<void>((resolve) => {
      const tick = () => {
        sendDue();
        if (k >= total) resolve();
        else setTimeout(tick, TICK_MS);
      };
      setTimeout(tick, Math.max(0, t0 - performance.now()));
    });
    const drainStart = performance.now();
    while (this.pending.size > 0 && performance.now() - drainStart < drainMs) {
      await new Promise((r) => setTimeout(r, 20));
      this.expire(performance.now());
      everySecond(performance.now());
    }
    const drainedMs = Math.round(performance.now() - drainStart);
    stopMeters();
    this.expire(Number.POSITIVE_INFINITY);
    return {
      rate,
      users,
      durationS,
      perConnectionRate: Math.round(perConnectionRate * 10) / 10,
      offered,
      sentAcks: this.counts.sent,
      delivered: this.counts.delivered,
      receipts: this.counts.receipts,
      achievedSentPerS: Math.round(this.inWindowSent / durationS),
      achievedDeliveredPerS: Math.round(this.inWindowDelivered / durationS),
      sendToSent: this.sentLat.summary(),
      sendToDelivered: this.deliveredLat.summary(),
      sendToReceipt: this.receiptLat.summary(),
      clientLag: this.lag.summary(),
      errors: { ...this.errors },
      inFlightMax,
      drainedMs,
      clientCpu,
      wireBytesPerMsg: {
        up: Math.round(wireBytes.up / Math.max(1, offered)),
        down: Math.round(wireBytes.down / Math.max(1, offered)),
      },
      ...(serverCpu !== undefined
        ? {
            serverCpu,
            serverUsPerMsg: {
              total: Math.round((serverCpu.totalMs * 1000) / Math.max(1, offered)),
              main: Math.round((serverCpu.mainMs * 1000) / Math.max(1, offered)),
            },
          }
        : {}),
    };
  }
}
