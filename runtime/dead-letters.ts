/**
 * Dead letters: messages that reached no actor (dead or unknown target, full
 * mailbox, lost node, a late ask reply, a ref of an earlier start of this
 * node). Every one is counted; they are logged at `warn`, at most `perSecond`
 * lines a second, the next line saying how many were suppressed, so overload
 * cannot flood the log and nothing is silent.
 */
import type { Logger } from 'pino';
import type { Clock } from './clock.ts';
import { quote } from './errors.ts';

export type DeadLetterReason =
  | 'dead'
  | 'mailbox_full'
  | 'exited_with_mailbox'
  | 'noconnection'
  | 'no_such_name'
  | 'late_reply'
  /** Addressed to an actor of another incarnation (`creation`) of this node. */
  | 'stale_incarnation'
  /** A virtual actor's activator held more than its bound for one key or in total. */
  | 'held_overflow'
  /** A routed message for a key of no known virtual actor kind. */
  | 'unknown_kind'
  /** Held by an activator that stopped before it could route them. */
  | 'held_at_stop';

export class DeadLetters {
  /** Total dead letters since start, by reason. */
  readonly counts: Record<DeadLetterReason, number> = {
    dead: 0,
    mailbox_full: 0,
    exited_with_mailbox: 0,
    noconnection: 0,
    no_such_name: 0,
    late_reply: 0,
    stale_incarnation: 0,
    held_overflow: 0,
    unknown_kind: 0,
    held_at_stop: 0,
  };
  total = 0;
  private windowStartMs = 0;
  private loggedInWindow = 0;
  private suppressed = 0;

  constructor(
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly perSecond = 10,
  ) {}

  record(to: string, msg: unknown, reason: DeadLetterReason, count = 1): void {
    this.counts[reason] += count;
    this.total += count;
    const now = this.clock.now();
    if (now - this.windowStartMs >= 1000) {
      this.windowStartMs = now;
      this.loggedInWindow = 0;
    }
    if (this.loggedInWindow >= this.perSecond) {
      this.suppressed += count;
      return;
    }
    this.loggedInWindow++;
    const suppressed = this.suppressed;
    this.suppressed = 0;
    this.log.warn(
      { to, reason, count, message: quote(msg), ...(suppressed > 0 ? { suppressed } : {}) },
      'dead letter',
    );
  }
}
