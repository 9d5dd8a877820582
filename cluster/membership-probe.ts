/**
 * Probing suspects through NATS, for fast crash detection: a node whose NATS
 * connection is gone (killed, crashed, its socket closed) has no subscription
 * on the server any more, so a request to a subject only it serves is
 * answered at once by the server with "no responders" (503).
 *
 * Each node serves `<prefix>.probe.<hex of its name>` (answering an empty
 * reply). `probe(suspects)` sends one request per suspect (at most one in
 * flight per node, and at most one per `intervalMs`); only a 503 is
 * reported, through `onUnreachable(node, creation)`, and the core decides
 * (`MembershipCore.unreachable`: only a still-suspect incarnation, only while
 * we judge normally). A reply or a timeout reports nothing: a live node that
 * is merely slow still holds its subscription.
 *
 * Never while our own connection is down or reconnecting: no probe is sent
 * then, and an answer is dropped if a disconnect or reconnect happened since
 * its request went out, and for `quietMs` after our reconnect nothing is
 * probed (after a NATS restart, we may be back before the others'
 * subscriptions are). This class does not own `nc`.
 */
import { ErrorCode as NatsErrorCode, type Subscription } from 'nats';
import type { Logger } from 'pino';
import type { Clock } from '../runtime/index.ts';
import type { NatsLike } from './nats-like.ts';

export interface ProbeStats {
  probesSent: number;
  /** Probes answered "no responders" (reported to the core, which may ignore them). */
  probesUnreachable: number;
}

const EMPTY = new Uint8Array(0);

function hex(name: string): string {
  return Buffer.from(name, 'utf8').toString('hex');
}

export class SuspectProber {
  readonly stats: ProbeStats = { probesSent: 0, probesUnreachable: 0 };
  private readonly inFlight = new Set<string>();
  private readonly lastSentMs = new Map<string, number>();
  private sub: Subscription | undefined;
  private connected = true;
  /** Grows on every disconnect and reconnect of our own connection. */
  private epoch = 0;
  private closed = false;
  /** No probes until then: after our reconnect, the others may not have resubscribed yet. */
  private quietUntilMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly nc: NatsLike,
    private readonly prefix: string,
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    private readonly quietMs: number,
    private readonly log: Logger,
    private readonly onUnreachable: (node: string, creation: number) => void,
  ) {}

  /** Serves our own probe subject and follows our connection's state. */
  start(self: string): void {
    this.sub = this.nc.subscribe(this.subjectOf(self), {
      callback: (err, msg) => {
        if (!err) msg.respond(EMPTY);
      },
    });
    void this.watchStatus();
  }

  /** Sends a probe to every suspect not probed within `intervalMs` and not in flight. */
  probe(suspects: readonly { node: string; creation: number }[]): void {
    if (this.closed || !this.connected || this.nc.isClosed()) return;
    const now = this.clock.now();
    if (now < this.quietUntilMs) return;
    for (const { node, creation } of suspects) {
      if (this.inFlight.has(node)) continue;
      if (now - (this.lastSentMs.get(node) ?? Number.NEGATIVE_INFINITY) < this.intervalMs) continue;
      this.inFlight.add(node);
      this.lastSentMs.set(node, now);
      this.stats.probesSent++;
      const epoch = this.epoch;
      this.nc
        .request(this.subjectOf(node), EMPTY, { timeout: this.timeoutMs })
        .then(
          () => {},
          (err: { code?: string }) => {
            if (err?.code !== NatsErrorCode.NoResponders) return;
            if (this.closed || !this.connected || epoch !== this.epoch) return;
            this.stats.probesUnreachable++;
            this.onUnreachable(node, creation);
          },
        )
        .finally(() => this.inFlight.delete(node));
    }
    if (this.lastSentMs.size > 4 * (suspects.length + 16)) {
      const keep = new Set(suspects.map((s) => s.node));
      for (const node of this.lastSentMs.keys()) if (!keep.has(node)) this.lastSentMs.delete(node);
    }
  }

  close(): void {
    this.closed = true;
    try {
      this.sub?.unsubscribe();
    } catch {
      // The connection is closed already.
    }
    this.sub = undefined;
  }

  private subjectOf(node: string): string {
    return `${this.prefix}.probe.${hex(node)}`;
  }

  private async watchStatus(): Promise<void> {
    try {
      for await (const s of this.nc.status()) {
        if (this.closed) return;
        const type = String(s.type);
        if (type === 'disconnect' || type === 'reconnecting') {
          if (this.connected || type === 'disconnect') this.epoch++;
          this.connected = false;
        } else if (type === 'reconnect') {
          this.epoch++;
          this.connected = true;
          this.quietUntilMs = this.clock.now() + this.quietMs;
        }
      }
    } catch (err) {
      this.log.warn({ err }, 'membership probe: connection status stream ended');
    }
  }
}
