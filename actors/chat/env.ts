/**
 * What the chat's actors are given: the store, the directory of virtual
 * actors, and their tunables. Plain dependencies, no globals.
 */
import type { Store } from '../../store/index.ts';
import type { PushNotifier } from '../push/index.ts';
import type { Directory } from '../virtual/index.ts';

export interface ChatConfig {
  /**
   * A forward not confirmed after this long is sent again; the timeout
   * doubles with each resend without progress, up to `resendMaxMs`, plus
   * `resendPerItemMs` per message pending to the recipient (`outbound.ts`).
   */
  readonly resendIntervalMs: number;
  readonly resendMaxMs: number;
  readonly resendPerItemMs: number;
  /** How often an actor looks at resends, cursors and idleness. */
  readonly tickMs: number;
  /** Cursors and cleared pending marks are written at most this often (and when the actor goes quiet or stops). */
  readonly cursorFlushMs: number;
  /** An actor with no message for this long is quiet: it writes what it keeps lazily, clears its wake mark and drops its caches. */
  readonly quietMs: number;
  /** An actor with no sessions and nothing pending passivates after this long idle. */
  readonly idlePassivateMs: number;
  /** Inbox entries read per store call while replaying to a device. */
  readonly replayBatch: number;
  /** Forwards resent per recipient per tick, at most. */
  readonly resendBatch: number;
}

export const DEFAULT_CHAT_CONFIG: ChatConfig = {
  resendIntervalMs: 2000,
  resendMaxMs: 16_000,
  resendPerItemMs: 2,
  tickMs: 1000,
  cursorFlushMs: 5000,
  quietMs: 10_000,
  idlePassivateMs: 60_000,
  replayBatch: 500,
  resendBatch: 200,
};

export interface ChatEnv {
  readonly store: Store;
  readonly directory: Directory;
  readonly config: ChatConfig;
  /** Told of each message stored for a user with no connected device (push notifications); none: no pushes. */
  readonly push?: PushNotifier;
}
