/**
 * The run's time series, one point per `bucketMs` of virtual time from 0 to
 * `history.endMs` (at least one bucket; anything at or after the end falls in
 * the last). What a point counts, with the definitions of `facts.ts`:
 * - `sends`: messages whose (first) send is in the bucket; `availability`:
 *   the share of those whose first `sent` came within the deadline;
 * - `sentAcks`: first `sent`s in the bucket, and `sentP50Ms`/`sentP99Ms` of
 *   their send → sent;
 * - `delivered`: first deliveries (per device) in the bucket, and
 *   `deliverP50Ms`/`deliverP99Ms` of send → delivery for those at a device
 *   other than the sending one;
 * - `connectedDevices`: devices connected at the bucket's end.
 * Percentiles are exact (nearest rank); undefined when there is no sample.
 */
import { ErrorCode, ParleyError, quote } from '../../runtime/index.ts';
import type { History, SeriesPoint } from '../types.ts';
import { factsOf } from './facts.ts';
import { forEachFirstDelivery } from './latency.ts';
import { percentile, sortNumbers } from './stats.ts';

export interface SeriesOptions {
  readonly bucketMs: number;
  readonly availabilityDeadlineMs: number;
}

export function seriesOf(history: History, opts: SeriesOptions): SeriesPoint[] {
  const { bucketMs, availabilityDeadlineMs } = opts;
  if (!(Number.isFinite(bucketMs) && bucketMs > 0))
    throw new ParleyError(
      ErrorCode.InvalidArgument,
      `series: bucketMs must be a positive number, got ${quote(bucketMs)}`,
    );
  const facts = factsOf(history);
  const n = Math.max(1, Math.ceil(history.endMs / bucketMs));
  const at = (t: number) => Math.min(n - 1, Math.max(0, Math.floor(t / bucketMs)));
  const sends = new Array<number>(n).fill(0);
  const inDeadline = new Array<number>(n).fill(0);
  const sentAcks = new Array<number>(n).fill(0);
  const delivered = new Array<number>(n).fill(0);
  const sentMs: number[][] = Array.from({ length: n }, () => []);
  const deliverMs: number[][] = Array.from({ length: n }, () => []);

  for (const m of facts.sends) {
    const b = at(m.send!.t);
    sends[b]!++;
    if (m.sent !== undefined && m.sent.t - m.send!.t <= availabilityDeadlineMs) inDeadline[b]!++;
  }
  for (const m of facts.acked) {
    const b = at(m.sent!.t);
    sentAcks[b]!++;
    if (m.send !== undefined) sentMs[b]!.push(m.sent!.t - m.send.t);
  }
  forEachFirstDelivery(facts, (e, ms) => {
    const b = at(e.t);
    delivered[b]!++;
    if (ms !== undefined) deliverMs[b]!.push(ms);
  });
  const connected = connectedAtBucketEnds(history, n, bucketMs);

  const points: SeriesPoint[] = [];
  for (let b = 0; b < n; b++) {
    const s = sortNumbers(sentMs[b]!);
    const d = sortNumbers(deliverMs[b]!);
    points.push({
      t: (b * bucketMs) / 1000,
      sends: sends[b]!,
      sentAcks: sentAcks[b]!,
      delivered: delivered[b]!,
      sentP50Ms: percentile(s, 50),
      sentP99Ms: percentile(s, 99),
      deliverP50Ms: percentile(d, 50),
      deliverP99Ms: percentile(d, 99),
      availability: sends[b]! === 0 ? undefined : inDeadline[b]! / sends[b]!,
      connectedDevices: connected[b]!,
    });
  }
  return points;
}

/** Devices connected after every connect/disconnect before each bucket's end (all, for the last). */
function connectedAtBucketEnds(history: History, n: number, bucketMs: number): number[] {
  const out = new Array<number>(n).fill(0);
  const facts = factsOf(history);
  const now = new Uint8Array(facts.devices.length);
  let count = 0;
  let b = 0;
  for (const e of history.events) {
    if (e.k !== 'connect' && e.k !== 'disconnect') continue;
    while (b < n - 1 && e.t >= (b + 1) * bucketMs) out[b++] = count;
    const d = facts.deviceIndex(e.user, e.device)!;
    const was = now[d]!;
    now[d] = e.k === 'connect' ? 1 : 0;
    count += now[d]! - was;
  }
  while (b < n) out[b++] = count;
  return out;
}
