/**
 * Retrying a service start on fresh ports, and saying why it gave up.
 *
 * A port picked free can still be lost before the service binds it (another
 * test run starting at the same moment picked it too). `startOnFreshPorts`
 * picks ports, starts, and when the start throws a `PortClash` picks fresh
 * ports and tries again, up to `attempts` times. Any other error ends it at
 * once. The final error lists every attempt as
 * `attempt N on <ports>: <reason>`, followed by the details (log tails) of
 * the last one, so a failed run says exactly what happened, not just the end.
 */

/** A start that failed because one of its ports was taken; retried on fresh ones. */
export class PortClash extends Error {
  /** One line: why this attempt failed. */
  readonly reason: string;
  /** Lines after the reason in the final error (e.g. log tails). */
  readonly details: string;
  constructor(reason: string, details = '') {
    super(details ? `${reason}\n${details}` : reason);
    this.name = 'PortClash';
    this.reason = reason;
    this.details = details;
  }
}

export interface StartPlan<P, T> {
  /** What is started, for the error: `Cassandra 5.0.9`. */
  readonly what: string;
  /** At most this many attempts (>= 1). */
  readonly attempts: number;
  /** Ports for attempt `n` (1-based); a `PortClash` here counts as a failed attempt. */
  pick(attempt: number): Promise<P>;
  /** The ports in words: `native port 1, storage ports 2-3`. */
  describe(ports: P): string;
  start(ports: P, attempt: number): Promise<T>;
}

/** The result, and the failed attempts before it (empty when the first start worked). */
export async function startOnFreshPorts<P, T>(
  plan: StartPlan<P, T>,
): Promise<{ value: T; failed: string[] }> {
  const failed: string[] = [];
  for (let attempt = 1; ; attempt++) {
    let where = '(picking ports)';
    try {
      const ports = await plan.pick(attempt);
      where = `on ${plan.describe(ports)}`;
      return { value: await plan.start(ports, attempt), failed };
    } catch (err) {
      const clash = err instanceof PortClash;
      const message = err instanceof Error ? err.message : String(err);
      const reason = clash ? err.reason : (message.split('\n')[0] ?? '');
      const details = clash ? err.details : message.split('\n').slice(1).join('\n');
      failed.push(`attempt ${attempt} ${where}: ${reason}`);
      if (!clash || attempt >= plan.attempts)
        throw new Error(
          `${plan.what} did not start after ${attempt} attempt(s)${clash ? '' : ' (not a port clash: not retried)'}:\n  ${failed.join('\n  ')}${details ? `\n${details}` : ''}`,
          { cause: err },
        );
    }
  }
}
