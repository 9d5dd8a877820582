/**
 * A node as `bin/parley.ts` runs it: single or cluster member, with one way
 * to stop it and one promise for when it has finished.
 */

/** A setting that points at something unreachable: the operator's one line, exit code 2. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

export interface RunningNode {
  readonly node: string;
  readonly port: number;
  /** The MQTT listener's port; undefined when `PARLEY_MQTT_PORT` is unset. */
  readonly mqttPort: number | undefined;
  /** 0 when the admin API could not be started (single node only). */
  readonly adminPort: number;
  /** Sends clients away, hands actors off (cluster), leaves, closes everything. */
  stop(reason: string): Promise<void>;
  /** Resolves when the node has finished (drained and left, or stopped). */
  readonly finished: Promise<void>;
}
