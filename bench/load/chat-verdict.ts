/**
 * The verdict on one chat-1to1 step: the node(s) *keep up* when at least
 * `KEEP_UP` of the offered rate was acked `sent` inside the measured window
 * and nothing failed or timed out (a clean close, `close_1000`, is no
 * failure); the step *passes* when it also kept p99 send→`sent` within the
 * bound.
 */

export const KEEP_UP = 0.95;

export interface Verdict {
  readonly keepsUp: boolean;
  readonly pass: boolean;
  /** `ok`, or the first reason it failed, quoting the numbers. */
  readonly why: string;
}

/** What the verdict reads of a run (a `RunResult` has it). */
export interface Judged {
  readonly rate: number;
  readonly achievedSentPerS: number;
  readonly errors: Readonly<Record<string, number>>;
  readonly sendToSent: { readonly p99Ms: number };
}

export function judge(r: Judged, p99BoundMs: number): Verdict {
  const failed = Object.keys(r.errors).filter((k) => !k.startsWith('close_1000'));
  if (r.achievedSentPerS < KEEP_UP * r.rate)
    return {
      keepsUp: false,
      pass: false,
      why: `achieved ${r.achievedSentPerS} < ${KEEP_UP} × offered`,
    };
  if (failed.length > 0)
    return { keepsUp: false, pass: false, why: `errors ${JSON.stringify(r.errors)}` };
  if (r.sendToSent.p99Ms > p99BoundMs)
    return {
      keepsUp: true,
      pass: false,
      why: `p99 send→sent ${r.sendToSent.p99Ms} ms > ${p99BoundMs} ms`,
    };
  return { keepsUp: true, pass: true, why: 'ok' };
}
