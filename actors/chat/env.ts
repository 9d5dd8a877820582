/**
 * What the chat's actors are given: the store, the directory of virtual
 * actors, and their tunables. Plain dependencies, no globals.
 */
import type { Store } from '../../store/index.ts';
import type { Directory } from '../virtual/index.ts';

export interface ChatConfig {
  /** A forward not confirmed after this long is sent again. */
  readonly resendIntervalMs: number;
  /** How often an actor looks at resends, cursors and idleness. */
  readonly tickMs: number;
  /** An actor with no sessions and nothing pending passivates after this long idle. */
  readonly idlePassivateMs: number;
  /** Inbox entries read per store call while replaying to a device. */
  readonly replayBatch: number;
  /** Forwards resent per recipient per tick, at most. */
  readonly resendBatch: number;
}

export const DEFAULT_CHAT_CONFIG: ChatConfig = {
  resendIntervalMs: 2000,
  tickMs: 1000,
  idlePassivateMs: 60_000,
  replayBatch: 500,
  resendBatch: 200,
};

export interface ChatEnv {
  readonly store: Store;
  readonly directory: Directory;
  readonly config: ChatConfig;
}
