/**
 * The typed behavior API: what an actor is, and what it can do while it
 * handles a message.
 *
 * An actor is a `Behavior<M, S>`: `init` makes the state, `receive` handles
 * one message and returns the next state (or a promise of it: the next
 * message waits until it settles). `down` and `exit` handle system messages
 * (monitor notifications, trapped exit signals), which are delivered ahead of
 * ordinary messages. `terminate` runs once when the actor stops for any
 * reason but `killed`.
 */
import type { Logger } from 'pino';
import type { Clock } from './clock.ts';
import type { ExitReason } from './exit-reason.ts';
import type { Random } from './random.ts';
import type { AnyRef, MonitorRef, Ref } from './ref.ts';

/** Sent to a watcher, once, when the monitored actor is gone. */
export interface Down {
  readonly type: 'down';
  readonly monitor: MonitorRef;
  readonly ref: AnyRef;
  readonly reason: ExitReason;
}

/** A trapped exit signal. */
export interface ExitMessage {
  readonly type: 'exit';
  readonly from: AnyRef;
  readonly reason: ExitReason;
}

export type Awaitable<T> = T | Promise<T>;

export interface Behavior<M, S = undefined> {
  /** Names the behavior in crash reports and the supervision tree. */
  readonly name?: string;
  init?(ctx: ActorContext<M>): Awaitable<S>;
  receive(state: S, msg: M, ctx: ActorContext<M>): Awaitable<S>;
  down?(state: S, down: Down, ctx: ActorContext<M>): Awaitable<S>;
  exit?(state: S, exit: ExitMessage, ctx: ActorContext<M>): Awaitable<S>;
  terminate?(state: S, reason: ExitReason, ctx: ActorContext<M>): Awaitable<void>;
}

/** What happens to a message that arrives at a full mailbox. */
export const Overflow = {
  /** The new message is dropped and counted as a dead letter. */
  DropNewest: 'drop_newest',
  /** A local sender's `send` throws `MailboxFullError`; a remote one's message is dropped as a dead letter. */
  FailSender: 'fail_sender',
  /** The actor crashes with reason `mailbox_overflow`. */
  Crash: 'crash',
} as const;
export type Overflow = (typeof Overflow)[keyof typeof Overflow];

export interface MailboxOptions {
  /** Most user messages waiting; default 65,536. */
  readonly capacity: number;
  readonly overflow: Overflow;
}

export const DEFAULT_MAILBOX: MailboxOptions = { capacity: 65_536, overflow: Overflow.DropNewest };

export interface SpawnOptions {
  /** Registers the actor under this name; the name dies with it. */
  readonly name?: string;
  readonly mailbox?: Partial<MailboxOptions>;
  readonly trapExit?: boolean;
}

export interface TimerRef {
  readonly __timerRef: unique symbol;
}

/** The actor's view of itself and the runtime while it handles a message. */
export interface ActorContext<M> {
  readonly self: Ref<M>;
  readonly node: string;
  readonly clock: Clock;
  readonly random: Random;
  /** The node's logger. */
  readonly log: Logger;
  send<T>(to: Ref<T>, msg: T): void;
  ask<T, R>(to: Ref<T>, make: (replyTo: Ref<R>) => T, timeoutMs?: number): Promise<R>;
  spawn<T, S2>(behavior: Behavior<T, S2>, options?: SpawnOptions): Ref<T>;
  spawnLink<T, S2>(behavior: Behavior<T, S2>, options?: SpawnOptions): Ref<T>;
  link(to: AnyRef): void;
  unlink(to: AnyRef): void;
  monitor(to: AnyRef): MonitorRef;
  /** Removes the monitor; no `down` for it is delivered after this. */
  demonitor(monitor: MonitorRef): void;
  trapExit(on: boolean): void;
  /** Sends an exit signal to `to` (`'kill'` cannot be trapped). */
  exit(to: AnyRef, reason: ExitReason): void;
  /** Stops this actor after the current message, with `reason` (default `normal`). */
  stop(reason?: ExitReason): void;
  /** Whether the local actor `ref` is alive (false for remote refs). */
  isAlive(ref: AnyRef): boolean;
  /** Resolves with the exit reason of the local actor `ref` once it is dead (`noproc` if it already is). */
  awaitExit(ref: AnyRef): Promise<ExitReason>;
  /** Sends `msg` to self after `delayMs`; cancelled when the actor stops. */
  sendAfter(delayMs: number, msg: M): TimerRef;
  cancelTimer(timer: TimerRef): void;
  /** The message being handled (for crash reports and replies). */
  readonly current: unknown;
  /**
   * Takes the user messages waiting at the head of the mailbox while
   * `accept` holds, at most `max`, in arrival order: the caller handles them
   * with the current one (one store write for a burst). Takes nothing while
   * a system message waits, so a `down` or trapped exit is never overtaken.
   */
  takeWhile<T extends M>(accept: (msg: M) => msg is T, max: number): T[];
}
