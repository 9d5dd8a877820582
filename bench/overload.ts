/**
 * Overload: `npm run bench -- overload [--rate S] [--users N] [--high 30] [--low 30]`.
 *
 * Offers twice the sustainable 1:1 rate `S` (default 2,000 msgs/s) for
 * `--high` seconds, then half of `S` for `--low` seconds, open loop, to a
 * server child of its own. What it shows: whether the node keeps acking at
 * its maximum with bounded latency and memory while overloaded (refusing
 * what it cannot take with `unavailable`, which clients retry later,
 * instead of queueing it), whether it recovers once the load drops, and
 * whether overload makes more work (appends per message per inbox, of the
 * messages not refused; target <= 1.05: a resend storm shows here).
 *
 * Prints per-second lines on stderr and one JSON line last: acked msgs/s
 * while overloaded (seconds 5..high), p99 send->`sent` of the acked ones,
 * server RSS high-water mark, recovery time (from the drop to the first of
 * three seconds in a row where every offered message is acked with p99
 * send->`sent` <= 100 ms), appends per message per inbox.
 */
import { randomBytes } from 'node:crypto';
import { arg } from './args.ts';
import { LoadSession, type SecondStats } from './load/load-session.ts';
import { machine } from './load/machine.ts';
import { mib, rssBytes } from './load/proc.ts';
import { scrape, storeCalls } from './load/server-metrics.ts';
import { startServer } from './load/server-process.ts';
import { signedTokens } from './load/tokens.ts';
import type { BenchResult } from './run.ts';

const RECOVERED_P99_MS = 100;
const RECOVERED_SECONDS = 3;
/** Seconds at the start of the overload not counted in its rate (queues fill). */
const SETTLE_S = 5;

export default async function overload(args: string[]): Promise<BenchResult> {
  const sustainable = arg(args, 'rate', 2000);
  const users = arg(args, 'users', 1000);
  const highS = arg(args, 'high', 30);
  const lowS = arg(args, 'low', 30);
  const high = sustainable * 2;
  const low = Math.round(sustainable / 2);
  const progress = (line: string) => process.stderr.write(`[overload] ${line}\n`);
  const at = await machine();
  const server = await startServer();
  progress(
    `server pid ${server.pid} on ${server.url}; ${high}/s for ${highS} s, then ${low}/s for ${lowS} s`,
  );
  let rssMax = 0;
  const rssStart = rssBytes(server.pid);
  const sampler = setInterval(() => {
    rssMax = Math.max(rssMax, rssBytes(server.pid));
  }, 250);
  const seconds: SecondStats[] = [];
  try {
    const session = await LoadSession.open({
      url: server.url,
      tokens: signedTokens(server.secret),
      users,
      prefix: `ov${randomBytes(3).toString('hex')}u`,
      bodyBytes: 100,
      ack: true,
      timeoutMs: 10_000,
      maxInFlight: 1_000_000,
      connectConcurrency: 100,
      serverPid: server.pid,
      progress,
    });
    const before = await scrape(server.httpUrl);
    const result = await session.run({
      rate: high,
      durationS: highS,
      warmupS: 0,
      after: { rate: low, durationS: lowS },
      onSecond: (s) => seconds.push(s),
    });
    const calls = storeCalls(before, await scrape(server.httpUrl));
    await session.close();
    const overloaded = seconds.filter((s) => s.atS > SETTLE_S && s.atS <= highS);
    const ackedPerS = Math.round(mean(overloaded.map((s) => s.sentPerS)));
    const p99High = Math.max(0, ...overloaded.map((s) => s.sendToSent.p99Ms));
    const recoveryS = recovery(seconds, highS, low);
    const appends = calls.appendInbox?.count ?? 0;
    const acked = result.sentAcks;
    const refused = result.errors.error_unavailable ?? 0;
    // Every message the generator sent and the node did not refuse is stored in two inboxes.
    const sentByClient =
      Math.round(high * highS) +
      Math.round(low * lowS) -
      (result.errors.client_shed ?? 0) -
      (result.errors.client_not_open ?? 0);
    const stored = sentByClient - refused;
    return {
      metric: 'acked_per_s_at_2x',
      value: ackedPerS,
      unit: 'msgs/s',
      sustainable,
      offeredHigh: high,
      offeredLow: low,
      p99SentWhileOverloadedMs: p99High,
      rssStartMiB: mib(rssStart),
      rssHighWaterMiB: mib(rssMax),
      recoveryS,
      acked,
      refused,
      errors: result.errors,
      appendsPerMessagePerInbox:
        stored > 0 ? Math.round((appends / (2 * stored)) * 1000) / 1000 : null,
      storeCalls: calls,
      seconds: seconds.map((s) => ({
        t: s.atS,
        offered: s.offeredPerS,
        sent: s.sentPerS,
        delivered: s.deliveredPerS,
        p99SentMs: s.sendToSent.p99Ms,
        inFlight: s.inFlight,
      })),
      machine: at,
    };
  } finally {
    clearInterval(sampler);
    await server.stop();
  }
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Seconds from the drop to the start of the first run of healthy seconds; null when it never recovered. */
function recovery(seconds: readonly SecondStats[], highS: number, low: number): number | null {
  let run = 0;
  for (const s of seconds) {
    if (s.atS <= highS + 1) continue;
    const healthy =
      s.sentPerS >= low * 0.95 && s.sendToSent.count > 0 && s.sendToSent.p99Ms <= RECOVERED_P99_MS;
    run = healthy ? run + 1 : 0;
    if (run === RECOVERED_SECONDS)
      return Math.round((s.atS - RECOVERED_SECONDS + 1 - highS) * 10) / 10;
  }
  return null;
}
