/**
 * The public surface of Parley's actor runtime. Outside `runtime/`, import
 * only from here (tests may also use `runtime/testing/index.ts`).
 */

export type {
  ActorContext,
  Awaitable,
  Behavior,
  Down,
  ExitMessage,
  MailboxOptions,
  SpawnOptions,
  TimerRef,
} from './behavior.ts';
export { DEFAULT_MAILBOX, Overflow } from './behavior.ts';
export type { Cell } from './cell.ts';
export { type Clock, monotonicMs, sleep, systemClock, type TimerHandle } from './clock.ts';
export { Codec } from './codec.ts';
export type { DeadLetterReason } from './dead-letters.ts';
export { ErrorCode, ParleyError, quote } from './errors.ts';
export {
  type ErrorReason,
  type ExitReason,
  errorReason,
  formatReason,
  isNormalExit,
} from './exit-reason.ts';
export { InProcessNetwork, InProcessTransport } from './in-process-transport.ts';
export { SmallMap } from './internal/small-map.ts';
export { SmallSet } from './internal/small-set.ts';
export { type Random, seededRandom, systemRandom } from './random.ts';
export { type AnyRef, type MonitorRef, Ref } from './ref.ts';
export {
  FairScheduler,
  type FairSchedulerOptions,
  type Runnable,
  type Scheduler,
} from './scheduler.ts';
export * from './supervisor/index.ts';
export {
  ActorSystem,
  type ActorSystemOptions,
  AskTimeoutError,
  DEFAULT_ASK_TIMEOUT_MS,
  NameTakenError,
  NodeDownError,
  NoProcError,
} from './system.ts';
export { MailboxFullError } from './system-message.ts';
export { FrameTooLargeError, type Transport, type TransportHandler } from './transport.ts';
